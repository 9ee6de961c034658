"""The deployment configuration operations: CreateDeploymentConfig, GetDeploymentConfig,
ListDeploymentConfigs, DeleteDeploymentConfig."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollwright.applications import ComputePlatform, valid_compute_platform
from rollwright.deployment_config_rules import (
    MinimumHealthyHostsInput,
    TrafficRoutingInput,
    TrafficShiftInput,
    ZonalConfigInput,
    check_definition_enums,
    valid_definition,
)
from rollwright.deployment_configs import (
    DeploymentConfig,
    DeploymentConfigDefinition,
    MinimumHealthyHosts,
    TrafficRoutingConfig,
    ZonalConfig,
    valid_custom_deployment_config_name,
    valid_deployment_config_name,
)
from rollwright.errors import DeploymentConfigNameRequiredException
from rollwright.model_constraints import check_required
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import optional_integer, optional_string, optional_structure

# The model's required member of the operations that take one, with its exception.
_CONFIG_NAME = {"deploymentConfigName": DeploymentConfigNameRequiredException}


def _minimum_healthy_hosts_input(params: Params, member: str) -> MinimumHealthyHostsInput | None:
    given = optional_structure(params, member)
    if given is None:
        return None
    return MinimumHealthyHostsInput(
        type=optional_string(given, "type"), value=optional_integer(given, "value")
    )


def _shift_input(
    params: Mapping[str, Any], member: str, percentage: str, interval: str
) -> TrafficShiftInput | None:
    given = optional_structure(params, member)
    if given is None:
        return None
    return TrafficShiftInput(optional_integer(given, percentage), optional_integer(given, interval))


def _traffic_routing_input(params: Params) -> TrafficRoutingInput | None:
    given = optional_structure(params, "trafficRoutingConfig")
    if given is None:
        return None
    return TrafficRoutingInput(
        type=optional_string(given, "type"),
        time_based_canary=_shift_input(
            given, "timeBasedCanary", "canaryPercentage", "canaryInterval"
        ),
        time_based_linear=_shift_input(
            given, "timeBasedLinear", "linearPercentage", "linearInterval"
        ),
    )


def _zonal_config_input(params: Params) -> ZonalConfigInput | None:
    given = optional_structure(params, "zonalConfig")
    if given is None:
        return None
    return ZonalConfigInput(
        first_zone_monitor_duration_seconds=optional_integer(
            given, "firstZoneMonitorDurationInSeconds"
        ),
        monitor_duration_seconds=optional_integer(given, "monitorDurationInSeconds"),
        minimum_healthy_hosts_per_zone=_minimum_healthy_hosts_input(
            given, "minimumHealthyHostsPerZone"
        ),
    )


def minimum_healthy_hosts_shape(value: MinimumHealthyHosts) -> Result:
    return {"type": value.type.value, "value": value.value}


def traffic_routing_shape(routing: TrafficRoutingConfig) -> Result:
    shape: Result = {"type": routing.type.value}
    if routing.time_based_canary is not None:
        shape["timeBasedCanary"] = {
            "canaryPercentage": routing.time_based_canary.percentage,
            "canaryInterval": routing.time_based_canary.interval_minutes,
        }
    if routing.time_based_linear is not None:
        shape["timeBasedLinear"] = {
            "linearPercentage": routing.time_based_linear.percentage,
            "linearInterval": routing.time_based_linear.interval_minutes,
        }
    return shape


def zonal_config_shape(zonal: ZonalConfig) -> Result:
    shape: Result = {}
    if zonal.first_zone_monitor_duration_seconds is not None:
        shape["firstZoneMonitorDurationInSeconds"] = zonal.first_zone_monitor_duration_seconds
    if zonal.monitor_duration_seconds is not None:
        shape["monitorDurationInSeconds"] = zonal.monitor_duration_seconds
    if zonal.minimum_healthy_hosts_per_zone is not None:
        shape["minimumHealthyHostsPerZone"] = minimum_healthy_hosts_shape(
            zonal.minimum_healthy_hosts_per_zone
        )
    return shape


def definition_members(definition: DeploymentConfigDefinition) -> Result:
    """A definition as CreateDeploymentConfig members; the state table keeps it so too."""
    members: Result = {"computePlatform": definition.compute_platform.value}
    if definition.minimum_healthy_hosts is not None:
        members["minimumHealthyHosts"] = minimum_healthy_hosts_shape(
            definition.minimum_healthy_hosts
        )
    if definition.traffic_routing_config is not None:
        members["trafficRoutingConfig"] = traffic_routing_shape(definition.traffic_routing_config)
    if definition.zonal_config is not None:
        members["zonalConfig"] = zonal_config_shape(definition.zonal_config)
    return members


@dataclass(frozen=True)
class DefinitionInput:
    """A definition's members as the request carried them, checked against the model only."""

    platform: ComputePlatform
    minimum_healthy_hosts: MinimumHealthyHostsInput | None
    traffic_routing: TrafficRoutingInput | None
    zonal: ZonalConfigInput | None


