"""On-premises instances through the stock CodeDeploy client on the devstack."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from devstack.state import DevstackState


@pytest.fixture(scope="module")
def codedeploy(devstack: DevstackState) -> Any:
    return devstack.codedeploy_client()


@pytest.fixture
def prefix() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def user_arn(name: str) -> str:
    return f"arn:aws:iam::123456789012:user/{name}"


def every_name(codedeploy: Any, **filters: Any) -> list[str]:
    paginator = codedeploy.get_paginator("list_on_premises_instances")
    return [n for page in paginator.paginate(**filters) for n in page["instanceNames"]]


def test_a_registered_instance_is_read_in_codedeploys_shape(
    codedeploy: Any, prefix: str, devstack: DevstackState
) -> None:
    name = f"{prefix}-web"
    codedeploy.register_on_premises_instance(instanceName=name, iamUserArn=user_arn(name))
    info = codedeploy.get_on_premises_instance(instanceName=name)["instanceInfo"]
    assert info["instanceName"] == name
    assert info["iamUserArn"] == user_arn(name)
    assert info["instanceArn"] == (
        f"arn:aws:codedeploy:{devstack.region}:{devstack.account_id}:instance/{name}"
    )
    assert "deregisterTime" not in info
    assert info["tags"] == []


@pytest.mark.parametrize(
    ("members", "exception"),
    [
        ({}, "IamArnRequiredException"),
        (
            {
                "iamUserArn": user_arn("x"),
                "iamSessionArn": "arn:aws:sts::123456789012:assumed-role/r/s",
            },
            "MultipleIamArnsProvidedException",
        ),
        ({"iamUserArn": "arn:aws:iam::123456789012:role/r"}, "InvalidIamUserArnException"),
        ({"iamSessionArn": user_arn("x")}, "InvalidIamSessionArnException"),
    ],
)
def test_an_instance_needs_exactly_one_well_formed_iam_arn(
    codedeploy: Any, prefix: str, members: dict[str, str], exception: str
) -> None:
    with pytest.raises(getattr(codedeploy.exceptions, exception)):
        codedeploy.register_on_premises_instance(instanceName=f"{prefix}-bad", **members)
    with pytest.raises(codedeploy.exceptions.InstanceNotRegisteredException):
        codedeploy.get_on_premises_instance(instanceName=f"{prefix}-bad")


def test_a_taken_name_or_arn_is_refused(codedeploy: Any, prefix: str) -> None:
    session = f"arn:aws:sts::123456789012:assumed-role/onprem/{prefix}"
    codedeploy.register_on_premises_instance(instanceName=f"{prefix}-a", iamSessionArn=session)
    with pytest.raises(codedeploy.exceptions.IamSessionArnAlreadyRegisteredException):
        codedeploy.register_on_premises_instance(instanceName=f"{prefix}-b", iamSessionArn=session)
    with pytest.raises(codedeploy.exceptions.InstanceNameAlreadyRegisteredException):
        codedeploy.register_on_premises_instance(
            instanceName=f"{prefix}-a", iamUserArn=user_arn(f"{prefix}-other")
        )
    codedeploy.register_on_premises_instance(
        instanceName=f"{prefix}-c", iamUserArn=user_arn(f"{prefix}-c")
    )
    with pytest.raises(codedeploy.exceptions.IamUserArnAlreadyRegisteredException):
        codedeploy.register_on_premises_instance(
            instanceName=f"{prefix}-d", iamUserArn=user_arn(f"{prefix}-c")
        )


def test_a_deregistered_instance_still_lists_unless_filtered(codedeploy: Any, prefix: str) -> None:
    for suffix in ("live", "gone"):
        name = f"{prefix}-{suffix}"
        codedeploy.register_on_premises_instance(instanceName=name, iamUserArn=user_arn(name))
    codedeploy.deregister_on_premises_instance(instanceName=f"{prefix}-gone")
    codedeploy.deregister_on_premises_instance(instanceName=f"{prefix}-never-registered")
    gone = codedeploy.get_on_premises_instance(instanceName=f"{prefix}-gone")["instanceInfo"]
    assert "deregisterTime" in gone
    mine = {f"{prefix}-live", f"{prefix}-gone"}
    assert mine <= set(every_name(codedeploy))
    assert mine & set(every_name(codedeploy, registrationStatus="Registered")) == {f"{prefix}-live"}
    assert mine & set(every_name(codedeploy, registrationStatus="Deregistered")) == {
        f"{prefix}-gone"
    }
    with pytest.raises(codedeploy.exceptions.InvalidRegistrationStatusException):
        codedeploy.list_on_premises_instances(registrationStatus="Unknown")


def test_batch_get_answers_known_instances_only(codedeploy: Any, prefix: str) -> None:
    name = f"{prefix}-one"
    codedeploy.register_on_premises_instance(instanceName=name, iamUserArn=user_arn(name))
    infos = codedeploy.batch_get_on_premises_instances(instanceNames=[name, f"{prefix}-ghost"])
    assert [i["instanceName"] for i in infos["instanceInfos"]] == [name]
    with pytest.raises(codedeploy.exceptions.BatchLimitExceededException):
        codedeploy.batch_get_on_premises_instances(instanceNames=[f"h{n}" for n in range(26)])


def test_tags_are_added_filtered_on_and_removed(codedeploy: Any, prefix: str) -> None:
    names = [f"{prefix}-t1", f"{prefix}-t2"]
    for name in names:
        codedeploy.register_on_premises_instance(instanceName=name, iamUserArn=user_arn(name))
    codedeploy.add_tags_to_on_premises_instances(
        instanceNames=names, tags=[{"Key": "env", "Value": prefix}]
    )
    codedeploy.add_tags_to_on_premises_instances(
        instanceNames=names[:1], tags=[{"Key": "role", "Value": "web"}]
    )
    by_pair = [{"Key": "env", "Value": prefix, "Type": "KEY_AND_VALUE"}]
    assert set(every_name(codedeploy, tagFilters=by_pair)) == set(names)
    codedeploy.remove_tags_from_on_premises_instances(
        instanceNames=names[1:], tags=[{"Key": "env", "Value": prefix}]
    )
    assert every_name(codedeploy, tagFilters=by_pair) == names[:1]
    info = codedeploy.get_on_premises_instance(instanceName=names[0])["instanceInfo"]
    assert info["tags"] == [{"Key": "env", "Value": prefix}, {"Key": "role", "Value": "web"}]
    with pytest.raises(codedeploy.exceptions.TagLimitExceededException):
        codedeploy.add_tags_to_on_premises_instances(
            instanceNames=names[:1], tags=[{"Key": f"k{n}", "Value": "v"} for n in range(9)]
        )
    with pytest.raises(codedeploy.exceptions.InstanceNotRegisteredException):
        codedeploy.add_tags_to_on_premises_instances(
            instanceNames=[f"{prefix}-ghost"], tags=[{"Key": "env", "Value": "x"}]
        )
    with pytest.raises(codedeploy.exceptions.InvalidTagFilterException):
        codedeploy.list_on_premises_instances(tagFilters=[{"Key": "env", "Type": "VALUE_ONLY"}])
