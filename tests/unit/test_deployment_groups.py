"""The deployment group operations over in-memory stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from rollwright.deployment_group_history import LastDeployment
from rollwright.deployment_groups import DeploymentGroupChanged
from rollwright.deployment_status import DeploymentStatus
from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from rollwright.operations.shapes import CodeDeployServices
from rollwright.revision_locations import BundleType, S3Location
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188"
ECS_MEMBERS = {
    "ecsServices": [{"clusterName": "prod", "serviceName": "web"}],
    "loadBalancerInfo": {
        "targetGroupPairInfoList": [
            {
                "targetGroups": [{"name": "blue"}, {"name": "green"}],
                "prodTrafficRoute": {"listenerArns": [f"{LISTENER}/1"]},
            }
        ]
    },
}


@pytest.fixture
def services() -> CodeDeployServices:
    services = in_memory_services()
    for name, platform in (("shop", "Server"), ("fn", "Lambda"), ("svc", "ECS")):
        call(services, "CreateApplication", applicationName=name, computePlatform=platform)
    return services


def call(services: CodeDeployServices, operation: str, **params: Any) -> dict[str, Any]:
    return dispatch(operation, params, services)


def refused(services: CodeDeployServices, operation: str, **params: Any) -> str:
    with pytest.raises(CodeDeployError) as error:
        call(services, operation, **params)
    return error.value.name


def create(services: CodeDeployServices, app: str, name: str, **members: Any) -> str:
    params = {"applicationName": app, "deploymentGroupName": name, "serviceRoleArn": ROLE}
    return str(call(services, "CreateDeploymentGroup", **params, **members)["deploymentGroupId"])


def info(services: CodeDeployServices, app: str, name: str) -> dict[str, Any]:
    found = call(services, "GetDeploymentGroup", applicationName=app, deploymentGroupName=name)
    return dict(found["deploymentGroupInfo"])


@pytest.mark.parametrize(
    ("app", "members", "config", "style"),
    [
        ("shop", {}, "CodeDeployDefault.OneAtATime", ("IN_PLACE", "WITHOUT_TRAFFIC_CONTROL")),
        ("fn", {}, "CodeDeployDefault.LambdaAllAtOnce", ("BLUE_GREEN", "WITH_TRAFFIC_CONTROL")),
        (
            "svc",
            ECS_MEMBERS,
            "CodeDeployDefault.ECSAllAtOnce",
            ("BLUE_GREEN", "WITH_TRAFFIC_CONTROL"),
        ),
    ],
)
def test_a_group_gets_its_platforms_default_configuration_and_style(
    services: CodeDeployServices,
    app: str,
    members: dict[str, Any],
    config: str,
    style: tuple[str, str],
) -> None:
    create(services, app, "g", **members)
    got = info(services, app, "g")
    assert got["deploymentConfigName"] == config
    assert (
        got["deploymentStyle"]["deploymentType"],
        got["deploymentStyle"]["deploymentOption"],
    ) == style


def test_a_created_group_is_read_back_with_every_member_given(services: CodeDeployServices) -> None:
    # Given a group with members of every kind
    members = {
        "ec2TagSet": {
            "ec2TagSetList": [[{"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}]]
        },
        "onPremisesInstanceTagFilters": [{"Key": "rack", "Type": "KEY_ONLY"}],
        "autoScalingGroups": ["web-asg"],
        "deploymentStyle": {
            "deploymentType": "IN_PLACE",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        "loadBalancerInfo": {"targetGroupInfoList": [{"name": "web"}]},
        "alarmConfiguration": {
            "enabled": True,
            "ignorePollAlarmFailure": True,
            "alarms": [{"name": "5xx"}],
        },
        "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM"]},
        "triggerConfigurations": [
            {
                "triggerName": "ops",
                "triggerTargetArn": "arn:aws:sns:us-east-1:123456789012:ops",
                "triggerEvents": ["DeploymentFailure", "InstanceFailure"],
            }
        ],
        "outdatedInstancesStrategy": "IGNORE",
        "ec2DeploymentOptions": {"autoScalingGroupProcessesToSuspend": ["AZRebalance"]},
        "terminationHookEnabled": True,
    }
    group_id = create(services, "shop", "web", **members)
    # When it is read
    got = info(services, "shop", "web")
    # Then the answer carries each member as given, and the group's identity
    for member, value in members.items():
        if member != "autoScalingGroups":
            assert got[member] == value, member
    assert got["autoScalingGroups"] == [{"name": "web-asg"}]
    assert got["deploymentGroupId"] == group_id
    assert got["applicationName"] == "shop"
    assert got["computePlatform"] == "Server"
    assert got["serviceRoleArn"] == ROLE
    assert not {"targetRevision", "lastSuccessfulDeployment", "lastAttemptedDeployment"} & set(got)


def test_a_taken_group_name_is_refused(services: CodeDeployServices) -> None:
    create(services, "shop", "web")
    params = {"applicationName": "shop", "deploymentGroupName": "web", "serviceRoleArn": ROLE}
    assert (
        refused(services, "CreateDeploymentGroup", **params)
        == "DeploymentGroupAlreadyExistsException"
    )


def test_a_missing_group_cannot_be_read(services: CodeDeployServices) -> None:
    params = {"applicationName": "shop", "deploymentGroupName": "ghost"}
    assert (
        refused(services, "GetDeploymentGroup", **params) == "DeploymentGroupDoesNotExistException"
    )


def test_an_ecs_service_already_mapped_is_refused_for_another_group(
    services: CodeDeployServices,
) -> None:
    create(services, "svc", "first", **ECS_MEMBERS)
    params = {"applicationName": "svc", "deploymentGroupName": "second", "serviceRoleArn": ROLE}
    assert refused(services, "CreateDeploymentGroup", **params, **ECS_MEMBERS) == (
        "ECSServiceMappingLimitExceededException"
    )


def test_deleting_an_ecs_group_frees_its_service(services: CodeDeployServices) -> None:
    create(services, "svc", "first", **ECS_MEMBERS)
    call(services, "DeleteDeploymentGroup", applicationName="svc", deploymentGroupName="first")
    assert create(services, "svc", "second", **ECS_MEMBERS)


def test_renaming_keeps_the_id_and_frees_the_old_name(services: CodeDeployServices) -> None:
    group_id = create(services, "shop", "old")
    call(
        services,
        "UpdateDeploymentGroup",
        applicationName="shop",
        currentDeploymentGroupName="old",
        newDeploymentGroupName="new",
    )
    assert info(services, "shop", "new")["deploymentGroupId"] == group_id
    assert (
        refused(services, "GetDeploymentGroup", applicationName="shop", deploymentGroupName="old")
        == "DeploymentGroupDoesNotExistException"
    )


def test_renaming_onto_a_taken_name_is_refused_and_changes_nothing(
    services: CodeDeployServices,
) -> None:
    create(services, "shop", "a")
    create(services, "shop", "b")
    params = {"applicationName": "shop", "currentDeploymentGroupName": "a"}
    assert refused(services, "UpdateDeploymentGroup", **params, newDeploymentGroupName="b") == (
        "DeploymentGroupAlreadyExistsException"
    )
    assert call(services, "ListDeploymentGroups", applicationName="shop")["deploymentGroups"] == [
        "a",
        "b",
    ]


def test_an_update_replaces_the_members_given_and_keeps_the_rest(
    services: CodeDeployServices,
) -> None:
    create(services, "shop", "web", autoScalingGroups=["asg"], outdatedInstancesStrategy="IGNORE")
    result = call(
        services,
        "UpdateDeploymentGroup",
        applicationName="shop",
        currentDeploymentGroupName="web",
        deploymentConfigName="CodeDeployDefault.HalfAtATime",
    )
    got = info(services, "shop", "web")
    assert result == {"hooksNotCleanedUp": []}
    assert got["deploymentConfigName"] == "CodeDeployDefault.HalfAtATime"
    assert got["autoScalingGroups"] == [{"name": "asg"}]
    assert got["outdatedInstancesStrategy"] == "IGNORE"


def test_an_empty_auto_scaling_group_list_detaches_them(services: CodeDeployServices) -> None:
    create(services, "shop", "web", autoScalingGroups=["asg"])
    call(
        services,
        "UpdateDeploymentGroup",
        applicationName="shop",
        currentDeploymentGroupName="web",
        autoScalingGroups=[],
    )
    assert info(services, "shop", "web")["autoScalingGroups"] == []


def test_an_update_breaking_a_rule_is_refused_and_changes_nothing(
    services: CodeDeployServices,
) -> None:
    create(services, "shop", "web")
    before = info(services, "shop", "web")
    params = {"applicationName": "shop", "currentDeploymentGroupName": "web"}
    style = {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert refused(services, "UpdateDeploymentGroup", **params, deploymentStyle=style) == (
        "InvalidLoadBalancerInfoException"
    )
    assert refused(services, "UpdateDeploymentGroup", **params, serviceRoleArn="") == (
        "InvalidRoleException"
    )
    assert info(services, "shop", "web") == before


def test_a_platform_mismatched_configuration_is_refused_on_update(
    services: CodeDeployServices,
) -> None:
    create(services, "fn", "live")
    params = {"applicationName": "fn", "currentDeploymentGroupName": "live"}
    assert (
        refused(
            services,
            "UpdateDeploymentGroup",
            **params,
            deploymentConfigName="CodeDeployDefault.AllAtOnce",
        )
        == "InvalidDeploymentConfigNameException"
    )


def test_changing_the_configuration_moves_its_use(services: CodeDeployServices) -> None:
    # Given a group using custom configuration "a"
    for name in ("a", "b"):
        call(
            services,
            "CreateDeploymentConfig",
            deploymentConfigName=name,
            minimumHealthyHosts={"type": "HOST_COUNT", "value": 1},
        )
    create(services, "shop", "web", deploymentConfigName="a")
    # When the group moves to "b"
    call(
        services,
        "UpdateDeploymentGroup",
        applicationName="shop",
        currentDeploymentGroupName="web",
        deploymentConfigName="b",
    )
    # Then "a" can be deleted and "b" cannot
    call(services, "DeleteDeploymentConfig", deploymentConfigName="a")
    assert refused(services, "DeleteDeploymentConfig", deploymentConfigName="b") == (
        "DeploymentConfigInUseException"
    )


def test_deleting_a_missing_group_or_application_succeeds(services: CodeDeployServices) -> None:
    for app in ("shop", "ghost"):
        result = call(
            services, "DeleteDeploymentGroup", applicationName=app, deploymentGroupName="x"
        )
        assert result == {"hooksNotCleanedUp": []}


def test_batch_get_answers_the_groups_found_and_names_the_missing(
    services: CodeDeployServices,
) -> None:
    create(services, "shop", "a")
    create(services, "shop", "b")
    result = call(
        services,
        "BatchGetDeploymentGroups",
        applicationName="shop",
        deploymentGroupNames=["b", "ghost", "a", "b"],
    )
    assert [g["deploymentGroupName"] for g in result["deploymentGroupsInfo"]] == ["b", "a"]
    assert "ghost" in result["errorMessage"]


def test_batch_get_takes_one_to_a_hundred_names(services: CodeDeployServices) -> None:
    params = {"applicationName": "shop"}
    assert refused(services, "BatchGetDeploymentGroups", **params, deploymentGroupNames=[]) == (
        "DeploymentGroupNameRequiredException"
    )
    names = [f"g{n}" for n in range(101)]
    assert refused(services, "BatchGetDeploymentGroups", **params, deploymentGroupNames=names) == (
        "BatchLimitExceededException"
    )


def test_listing_pages_through_every_group_of_the_application(
    services: CodeDeployServices,
) -> None:
    services.deployment_groups._page_size = 2  # a small page makes paging visible
    for name in ("c", "a", "d", "b", "e"):
        create(services, "shop", name)
    create(services, "fn", "other")
    listed, token = [], None
    while True:
        page = call(
            services,
            "ListDeploymentGroups",
            applicationName="shop",
            **({"nextToken": token} if token else {}),
        )
        assert page["applicationName"] == "shop"
        listed.extend(page["deploymentGroups"])
        token = page.get("nextToken")
        if token is None:
            break
    assert listed == ["a", "b", "c", "d", "e"]


def test_listing_a_missing_application_is_refused(services: CodeDeployServices) -> None:
    assert refused(services, "ListDeploymentGroups", applicationName="ghost") == (
        "ApplicationDoesNotExistException"
    )


def test_a_renamed_application_still_owns_its_groups(services: CodeDeployServices) -> None:
    create(services, "shop", "web")
    call(services, "UpdateApplication", applicationName="shop", newApplicationName="store")
    assert info(services, "store", "web")["applicationName"] == "store"


def test_deleting_an_application_deletes_its_groups_and_releases_what_they_held(
    services: CodeDeployServices,
) -> None:
    # Given an ECS application whose group uses a custom configuration and an ECS service
    call(services, "CreateDeploymentConfig", deploymentConfigName="slow", computePlatform="ECS")
    create(services, "svc", "g1", deploymentConfigName="slow", **ECS_MEMBERS)
    # When the application is deleted and created again
    call(services, "DeleteApplication", applicationName="svc")
    call(services, "CreateApplication", applicationName="svc", computePlatform="ECS")
    # Then it has no groups, the service can be mapped again, and the configuration deleted
    assert call(services, "ListDeploymentGroups", applicationName="svc")["deploymentGroups"] == []
    create(services, "svc", "g2", **ECS_MEMBERS)
    call(services, "DeleteDeploymentConfig", deploymentConfigName="slow")


def test_record_deployment_sets_the_history_members(services: CodeDeployServices) -> None:
    # Given a group and a succeeded deployment of an S3 revision
    group_id = create(services, "shop", "web")
    revision = S3Location("bucket", "app.zip", BundleType.ZIP)
    started = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    succeeded = LastDeployment("d-AAAAAAAAA", DeploymentStatus.SUCCEEDED, started, started)
    # When it is recorded, then a later failed one
    services.deployment_groups.record_deployment(group_id, succeeded, revision)
    failed = LastDeployment("d-BBBBBBBBB", DeploymentStatus.FAILED, started.replace(hour=13))
    services.deployment_groups.record_deployment(
        group_id, failed, S3Location("b", "k.zip", BundleType.ZIP)
    )
    # Then the group answers the last attempted, the last successful and its revision
    got = info(services, "shop", "web")
    assert got["lastAttemptedDeployment"] == {
        "deploymentId": "d-BBBBBBBBB",
        "status": "Failed",
        "createTime": started.replace(hour=13),
    }
    assert got["lastSuccessfulDeployment"]["deploymentId"] == "d-AAAAAAAAA"
    assert got["targetRevision"] == {
        "revisionType": "S3",
        "s3Location": {"bucket": "bucket", "key": "app.zip", "bundleType": "zip"},
    }


def _late_end_of_an_older_deployment(
    services: CodeDeployServices, status: DeploymentStatus
) -> dict[str, Any]:
    """The group's info after the next deployment (d-NEWNEWNEW, created at noon) was recorded
    before the previous one (d-OLDOLDOLD, created at 11) recorded its end with ``status``: the
    group is released when the status is written, before the finish records it."""
    group_id = create(services, "shop", "web")
    noon = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    newer = LastDeployment("d-NEWNEWNEW", DeploymentStatus.IN_PROGRESS, noon)
    services.deployment_groups.record_deployment(group_id, newer)
    older = LastDeployment("d-OLDOLDOLD", status, noon.replace(hour=11))
    services.deployment_groups.record_deployment(group_id, older)
    return info(services, "shop", "web")


def test_a_late_report_of_an_older_deployment_keeps_the_last_attempted_one(
    services: CodeDeployServices,
) -> None:
    # Given the next deployment created / When the previous one's failure is recorded after it
    got = _late_end_of_an_older_deployment(services, DeploymentStatus.FAILED)
    # Then the next one stays the last attempted, and nothing succeeded
    assert got["lastAttemptedDeployment"]["deploymentId"] == "d-NEWNEWNEW"
    assert "lastSuccessfulDeployment" not in got


def test_a_success_recorded_after_the_next_deployment_was_created_still_counts(
    services: CodeDeployServices,
) -> None:
    # Given the next deployment created / When the previous one's success is recorded after it
    got = _late_end_of_an_older_deployment(services, DeploymentStatus.SUCCEEDED)
    # Then it is the last successful deployment (a rollback of the newer one goes back to it)
    assert got["lastAttemptedDeployment"]["deploymentId"] == "d-NEWNEWNEW"
    assert got["lastSuccessfulDeployment"]["deploymentId"] == "d-OLDOLDOLD"


def test_an_update_that_lost_a_race_is_decided_again_on_the_fresh_group(
    services: CodeDeployServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a store whose first replace finds the group changed by someone else
    create(services, "shop", "web")
    store = services.deployment_groups._store
    real_replace = store.replace
    attempts: list[int] = []

    def replace_once_stale(current: Any, updated: Any) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise DeploymentGroupChanged()
        real_replace(current, updated)

    monkeypatch.setattr(store, "replace", replace_once_stale)
    # When an update runs
    call(
        services,
        "UpdateDeploymentGroup",
        applicationName="shop",
        currentDeploymentGroupName="web",
        outdatedInstancesStrategy="IGNORE",
    )
    # Then it is retried and applied once
    assert len(attempts) == 2
    assert info(services, "shop", "web")["outdatedInstancesStrategy"] == "IGNORE"


def test_a_stale_version_is_refused_by_the_store(services: CodeDeployServices) -> None:
    create(services, "shop", "web")
    store = services.deployment_groups._store
    application = services.applications.get("shop")
    stored = store.find(application.application_id, "web")
    store.replace(stored, stored)
    with pytest.raises(DeploymentGroupChanged):
        store.replace(stored, replace(stored, name="other"))
