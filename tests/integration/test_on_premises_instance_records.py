"""The DynamoDB on-premises instance store against moto."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.adapters.on_premises_instance_records import (
    DynamoOnPremisesInstanceStore,
    arn_claim_key,
    host_claim_key,
    instance_key,
)
from rollwright.applications import Tag
from rollwright.errors import (
    IamSessionArnAlreadyRegisteredException,
    IamUserArnAlreadyRegisteredException,
    InstanceNameAlreadyRegisteredException,
)
from rollwright.on_premises_instances import InstanceQuery, OnPremisesInstance
from rollwright.on_premises_rules import (
    IamArnKind,
    IamIdentity,
    RegistrationStatus,
    TagFilter,
    TagFilterType,
)
from tests.integration.application_api import TABLE_NAME, dynamodb

__all__ = ["dynamodb"]

AT = datetime(2026, 11, 27, 22, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture
def store(dynamodb: Any) -> DynamoOnPremisesInstanceStore:
    return DynamoOnPremisesInstanceStore(dynamodb, TABLE_NAME)


def instance(name: str, arn_n: int, *, session: bool = False) -> OnPremisesInstance:
    identity = (
        IamIdentity(IamArnKind.SESSION, f"arn:aws:sts::123456789012:assumed-role/r/s-{arn_n}")
        if session
        else IamIdentity(IamArnKind.USER, f"arn:aws:iam::123456789012:user/u-{arn_n}")
    )
    return OnPremisesInstance(
        name=name,
        identity=identity,
        instance_arn=f"arn:aws:codedeploy:us-east-1:123456789012:instance/{name}",
        host_id=name.replace(".", "-"),
        register_time=AT,
    )


def test_an_added_instance_is_found_as_it_was_with_its_claims(
    store: DynamoOnPremisesInstanceStore, dynamodb: Any
) -> None:
    store.add(instance("web.1", 1))
    assert store.find("web.1") == instance("web.1", 1)
    item = dynamodb.get_item(TableName=TABLE_NAME, Key=instance_key("web.1"))["Item"]
    assert (item["gsi1pk"], item["gsi1sk"]) == ({"S": "ON_PREMISES_INSTANCES"}, {"S": "web.1"})
    arn = "arn:aws:iam::123456789012:user/u-1"
    for key in (arn_claim_key(arn), host_claim_key("web-1")):
        claim = dynamodb.get_item(TableName=TABLE_NAME, Key=key)["Item"]
        assert claim["instance_name"] == {"S": "web.1"}


@pytest.mark.parametrize(
    ("second", "error"),
    [
        (instance("web-1", 2), InstanceNameAlreadyRegisteredException),
        (replace(instance("web-9", 2), host_id="web-1"), InstanceNameAlreadyRegisteredException),
        (instance("web-2", 1), IamUserArnAlreadyRegisteredException),
    ],
)
def test_a_taken_name_host_id_or_arn_fails_the_whole_registration(
    store: DynamoOnPremisesInstanceStore, second: OnPremisesInstance, error: type[Exception]
) -> None:
    store.add(instance("web-1", 1))
    with pytest.raises(error):
        store.add(second)
    assert store.find("web-1") == instance("web-1", 1)
    if second.name != "web-1":
        assert store.find(second.name) is None


def test_a_taken_session_arn_is_named_as_such(store: DynamoOnPremisesInstanceStore) -> None:
    store.add(instance("a", 1, session=True))
    with pytest.raises(IamSessionArnAlreadyRegisteredException):
        store.add(instance("b", 1, session=True))


def test_deregistering_releases_the_arn_and_refuses_a_stale_version(
    store: DynamoOnPremisesInstanceStore,
) -> None:
    store.add(instance("a", 1))
    assert store.deregister(instance("a", 1), AT)
    assert not store.deregister(instance("a", 1), AT)
    gone = store.find("a")
    assert gone is not None
    assert (gone.deregister_time, gone.version) == (AT, 2)
    store.add(instance("b", 1))


def test_tags_are_replaced_all_or_none_on_the_versions_read(
    store: DynamoOnPremisesInstanceStore,
) -> None:
    store.add(instance("a", 1))
    store.add(instance("b", 2))
    tagged = (Tag("env", "prod"),)
    assert store.replace_tags([replace(instance("a", 1), tags=tagged)])
    stale = [replace(instance("a", 1), tags=()), replace(instance("b", 2), tags=tagged)]
    assert not store.replace_tags(stale)
    assert store.find("a").tags == tagged  # type: ignore[union-attr]
    assert store.find("b").tags == ()  # type: ignore[union-attr]


def test_listing_filters_in_the_query_and_resumes_after_a_name(
    store: DynamoOnPremisesInstanceStore,
) -> None:
    for n, name in enumerate("abcde"):
        store.add(instance(name, n))
    store.replace_tags([replace(instance("b", 1), tags=(Tag("env", ""),))])
    store.replace_tags([replace(instance("c", 2), tags=(Tag("role", "web"),))])
    store.deregister(instance("e", 4), AT)
    assert store.names_after(None, InstanceQuery(), 3) == ["a", "b", "c"]
    assert store.names_after("c", InstanceQuery(), 9) == ["d", "e"]
    registered = InstanceQuery(RegistrationStatus.REGISTERED)
    assert store.names_after("b", registered, 9) == ["c", "d"]
    empty_value = TagFilter(TagFilterType.KEY_AND_VALUE, "env", "")
    web = TagFilter(TagFilterType.VALUE_ONLY, value="web")
    assert store.names_after(None, InstanceQuery(tag_filters=(empty_value, web)), 9) == ["b", "c"]
