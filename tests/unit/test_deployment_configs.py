"""The deployment configuration operations over in-memory stores."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rollwright.applications import ComputePlatform
from rollwright.deployment_configs import DeploymentConfigDefinition, DeploymentConfigs
from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from rollwright.operations.shapes import CodeDeployServices
from rollwright.predefined_deployment_configs import PREDEFINED_DEPLOYMENT_CONFIGS
from tests.fakes.deployment_config_store import InMemoryDeploymentConfigStore
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"


@pytest.fixture
def services() -> CodeDeployServices:
    return in_memory_services()


def call(services: CodeDeployServices, operation: str, **params: Any) -> dict[str, Any]:
    return dispatch(operation, params, services)


def refused(services: CodeDeployServices, operation: str, **params: Any) -> str:
    with pytest.raises(CodeDeployError) as error:
        call(services, operation, **params)
    return error.value.name


def test_every_predefined_configuration_of_the_three_platforms_is_listed(
    services: CodeDeployServices,
) -> None:
    listed = call(services, "ListDeploymentConfigs")["deploymentConfigsList"]
    assert len(listed) == 17
    assert {
        "CodeDeployDefault.OneAtATime",
        "CodeDeployDefault.HalfAtATime",
        "CodeDeployDefault.AllAtOnce",
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        "CodeDeployDefault.LambdaCanary10Percent30Minutes",
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
        "CodeDeployDefault.ECSCanary10Percent15Minutes",
    } <= set(listed)
    assert "nextToken" not in call(services, "ListDeploymentConfigs")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "CodeDeployDefault.OneAtATime",
            {
                "computePlatform": "Server",
                "minimumHealthyHosts": {"type": "MOST_CONCURRENCY", "value": 1},
            },
        ),
        (
            "CodeDeployDefault.HalfAtATime",
            {
                "computePlatform": "Server",
                "minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 50},
            },
        ),
        (
            "CodeDeployDefault.AllAtOnce",
            {
                "computePlatform": "Server",
                "minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 0},
            },
        ),
        (
            "CodeDeployDefault.LambdaAllAtOnce",
            {"computePlatform": "Lambda", "trafficRoutingConfig": {"type": "AllAtOnce"}},
        ),
        (
            "CodeDeployDefault.LambdaCanary10Percent15Minutes",
            {
                "computePlatform": "Lambda",
                "trafficRoutingConfig": {
                    "type": "TimeBasedCanary",
                    "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 15},
                },
            },
        ),
        (
            "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
            {
                "computePlatform": "ECS",
                "trafficRoutingConfig": {
                    "type": "TimeBasedLinear",
                    "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 3},
                },
            },
        ),
    ],
)
def test_a_predefined_configuration_is_returned_as_codedeploy_returns_it(
    services: CodeDeployServices, name: str, expected: dict[str, Any]
) -> None:
    info = call(services, "GetDeploymentConfig", deploymentConfigName=name)["deploymentConfigInfo"]
    assert {k: v for k, v in info.items() if k not in {"deploymentConfigId", "createTime"}} == {
        "deploymentConfigName": name,
        **expected,
    }
    assert info["deploymentConfigId"] == PREDEFINED_DEPLOYMENT_CONFIGS[name].deployment_config_id


def test_predefined_ids_are_stable_across_installations() -> None:
    first = in_memory_services().deployment_configs.get("CodeDeployDefault.HalfAtATime")
    second = in_memory_services().deployment_configs.get("CodeDeployDefault.HalfAtATime")
    assert first.deployment_config_id == second.deployment_config_id


def test_a_custom_configuration_is_created_read_and_listed(services: CodeDeployServices) -> None:
    created = call(
        services,
        "CreateDeploymentConfig",
        deploymentConfigName="TwoAtATime",
        minimumHealthyHosts={"type": "HOST_COUNT", "value": 2},
        zonalConfig={"monitorDurationInSeconds": 60},
    )
    info = call(services, "GetDeploymentConfig", deploymentConfigName="TwoAtATime")
    assert info["deploymentConfigInfo"]["deploymentConfigId"] == created["deploymentConfigId"]
    assert info["deploymentConfigInfo"]["zonalConfig"] == {"monitorDurationInSeconds": 60}
    assert "TwoAtATime" in call(services, "ListDeploymentConfigs")["deploymentConfigsList"]


def test_a_taken_name_is_refused(services: CodeDeployServices) -> None:
    params = {"deploymentConfigName": "c", "computePlatform": "Lambda"}
    call(services, "CreateDeploymentConfig", **params)
    assert refused(services, "CreateDeploymentConfig", **params) == (
        "DeploymentConfigAlreadyExistsException"
    )


def test_a_missing_configuration_cannot_be_read(services: CodeDeployServices) -> None:
    assert refused(services, "GetDeploymentConfig", deploymentConfigName="ghost") == (
        "DeploymentConfigDoesNotExistException"
    )


def test_a_predefined_configuration_cannot_be_deleted(services: CodeDeployServices) -> None:
    assert (
        refused(
            services, "DeleteDeploymentConfig", deploymentConfigName="CodeDeployDefault.AllAtOnce"
        )
        == "InvalidOperationException"
    )


def test_a_custom_configuration_is_deleted_and_a_missing_one_deletes_quietly(
    services: CodeDeployServices,
) -> None:
    call(services, "CreateDeploymentConfig", deploymentConfigName="c", computePlatform="ECS")
    call(services, "DeleteDeploymentConfig", deploymentConfigName="c")
    call(services, "DeleteDeploymentConfig", deploymentConfigName="c")
    assert refused(services, "GetDeploymentConfig", deploymentConfigName="c") == (
        "DeploymentConfigDoesNotExistException"
    )


def test_a_configuration_in_use_cannot_be_deleted_until_its_group_is(
    services: CodeDeployServices,
) -> None:
    # Given a custom configuration used by a deployment group
    call(services, "CreateApplication", applicationName="shop")
    call(
        services,
        "CreateDeploymentConfig",
        deploymentConfigName="TwoAtATime",
        minimumHealthyHosts={"type": "HOST_COUNT", "value": 2},
    )
    group = {"applicationName": "shop", "deploymentGroupName": "web"}
    call(
        services,
        "CreateDeploymentGroup",
        **group,
        serviceRoleArn=ROLE,
        deploymentConfigName="TwoAtATime",
    )
    # When it is deleted, Then it is refused
    assert refused(services, "DeleteDeploymentConfig", deploymentConfigName="TwoAtATime") == (
        "DeploymentConfigInUseException"
    )
    # And once the group is gone, it can be deleted
    call(services, "DeleteDeploymentGroup", **group)
    call(services, "DeleteDeploymentConfig", deploymentConfigName="TwoAtATime")


def test_listing_pages_merge_predefined_and_custom_names_in_order() -> None:
    # Given pages of five names and three custom configurations among the predefined ones
    ids = iter(range(100))
    configs = DeploymentConfigs(
        InMemoryDeploymentConfigStore(),
        PREDEFINED_DEPLOYMENT_CONFIGS,
        clock=lambda: datetime.now(UTC),
        new_id=lambda: f"id-{next(ids)}",
        page_size=5,
    )
    for name in ("Alpha", "Mine", "Zed"):
        configs.create(name=name, definition=DeploymentConfigDefinition(ComputePlatform.ECS))
    # When every page is followed
    listed, token = [], None
    while True:
        page = configs.page(token)
        listed.extend(page.names)
        token = page.next_token
        if token is None:
            break
    # Then every name comes once, in order
    assert listed == sorted([*PREDEFINED_DEPLOYMENT_CONFIGS, "Alpha", "Mine", "Zed"])


def test_a_bad_next_token_is_refused(services: CodeDeployServices) -> None:
    assert refused(services, "ListDeploymentConfigs", nextToken="garbage") == (
        "InvalidNextTokenException"
    )


def test_the_custom_configuration_limit_is_enforced() -> None:
    services = in_memory_services()
    for number in range(200):
        call(
            services,
            "CreateDeploymentConfig",
            deploymentConfigName=f"c{number}",
            computePlatform="ECS",
        )
    assert (
        refused(
            services,
            "CreateDeploymentConfig",
            deploymentConfigName="one-more",
            computePlatform="ECS",
        )
        == "DeploymentConfigLimitExceededException"
    )
