"""Traffic shifting of blue/green deployments (Lambda today, ECS next): pure decisions.

A deployment configuration's ``trafficRoutingConfig`` becomes a tuple of ``TrafficStep``: the
share of traffic the target (green) side gets at that step and how long to wait before the next
one. The workflow applies step after step with a Step Functions Wait state between them (no
polling), so a deployment costs a few state transitions per step whatever its length.

- AllAtOnce: one step, 100 %.
- TimeBasedCanary ``{canaryPercentage P, canaryInterval M}``: P %, wait M minutes, 100 %.
- TimeBasedLinear ``{linearPercentage P, linearInterval M}``: P %, 2P %, … each followed by a
  wait of M minutes, until the next increment would reach 100 %, then 100 %.

Every wait is multiplied by the deployment's ``wait_scale`` (a stack setting, 1 in AWS; tests run a
canary in seconds with a small one), and never drops below one second. The end of a deployment is
also decided here (``ending``): which status and CodeDeploy error code a failure gets, and whether
traffic must go back to the original version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from rollwright.deployment_configs import TrafficRoutingConfig, TrafficRoutingType
from rollwright.deployment_status import DeploymentStatus

SECONDS_PER_MINUTE = 60
# Reference §9: a hook's callback may take at most an hour.
HOOK_TIMEOUT_SECONDS = 3600
FULL = Decimal(1)


@dataclass(frozen=True)
class TrafficStep:
    """After this step the target version gets ``weight`` (0 < weight <= 1) of the traffic; the
    next step comes ``wait_seconds`` later (0 after the last step)."""

    weight: Decimal
    wait_seconds: int


def scaled_seconds(seconds: int, wait_scale: float) -> int:
    """A wait of the workflow, scaled: whole seconds, at least 1 (Step Functions' unit)."""
    if wait_scale <= 0:
        raise ValueError("the wait scale must be positive")
    return max(1, math.ceil(seconds * wait_scale))


def traffic_steps(
    config: TrafficRoutingConfig, *, wait_scale: float = 1.0
) -> tuple[TrafficStep, ...]:
    """The steps of a traffic routing configuration (validated by ``deployment_config_rules``)."""
    if config.type is TrafficRoutingType.ALL_AT_ONCE:
        return (TrafficStep(FULL, 0),)
    if config.type is TrafficRoutingType.TIME_BASED_CANARY:
        shift = config.time_based_canary
        if shift is None:
            raise ValueError("a canary configuration needs timeBasedCanary")
        wait = scaled_seconds(shift.interval_minutes * SECONDS_PER_MINUTE, wait_scale)
        return (TrafficStep(_percent(shift.percentage), wait), TrafficStep(FULL, 0))
    shift = config.time_based_linear
    if shift is None:
        raise ValueError("a linear configuration needs timeBasedLinear")
    wait = scaled_seconds(shift.interval_minutes * SECONDS_PER_MINUTE, wait_scale)
    increments = math.ceil(100 / shift.percentage) - 1  # the partial steps before 100 %
    steps = [TrafficStep(_percent(shift.percentage * n), wait) for n in range(1, increments + 1)]
    return (*steps, TrafficStep(FULL, 0))


def _percent(value: int) -> Decimal:
    if not 0 < value < 100:
        raise ValueError(f"a traffic increment is 1 to 99 percent, got {value}")
    return Decimal(value) / 100


def hook_timeout_seconds(wait_scale: float) -> int:
    return scaled_seconds(HOOK_TIMEOUT_SECONDS, wait_scale)


# --- how a deployment ends ----------------------------------------------------------------------


class TrafficFailure(StrEnum):
    """Why the workflow left its happy path (the ``Error`` of the failed state)."""

    HOOK_FAILED = "HookFailed"  # the hook answered Failed (or its function failed)
    HOOK_TIMED_OUT = "States.Timeout"  # no answer within the hook timeout
    STOPPED = "DeploymentStopped"  # StopDeployment
    ALARM = "AlarmActive"  # an alarm the deployment watches is in ALARM (or cannot be read)
    OTHER = "other"  # a step failed (the alias could not be updated, …)

    @classmethod
    def of(cls, error: str | None) -> TrafficFailure | None:
        if not error:
            return None
        try:
            return cls(error)
        except ValueError:
            return cls.OTHER


@dataclass(frozen=True)
class Ending:
    status: DeploymentStatus
    error_code: str | None
    message: str
    restore_original: bool  # put all traffic back on the original version


def ending(failure: TrafficFailure | None, *, event: str | None, detail: str = "") -> Ending:
    """How a deployment ends: success leaves the target version live; anything else puts all
    traffic back on the original version at once (CodeDeploy's Lambda/ECS rollback of traffic)."""
    suffix = f": {detail}" if detail else ""
    if failure is None:
        return Ending(DeploymentStatus.SUCCEEDED, None, "", restore_original=False)
    if failure is TrafficFailure.STOPPED:
        return Ending(
            DeploymentStatus.STOPPED,
            "MANUAL_STOP",
            "The deployment was stopped by StopDeployment; traffic is back on the original "
            "version.",
            restore_original=True,
        )
    if failure is TrafficFailure.ALARM:
        return Ending(
            DeploymentStatus.STOPPED,
            "ALARM_ACTIVE",
            f"The deployment was stopped because of an alarm: {detail or 'unknown'}; traffic is "
            "back on the original version.",
            restore_original=True,
        )
    where = f" in {event}" if event else ""
    if failure is TrafficFailure.HOOK_FAILED:
        return Ending(
            DeploymentStatus.FAILED,
            "HOOK_EXECUTION_FAILURE",
            f"The lifecycle hook{where} reported Failed{suffix}",
            restore_original=True,
        )
    if failure is TrafficFailure.HOOK_TIMED_OUT:
        return Ending(
            DeploymentStatus.FAILED,
            "TIMEOUT",
            f"The lifecycle hook{where} did not call PutLifecycleEventHookExecutionStatus in time",
            restore_original=True,
        )
    return Ending(
        DeploymentStatus.FAILED,
        "INTERNAL_ERROR",
        f"A deployment step failed{where}{suffix}",
        restore_original=True,
    )
