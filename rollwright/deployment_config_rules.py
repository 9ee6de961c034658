"""The rules for a custom deployment configuration, each with CodeDeploy's exception name.

Server configurations take ``minimumHealthyHosts`` (required) and optionally ``zonalConfig``;
Lambda and ECS configurations take ``trafficRoutingConfig`` (``AllAtOnce`` when omitted) and
nothing else. Values arrive as the request's members, already type-checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rollwright.applications import ComputePlatform
from rollwright.deployment_configs import (
    DeploymentConfigDefinition,
    MinimumHealthyHosts,
    MinimumHealthyHostsType,
    TrafficRoutingConfig,
    TrafficRoutingType,
    TrafficShift,
    ZonalConfig,
)
from rollwright.errors import (
    InvalidMinimumHealthyHostValueException,
    InvalidTrafficRoutingConfigurationException,
    InvalidZonalDeploymentConfigurationException,
)
from rollwright.model_constraints import optional_enum

FLEET_PERCENT_MAX = 99
TRAFFIC_PERCENTAGE_RANGE = range(1, 100)
# UG:limits: at most 2880 minutes between the first and the last traffic shift.
MAX_SHIFTING_MINUTES = 2880
_SETTABLE_TYPES = (MinimumHealthyHostsType.HOST_COUNT, MinimumHealthyHostsType.FLEET_PERCENT)


@dataclass(frozen=True)
class MinimumHealthyHostsInput:
    type: str | None
    value: int | None


@dataclass(frozen=True)
class TrafficShiftInput:
    percentage: int | None
    interval_minutes: int | None


@dataclass(frozen=True)
class TrafficRoutingInput:
    type: str | None
    time_based_canary: TrafficShiftInput | None
    time_based_linear: TrafficShiftInput | None


@dataclass(frozen=True)
class ZonalConfigInput:
    first_zone_monitor_duration_seconds: int | None
    monitor_duration_seconds: int | None
    minimum_healthy_hosts_per_zone: MinimumHealthyHostsInput | None


def check_definition_enums(
    minimum_healthy_hosts: MinimumHealthyHostsInput | None,
    traffic_routing: TrafficRoutingInput | None,
    zonal: ZonalConfigInput | None,
) -> None:
    """The model's constraints in a definition's members: each ``type`` given is one of its enum
    (the rest of ``valid_definition`` is CodeDeploy's rules)."""
    per_zone = None if zonal is None else zonal.minimum_healthy_hosts_per_zone
    for hosts, error in (
        (minimum_healthy_hosts, InvalidMinimumHealthyHostValueException),
        (per_zone, InvalidZonalDeploymentConfigurationException),
    ):
        if hosts is not None and hosts.type is not None and hosts.type not in _SETTABLE_TYPES:
            raise error(
                f"The minimum healthy hosts type {hosts.type!r} is not valid: use HOST_COUNT or "
                "FLEET_PERCENT."
            )
    if traffic_routing is not None:
        optional_enum(
            TrafficRoutingType,
            traffic_routing.type,
            InvalidTrafficRoutingConfigurationException,
            "traffic routing type",
        )


def valid_definition(
    platform: ComputePlatform,
    minimum_healthy_hosts: MinimumHealthyHostsInput | None,
    traffic_routing: TrafficRoutingInput | None,
    zonal: ZonalConfigInput | None,
) -> DeploymentConfigDefinition:
    if platform is ComputePlatform.SERVER:
        if traffic_routing is not None:
            raise InvalidTrafficRoutingConfigurationException(
                "A trafficRoutingConfig applies only to the Lambda and ECS compute platforms."
            )
        if minimum_healthy_hosts is None:
            raise InvalidMinimumHealthyHostValueException(
                "A Server deployment configuration needs minimumHealthyHosts."
            )
        return DeploymentConfigDefinition(
            compute_platform=platform,
            minimum_healthy_hosts=valid_minimum_healthy_hosts(
                minimum_healthy_hosts, InvalidMinimumHealthyHostValueException
            ),
            zonal_config=None if zonal is None else valid_zonal_config(zonal),
        )
    if minimum_healthy_hosts is not None:
        raise InvalidMinimumHealthyHostValueException(
            f"minimumHealthyHosts applies only to the Server compute platform, not {platform}."
        )
    if zonal is not None:
        raise InvalidZonalDeploymentConfigurationException(
            f"A zonalConfig applies only to the Server compute platform, not {platform}."
        )
    routing = (
        TrafficRoutingConfig(TrafficRoutingType.ALL_AT_ONCE)
        if traffic_routing is None
        else valid_traffic_routing(traffic_routing)
    )
    return DeploymentConfigDefinition(compute_platform=platform, traffic_routing_config=routing)


def valid_minimum_healthy_hosts(
    given: MinimumHealthyHostsInput,
    error: type[InvalidMinimumHealthyHostValueException]
    | type[InvalidZonalDeploymentConfigurationException],
) -> MinimumHealthyHosts:
    """HOST_COUNT is 0 or more, FLEET_PERCENT 0 to 99; MOST_CONCURRENCY cannot be set."""
    if given.type not in _SETTABLE_TYPES:
        raise error(
            f"The minimum healthy hosts type {given.type!r} is not valid: use HOST_COUNT or "
            "FLEET_PERCENT."
        )
    kind = MinimumHealthyHostsType(given.type)
    if given.value is None:
        raise error("The minimum healthy hosts value is required.")
    if given.value < 0:
        raise error(f"The minimum healthy hosts value {given.value} is negative.")
    if kind is MinimumHealthyHostsType.FLEET_PERCENT and given.value > FLEET_PERCENT_MAX:
        raise error(
            f"A FLEET_PERCENT minimum of {given.value} is not valid: use 0 to {FLEET_PERCENT_MAX}."
        )
    return MinimumHealthyHosts(kind, given.value)


def valid_traffic_routing(given: TrafficRoutingInput) -> TrafficRoutingConfig:
    try:
        kind = TrafficRoutingType(given.type or "")
    except ValueError:
        raise InvalidTrafficRoutingConfigurationException(
            f"The traffic routing type {given.type!r} is not valid: use TimeBasedCanary, "
            "TimeBasedLinear or AllAtOnce."
        ) from None
    expected = {
        TrafficRoutingType.TIME_BASED_CANARY: "timeBasedCanary",
        TrafficRoutingType.TIME_BASED_LINEAR: "timeBasedLinear",
        TrafficRoutingType.ALL_AT_ONCE: None,
    }[kind]
    given_members = {
        name
        for name, shift in (
            ("timeBasedCanary", given.time_based_canary),
            ("timeBasedLinear", given.time_based_linear),
        )
        if shift is not None
    }
    if given_members != ({expected} if expected else set()):
        needs = f"exactly {expected}" if expected else "neither timeBasedCanary nor timeBasedLinear"
        raise InvalidTrafficRoutingConfigurationException(f"Traffic routing {kind} takes {needs}.")
    if given.time_based_canary is not None:
        canary = _valid_shift(given.time_based_canary, "canary")
        if canary.interval_minutes > MAX_SHIFTING_MINUTES:
            raise _too_long(canary.interval_minutes)
        return TrafficRoutingConfig(kind, time_based_canary=canary)
    if given.time_based_linear is not None:
        linear = _valid_shift(given.time_based_linear, "linear")
        # Shifts happen at 0, i, 2i, …: the last of ceil(100 / p) increments starts at (n - 1)·i.
        shifting = (math.ceil(100 / linear.percentage) - 1) * linear.interval_minutes
        if shifting > MAX_SHIFTING_MINUTES:
            raise _too_long(shifting)
        return TrafficRoutingConfig(kind, time_based_linear=linear)
    return TrafficRoutingConfig(kind)


def _valid_shift(given: TrafficShiftInput, kind: str) -> TrafficShift:
    if given.percentage is None or given.percentage not in TRAFFIC_PERCENTAGE_RANGE:
        raise InvalidTrafficRoutingConfigurationException(
            f"The {kind} percentage {given.percentage} is not valid: use 1 to 99."
        )
    if given.interval_minutes is None or given.interval_minutes < 1:
        raise InvalidTrafficRoutingConfigurationException(
            f"The {kind} interval {given.interval_minutes} is not valid: use at least 1 minute."
        )
    return TrafficShift(given.percentage, given.interval_minutes)


def _too_long(minutes: int) -> InvalidTrafficRoutingConfigurationException:
    return InvalidTrafficRoutingConfigurationException(
        f"Traffic shifting would take {minutes} minutes; the limit is {MAX_SHIFTING_MINUTES}."
    )


def valid_zonal_config(given: ZonalConfigInput) -> ZonalConfig:
    for member, seconds in (
        ("firstZoneMonitorDurationInSeconds", given.first_zone_monitor_duration_seconds),
        ("monitorDurationInSeconds", given.monitor_duration_seconds),
    ):
        # The model bounds neither duration; only a negative wait is meaningless.
        if seconds is not None and seconds < 0:
            raise InvalidZonalDeploymentConfigurationException(
                f"{member} is {seconds}: a duration cannot be negative."
            )
    per_zone = given.minimum_healthy_hosts_per_zone
    return ZonalConfig(
        first_zone_monitor_duration_seconds=given.first_zone_monitor_duration_seconds,
        monitor_duration_seconds=given.monitor_duration_seconds,
        minimum_healthy_hosts_per_zone=None
        if per_zone is None
        else valid_minimum_healthy_hosts(per_zone, InvalidZonalDeploymentConfigurationException),
    )