def _definition_input(members: Params) -> DefinitionInput:
    given = DefinitionInput(
        platform=valid_compute_platform(optional_string(members, "computePlatform")),
        minimum_healthy_hosts=_minimum_healthy_hosts_input(members, "minimumHealthyHosts"),
        traffic_routing=_traffic_routing_input(members),
        zonal=_zonal_config_input(members),
    )
    check_definition_enums(given.minimum_healthy_hosts, given.traffic_routing, given.zonal)
    return given


def _valid_definition(given: DefinitionInput) -> DeploymentConfigDefinition:
    return valid_definition(
        given.platform, given.minimum_healthy_hosts, given.traffic_routing, given.zonal
    )


def read_definition(members: Params) -> DeploymentConfigDefinition:
    """A custom definition from CreateDeploymentConfig members, checked against the model, then
    by CodeDeploy's rules."""
    return _valid_definition(_definition_input(members))


def deployment_config_info(config: DeploymentConfig) -> Result:
    """A ``DeploymentConfigInfo`` shape: only the members the configuration's platform uses."""
    return {
        "deploymentConfigId": config.deployment_config_id,
        "deploymentConfigName": config.name,
        "createTime": config.create_time,
        **definition_members(config.definition),
    }


def create_deployment_config(services: CodeDeployServices, params: Params) -> Result:
    # The model first (the name's required, length and pattern; the definition's enums), then
    # CodeDeploy's rules (the reserved prefix, the definition's values).
    check_required(params, _CONFIG_NAME)
    name = valid_deployment_config_name(optional_string(params, "deploymentConfigName"))
    given = _definition_input(params)
    name = valid_custom_deployment_config_name(name)
    created = services.deployment_configs.create(name=name, definition=_valid_definition(given))
    return {"deploymentConfigId": created.deployment_config_id}


def get_deployment_config(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _CONFIG_NAME)
    name = valid_deployment_config_name(optional_string(params, "deploymentConfigName"))
    return {"deploymentConfigInfo": deployment_config_info(services.deployment_configs.get(name))}


def list_deployment_configs(services: CodeDeployServices, params: Params) -> Result:
    page = services.deployment_configs.page(optional_string(params, "nextToken"))
    result: Result = {"deploymentConfigsList": list(page.names)}
    if page.next_token is not None:
        result["nextToken"] = page.next_token
    return result


def delete_deployment_config(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, _CONFIG_NAME)
    name = valid_deployment_config_name(optional_string(params, "deploymentConfigName"))
    services.deployment_configs.delete(name)
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateDeploymentConfig": create_deployment_config,
    "GetDeploymentConfig": get_deployment_config,
    "ListDeploymentConfigs": list_deployment_configs,
    "DeleteDeploymentConfig": delete_deployment_config,
}
