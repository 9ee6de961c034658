"""The rules for custom deployment configurations, each with CodeDeploy's exception name."""

from __future__ import annotations

from typing import Any

import pytest

from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from tests.fakes.services import in_memory_services


def create(**members: Any) -> dict[str, Any]:
    services = in_memory_services()
    return dispatch(
        "CreateDeploymentConfig", {"deploymentConfigName": "custom", **members}, services
    )


def canary(percentage: Any, interval: Any) -> dict[str, Any]:
    return {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": percentage, "canaryInterval": interval},
    }


def linear(percentage: Any, interval: Any) -> dict[str, Any]:
    return {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"linearPercentage": percentage, "linearInterval": interval},
    }


HOSTS = {"type": "HOST_COUNT", "value": 2}


@pytest.mark.parametrize(
    "members",
    [
        {"minimumHealthyHosts": {"type": "HOST_COUNT", "value": 0}},
        {"minimumHealthyHosts": {"type": "HOST_COUNT", "value": 5000}},
        {"minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 0}},
        {"minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 99}},
        {"minimumHealthyHosts": HOSTS, "zonalConfig": {"monitorDurationInSeconds": 600}},
        {
            "minimumHealthyHosts": HOSTS,
            "zonalConfig": {
                "firstZoneMonitorDurationInSeconds": 900,
                "minimumHealthyHostsPerZone": {"type": "FLEET_PERCENT", "value": 50},
            },
        },
        {"computePlatform": "Lambda"},
        {"computePlatform": "Lambda", "trafficRoutingConfig": {"type": "AllAtOnce"}},
        {"computePlatform": "Lambda", "trafficRoutingConfig": canary(1, 2880)},
        {"computePlatform": "ECS", "trafficRoutingConfig": canary(99, 1)},
        # 10% steps: the last of ten shifts starts 9 intervals after the first.
        {"computePlatform": "ECS", "trafficRoutingConfig": linear(10, 320)},
    ],
)
def test_a_valid_custom_configuration_is_created(members: dict[str, Any]) -> None:
    assert create(**members)["deploymentConfigId"]


@pytest.mark.parametrize(
    ("members", "error"),
    [
        ({"deploymentConfigName": None}, "DeploymentConfigNameRequiredException"),
        ({"deploymentConfigName": ""}, "DeploymentConfigNameRequiredException"),
        ({"deploymentConfigName": "x" * 101}, "InvalidDeploymentConfigNameException"),
        ({"deploymentConfigName": "has space"}, "InvalidDeploymentConfigNameException"),
        (
            {"deploymentConfigName": "CodeDeployDefault.Mine"},
            "InvalidDeploymentConfigNameException",
        ),
        ({"computePlatform": "Mainframe"}, "InvalidComputePlatformException"),
        ({}, "InvalidMinimumHealthyHostValueException"),
        (
            {"minimumHealthyHosts": {"type": "MOST_CONCURRENCY", "value": 1}},
            "InvalidMinimumHealthyHostValueException",
        ),
        (
            {"minimumHealthyHosts": {"type": "HOST_COUNT"}},
            "InvalidMinimumHealthyHostValueException",
        ),
        ({"minimumHealthyHosts": {"value": 1}}, "InvalidMinimumHealthyHostValueException"),
        (
            {"minimumHealthyHosts": {"type": "HOST_COUNT", "value": -1}},
            "InvalidMinimumHealthyHostValueException",
        ),
        (
            {"minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 100}},
            "InvalidMinimumHealthyHostValueException",
        ),
        (
            {"minimumHealthyHosts": HOSTS, "trafficRoutingConfig": {"type": "AllAtOnce"}},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"computePlatform": "Lambda", "minimumHealthyHosts": HOSTS},
            "InvalidMinimumHealthyHostValueException",
        ),
        (
            {"computePlatform": "ECS", "zonalConfig": {}},
            "InvalidZonalDeploymentConfigurationException",
        ),
        (
            {"computePlatform": "Lambda", "trafficRoutingConfig": {"type": "Sometimes"}},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"computePlatform": "Lambda", "trafficRoutingConfig": {"type": "TimeBasedCanary"}},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {
                "computePlatform": "Lambda",
                "trafficRoutingConfig": {**canary(10, 5), "type": "TimeBasedLinear"},
            },
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {
                "computePlatform": "Lambda",
                "trafficRoutingConfig": {**canary(10, 5), "type": "AllAtOnce"},
            },
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"computePlatform": "Lambda", "trafficRoutingConfig": canary(0, 5)},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"computePlatform": "Lambda", "trafficRoutingConfig": canary(100, 5)},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"computePlatform": "Lambda", "trafficRoutingConfig": canary(10, 0)},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"computePlatform": "Lambda", "trafficRoutingConfig": canary(10, 2881)},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"computePlatform": "ECS", "trafficRoutingConfig": linear(10, 321)},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"computePlatform": "ECS", "trafficRoutingConfig": linear(None, 1)},
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            {"minimumHealthyHosts": HOSTS, "zonalConfig": {"monitorDurationInSeconds": -1}},
            "InvalidZonalDeploymentConfigurationException",
        ),
        (
            {
                "minimumHealthyHosts": HOSTS,
                "zonalConfig": {
                    "minimumHealthyHostsPerZone": {"type": "FLEET_PERCENT", "value": 100}
                },
            },
            "InvalidZonalDeploymentConfigurationException",
        ),
        (
            {
                "minimumHealthyHosts": HOSTS,
                "zonalConfig": {
                    "minimumHealthyHostsPerZone": {"type": "MOST_CONCURRENCY", "value": 1}
                },
            },
            "InvalidZonalDeploymentConfigurationException",
        ),
        ({"minimumHealthyHosts": {"type": "HOST_COUNT", "value": "2"}}, "SerializationException"),
        ({"minimumHealthyHosts": {"type": "HOST_COUNT", "value": True}}, "SerializationException"),
    ],
)
def test_an_invalid_configuration_is_refused_with_codedeploys_exception(
    members: dict[str, Any], error: str
) -> None:
    with pytest.raises(CodeDeployError) as refused:
        create(**members)
    assert refused.value.name == error
