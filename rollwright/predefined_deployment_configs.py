"""The predefined ``CodeDeployDefault.*`` deployment configurations, served from code.

Names and values are CodeDeploy's (reference §3). Their ids are name-based UUIDs, so every
Rollwright installation answers the same stable ``deploymentConfigId`` for a name; their
``createTime`` is the CodeDeploy API version date, since CodeDeploy's own values are not public.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from rollwright.applications import ComputePlatform
from rollwright.deployment_configs import (
    DeploymentConfig,
    DeploymentConfigDefinition,
    MinimumHealthyHosts,
    MinimumHealthyHostsType,
    TrafficRoutingConfig,
    TrafficRoutingType,
    TrafficShift,
)

_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/rollwright/deployment-configs")
_CREATE_TIME = datetime(2014, 10, 6, tzinfo=UTC)

ONE_AT_A_TIME = "CodeDeployDefault.OneAtATime"
LAMBDA_ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"
ECS_ALL_AT_ONCE = "CodeDeployDefault.ECSAllAtOnce"

# The configuration a deployment group gets when it names none, per compute platform.
DEFAULT_FOR_PLATFORM = {
    ComputePlatform.SERVER: ONE_AT_A_TIME,
    ComputePlatform.LAMBDA: LAMBDA_ALL_AT_ONCE,
    ComputePlatform.ECS: ECS_ALL_AT_ONCE,
}


def _config(name: str, definition: DeploymentConfigDefinition) -> DeploymentConfig:
    return DeploymentConfig(
        deployment_config_id=str(uuid.uuid5(_ID_NAMESPACE, name)),
        name=name,
        create_time=_CREATE_TIME,
        definition=definition,
    )


def _server(name: str, kind: MinimumHealthyHostsType, value: int) -> DeploymentConfig:
    definition = DeploymentConfigDefinition(
        compute_platform=ComputePlatform.SERVER,
        minimum_healthy_hosts=MinimumHealthyHosts(kind, value),
    )
    return _config(f"CodeDeployDefault.{name}", definition)


def _routed(
    platform: ComputePlatform,
    name: str,
    kind: TrafficRoutingType,
    shift: TrafficShift | None = None,
) -> DeploymentConfig:
    routing = TrafficRoutingConfig(
        type=kind,
        time_based_canary=shift if kind is TrafficRoutingType.TIME_BASED_CANARY else None,
        time_based_linear=shift if kind is TrafficRoutingType.TIME_BASED_LINEAR else None,
    )
    definition = DeploymentConfigDefinition(
        compute_platform=platform, traffic_routing_config=routing
    )
    return _config(f"CodeDeployDefault.{name}", definition)


def _platform_configs(platform: ComputePlatform, prefix: str) -> list[DeploymentConfig]:
    canary, linear = TrafficRoutingType.TIME_BASED_CANARY, TrafficRoutingType.TIME_BASED_LINEAR
    configs = [_routed(platform, f"{prefix}AllAtOnce", TrafficRoutingType.ALL_AT_ONCE)]
    if platform is ComputePlatform.LAMBDA:
        configs += [
            _routed(platform, f"LambdaCanary10Percent{m}Minutes", canary, TrafficShift(10, m))
            for m in (5, 10, 15, 30)
        ]
        configs += [
            _routed(platform, "LambdaLinear10PercentEvery1Minute", linear, TrafficShift(10, 1))
        ]
        configs += [
            _routed(platform, f"LambdaLinear10PercentEvery{m}Minutes", linear, TrafficShift(10, m))
            for m in (2, 3, 10)
        ]
    else:
        # "ECSLinear10PercentEvery1Minutes": CodeDeploy's own plural.
        configs += [
            _routed(platform, f"ECSLinear10PercentEvery{m}Minutes", linear, TrafficShift(10, m))
            for m in (1, 3)
        ]
        configs += [
            _routed(platform, f"ECSCanary10Percent{m}Minutes", canary, TrafficShift(10, m))
            for m in (5, 15)
        ]
    return configs


PREDEFINED_DEPLOYMENT_CONFIGS: dict[str, DeploymentConfig] = {
    config.name: config
    for config in [
        _server("OneAtATime", MinimumHealthyHostsType.MOST_CONCURRENCY, 1),
        _server("HalfAtATime", MinimumHealthyHostsType.FLEET_PERCENT, 50),
        _server("AllAtOnce", MinimumHealthyHostsType.FLEET_PERCENT, 0),
        *_platform_configs(ComputePlatform.LAMBDA, "Lambda"),
        *_platform_configs(ComputePlatform.ECS, "ECS"),
    ]
}
