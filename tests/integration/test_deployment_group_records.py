"""The DynamoDB deployment group, deployment config and application tag stores against moto."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.adapters.application_tag_records import DynamoApplicationTagStore
from functions.adapters.deployment_config_records import DynamoDeploymentConfigStore
from functions.adapters.deployment_group_items import group_key
from functions.adapters.deployment_group_records import DynamoDeploymentGroupStore
from rollwright.applications import Application, ComputePlatform, Tag
from rollwright.auto_scaling_hooks import InstalledHooks
from rollwright.deployment_configs import (
    DeploymentConfig,
    DeploymentConfigDefinition,
    MinimumHealthyHosts,
    MinimumHealthyHostsType,
    ZonalConfig,
)
from rollwright.deployment_group_history import DeploymentGroupHistory, LastDeployment
from rollwright.deployment_group_settings import (
    AlarmConfiguration,
    DeploymentGroupSettings,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
    EcsService,
    LoadBalancerInfo,
    TagFilter,
    TagFilterType,
    TargetGroupPair,
)
from rollwright.deployment_groups import DeploymentGroup, DeploymentGroupChanged
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import (
    ApplicationDoesNotExistException,
    DeploymentConfigAlreadyExistsException,
    DeploymentConfigDoesNotExistException,
    DeploymentConfigInUseException,
    DeploymentConfigLimitExceededException,
    DeploymentGroupAlreadyExistsException,
    DeploymentGroupLimitExceededException,
    ECSServiceMappingLimitExceededException,
)
from rollwright.resource_tags import ApplicationTagsChanged
from rollwright.revision_locations import BundleType, S3Location
from tests.integration.application_api import TABLE_NAME, dynamodb, store

__all__ = ["dynamodb", "store"]

NOW = datetime(2026, 11, 27, 22, 0, 0, 123000, tzinfo=UTC)
IN_PLACE = DeploymentStyle(DeploymentType.IN_PLACE, DeploymentOption.WITHOUT_TRAFFIC_CONTROL)
ECS_STYLE = DeploymentStyle(DeploymentType.BLUE_GREEN, DeploymentOption.WITH_TRAFFIC_CONTROL)


@pytest.fixture
def groups(dynamodb: Any) -> DynamoDeploymentGroupStore:
    return DynamoDeploymentGroupStore(dynamodb, TABLE_NAME)


@pytest.fixture
def configs(dynamodb: Any) -> DynamoDeploymentConfigStore:
    return DynamoDeploymentConfigStore(dynamodb, TABLE_NAME)


def config(name: str = "TwoAtATime") -> DeploymentConfig:
    definition = DeploymentConfigDefinition(
        ComputePlatform.SERVER,
        minimum_healthy_hosts=MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 2),
        zonal_config=ZonalConfig(monitor_duration_seconds=60),
    )
    return DeploymentConfig("config-id", name, NOW, definition)


def group(name: str = "web", **settings: Any) -> DeploymentGroup:
    values: dict[str, Any] = {
        "deployment_config_name": "CodeDeployDefault.OneAtATime",
        "service_role_arn": "arn:aws:iam::123456789012:role/cd",
        "deployment_style": IN_PLACE,
        **settings,
    }
    return DeploymentGroup(
        deployment_group_id=f"id-{name}",
        application_id="app-1",
        name=name,
        compute_platform=ComputePlatform.SERVER,
        settings=DeploymentGroupSettings(**values),
        tags=(Tag("team", "a"),),
    )


def ecs_group(name: str, service: str = "web") -> DeploymentGroup:
    pair = TargetGroupPair(
        ("blue", "green"), ("arn:aws:elasticloadbalancing:x:1:listener/app/a/b/c",)
    )
    return replace(
        group(
            name,
            deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
            deployment_style=ECS_STYLE,
            ecs_services=(EcsService("prod", service),),
            load_balancer_info=LoadBalancerInfo(target_group_pairs=(pair,)),
        ),
        compute_platform=ComputePlatform.ECS,
    )


def test_an_added_group_is_found_as_it_was_with_every_setting(
    groups: DynamoDeploymentGroupStore,
) -> None:
    added = group(
        ec2_tag_set=((TagFilter("env", "prod", TagFilterType.KEY_AND_VALUE),),),
        alarm_configuration=AlarmConfiguration(True, False, ("5xx",)),
        auto_scaling_groups=("asg",),
    )
    groups.add(added, limit=1000)
    assert groups.find("app-1", "web") == added
    assert groups.find_by_id("id-web") == added
    assert groups.find_many("app-1", ["web", "ghost"]) == {"web": added}


def test_the_item_follows_the_documented_layout(
    groups: DynamoDeploymentGroupStore, dynamodb: Any
) -> None:
    groups.add(group(), limit=1000)
    item = dynamodb.get_item(TableName=TABLE_NAME, Key=group_key("app-1", "web"))["Item"]
    assert item["pk"] == {"S": "DEPLOYMENT_GROUPS#app-1"}
    assert item["sk"] == {"S": "DEPLOYMENT_GROUP#web"}
    assert item["gsi1pk"] == {"S": "DEPLOYMENT_GROUP#id-web"}
    count = dynamodb.get_item(
        TableName=TABLE_NAME, Key={"pk": {"S": "DEPLOYMENT_GROUPS#app-1"}, "sk": {"S": "COUNT"}}
    )["Item"]
    assert count["group_count"] == {"N": "1"}


def test_a_taken_name_is_refused_and_nothing_else_changes(
    groups: DynamoDeploymentGroupStore,
) -> None:
    groups.add(group(), limit=1000)
    with pytest.raises(DeploymentGroupAlreadyExistsException):
        groups.add(replace(group(), deployment_group_id="other"), limit=1000)
    assert groups.find("app-1", "web") == group()
    assert groups.names_after("app-1", None, 10) == ["web"]


def test_the_group_limit_is_counted_in_the_write(groups: DynamoDeploymentGroupStore) -> None:
    groups.add(group("a"), limit=2)
    groups.add(group("b"), limit=2)
    with pytest.raises(DeploymentGroupLimitExceededException):
        groups.add(group("c"), limit=2)


def test_a_closed_application_takes_no_new_group(groups: DynamoDeploymentGroupStore) -> None:
    groups.add(group("a"), limit=10)
    groups.close_application("app-1")
    with pytest.raises(ApplicationDoesNotExistException):
        groups.add(group("b"), limit=10)


def test_a_config_in_use_cannot_be_deleted_until_released(
    groups: DynamoDeploymentGroupStore, configs: DynamoDeploymentConfigStore
) -> None:
    # Given a custom configuration used by a group
    configs.add(config(), limit=200)
    used = group(deployment_config_name="TwoAtATime")
    groups.add(used, limit=10)
    # Then deleting it is refused while the group exists
    with pytest.raises(DeploymentConfigInUseException):
        configs.remove("TwoAtATime")
    # And allowed once the group is removed
    groups.remove(used)
    configs.remove("TwoAtATime")
    assert configs.find("TwoAtATime") is None


def test_a_group_cannot_use_a_config_that_is_gone(
    groups: DynamoDeploymentGroupStore,
) -> None:
    with pytest.raises(DeploymentConfigDoesNotExistException):
        groups.add(group(deployment_config_name="Gone"), limit=10)
    assert groups.find("app-1", "web") is None


def test_an_ecs_service_belongs_to_one_group(groups: DynamoDeploymentGroupStore) -> None:
    groups.add(ecs_group("first"), limit=10)
    with pytest.raises(ECSServiceMappingLimitExceededException):
        groups.add(ecs_group("second"), limit=10)
    groups.remove(ecs_group("first"))
    groups.add(ecs_group("second"), limit=10)


def test_a_rename_moves_the_item_and_keeps_the_service_mapping(
    groups: DynamoDeploymentGroupStore,
) -> None:
    groups.add(ecs_group("old"), limit=10)
    current = groups.find("app-1", "old")
    assert current is not None
    groups.replace(current, replace(current, name="new"))
    assert groups.find("app-1", "old") is None
    renamed = groups.find("app-1", "new")
    assert renamed is not None
    assert renamed.version == 1
    with pytest.raises(ECSServiceMappingLimitExceededException):
        groups.add(ecs_group("third"), limit=10)


def test_a_rename_onto_a_taken_name_is_refused(groups: DynamoDeploymentGroupStore) -> None:
    groups.add(group("a"), limit=10)
    groups.add(group("b"), limit=10)
    with pytest.raises(DeploymentGroupAlreadyExistsException):
        groups.replace(group("a"), replace(group("a"), name="b"))
    assert groups.find("app-1", "a") == group("a")


def test_a_write_on_a_stale_version_is_refused(groups: DynamoDeploymentGroupStore) -> None:
    groups.add(group(), limit=10)
    groups.replace(group(), replace(group(), tags=()))
    with pytest.raises(DeploymentGroupChanged):
        groups.replace(group(), replace(group(), tags=(Tag("x", "y"),)))
    with pytest.raises(DeploymentGroupChanged):
        groups.remove(group())


def test_changing_the_config_moves_its_use_count(
    groups: DynamoDeploymentGroupStore, configs: DynamoDeploymentConfigStore
) -> None:
    configs.add(config("a"), limit=200)
    configs.add(config("b"), limit=200)
    groups.add(group(deployment_config_name="a"), limit=10)
    current = groups.find("app-1", "web")
    assert current is not None
    groups.replace(
        current, replace(current, settings=replace(current.settings, deployment_config_name="b"))
    )
    configs.remove("a")
    with pytest.raises(DeploymentConfigInUseException):
        configs.remove("b")


def test_history_round_trips(groups: DynamoDeploymentGroupStore) -> None:
    groups.add(group(), limit=10)
    history = DeploymentGroupHistory(
        target_revision=S3Location("bucket", "app.zip", BundleType.ZIP, etag="abc"),
        last_successful_deployment=LastDeployment("d-1", DeploymentStatus.SUCCEEDED, NOW, NOW),
        last_attempted_deployment=LastDeployment("d-1", DeploymentStatus.SUCCEEDED, NOW, NOW),
    )
    groups.replace(group(), replace(group(), history=history))
    found = groups.find("app-1", "web")
    assert found is not None
    assert found.history == history


def test_names_after_pages_in_order_within_the_application(
    groups: DynamoDeploymentGroupStore,
) -> None:
    for name in ("c", "a", "b"):
        groups.add(group(name), limit=10)
    groups.add(replace(group("z"), application_id="app-2"), limit=10)
    assert groups.names_after("app-1", None, 2) == ["a", "b"]
    assert groups.names_after("app-1", "b", 5) == ["c"]


def test_the_config_store_counts_custom_configs_and_refuses_taken_names(
    configs: DynamoDeploymentConfigStore,
) -> None:
    configs.add(config("a"), limit=2)
    assert configs.find("a") == config("a")
    with pytest.raises(DeploymentConfigAlreadyExistsException):
        configs.add(config("a"), limit=2)
    configs.add(config("b"), limit=2)
    with pytest.raises(DeploymentConfigLimitExceededException):
        configs.add(config("c"), limit=2)
    configs.remove("a")
    configs.remove("a")  # a second delete finds nothing and succeeds
    configs.add(config("c"), limit=2)
    assert configs.names_after(None, 10) == ["b", "c"]


def test_application_tags_are_rewritten_on_the_version_read(store: Any, dynamodb: Any) -> None:
    store.add(Application("app-1", "shop", ComputePlatform.SERVER, NOW, (Tag("a", "1"),)))
    tags = DynamoApplicationTagStore(dynamodb, TABLE_NAME)
    read = tags.tags_of("shop")
    assert read is not None
    assert read.tags == (Tag("a", "1"),)
    tags.replace_tags("shop", read, (Tag("b", "2"),))
    with pytest.raises(ApplicationTagsChanged):
        tags.replace_tags("shop", read, (Tag("c", "3"),))
    assert store.find("shop").tags == (Tag("b", "2"),)
    assert tags.tags_of("ghost") is None


def test_a_groups_auto_scaling_hooks_are_stored_with_it(
    groups: DynamoDeploymentGroupStore,
) -> None:
    # Given a group with hooks installed in two Auto Scaling groups
    added = replace(
        group(auto_scaling_groups=("web-asg", "api-asg"), termination_hook_enabled=True),
        auto_scaling_hooks=(
            InstalledHooks("web-asg", "launch-1", "termination-1"),
            InstalledHooks("api-asg", "launch-2", "termination-2"),
        ),
    )
    # When it is stored and read back / Then its hooks are as they were
    groups.add(added, limit=1000)
    assert groups.find("app-1", "web") == added
