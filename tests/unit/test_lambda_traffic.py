"""Traffic steps of Lambda (and ECS) deployment configurations, and how a deployment ends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollwright.deployment_configs import TrafficRoutingConfig, TrafficRoutingType, TrafficShift
from rollwright.deployment_status import DeploymentStatus
from rollwright.lambda_traffic import (
    TrafficFailure,
    TrafficStep,
    ending,
    hook_timeout_seconds,
    scaled_seconds,
    traffic_steps,
)
from rollwright.predefined_deployment_configs import PREDEFINED_DEPLOYMENT_CONFIGS

CANARY, LINEAR = TrafficRoutingType.TIME_BASED_CANARY, TrafficRoutingType.TIME_BASED_LINEAR


def canary(percent: int, minutes: int) -> TrafficRoutingConfig:
    return TrafficRoutingConfig(CANARY, time_based_canary=TrafficShift(percent, minutes))


def linear(percent: int, minutes: int) -> TrafficRoutingConfig:
    return TrafficRoutingConfig(LINEAR, time_based_linear=TrafficShift(percent, minutes))


def test_all_at_once_is_one_step_to_everything():
    steps = traffic_steps(TrafficRoutingConfig(TrafficRoutingType.ALL_AT_ONCE))
    assert steps == (TrafficStep(Decimal(1), 0),)


def test_a_canary_is_its_percentage_then_everything_after_its_interval():
    assert traffic_steps(canary(10, 5)) == (
        TrafficStep(Decimal("0.1"), 300),
        TrafficStep(Decimal(1), 0),
    )


def test_a_linear_shift_adds_its_percentage_every_interval():
    steps = traffic_steps(linear(10, 1))
    assert [s.weight for s in steps] == [Decimal(n) / 10 for n in range(1, 11)]
    assert [s.wait_seconds for s in steps] == [60] * 9 + [0]


def test_a_linear_percentage_that_does_not_divide_100_ends_with_the_rest():
    assert [s.weight for s in traffic_steps(linear(30, 2))] == [
        Decimal("0.3"),
        Decimal("0.6"),
        Decimal("0.9"),
        Decimal(1),
    ]


def test_the_wait_scale_shortens_every_wait_to_whole_seconds_of_at_least_one():
    assert [s.wait_seconds for s in traffic_steps(canary(10, 5), wait_scale=0.02)] == [6, 0]
    assert scaled_seconds(60, 0.001) == 1
    assert hook_timeout_seconds(1) == 3600
    assert hook_timeout_seconds(0.01) == 36
    with pytest.raises(ValueError, match="positive"):
        scaled_seconds(60, 0)


def test_every_predefined_lambda_config_has_steps_ending_at_everything():
    lambda_configs = [c for c in PREDEFINED_DEPLOYMENT_CONFIGS.values() if "Lambda" in c.name]
    assert len(lambda_configs) == 9
    for config in lambda_configs:
        routing = config.definition.traffic_routing_config
        assert routing is not None
        assert traffic_steps(routing)[-1] == TrafficStep(Decimal(1), 0)


@given(
    kind=st.sampled_from([CANARY, LINEAR]),
    percent=st.integers(1, 99),
    minutes=st.integers(1, 2880),
    scale=st.floats(0.001, 1.0),
)
def test_weights_are_between_0_and_1_rise_strictly_and_end_at_everything(
    kind, percent, minutes, scale
):
    config = canary(percent, minutes) if kind is CANARY else linear(percent, minutes)
    steps = traffic_steps(config, wait_scale=scale)
    weights = [s.weight for s in steps]
    assert all(0 < w <= 1 for w in weights)
    assert weights == sorted(set(weights))
    assert weights[-1] == 1
    assert steps[-1].wait_seconds == 0
    assert all(s.wait_seconds >= 1 for s in steps[:-1])
    if kind is LINEAR:  # no step of a linear shift is larger than its percentage
        assert all(
            b - a <= Decimal(percent) / 100 for a, b in zip([0, *weights], weights, strict=False)
        )
    else:
        assert len(steps) == 2


def test_success_keeps_the_target_version():
    assert ending(None, event=None).restore_original is False
    assert ending(None, event=None).status is DeploymentStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (TrafficFailure.HOOK_FAILED, DeploymentStatus.FAILED, "HOOK_EXECUTION_FAILURE"),
        (TrafficFailure.HOOK_TIMED_OUT, DeploymentStatus.FAILED, "TIMEOUT"),
        (TrafficFailure.STOPPED, DeploymentStatus.STOPPED, "MANUAL_STOP"),
        (TrafficFailure.OTHER, DeploymentStatus.FAILED, "INTERNAL_ERROR"),
    ],
)
def test_every_failure_puts_traffic_back_with_codedeploys_status_and_code(failure, status, code):
    decided = ending(failure, event="AfterAllowTraffic")
    assert (decided.status, decided.error_code, decided.restore_original) == (status, code, True)


def test_workflow_errors_map_to_failures():
    assert TrafficFailure.of("") is None
    assert TrafficFailure.of("HookFailed") is TrafficFailure.HOOK_FAILED
    assert TrafficFailure.of("States.Timeout") is TrafficFailure.HOOK_TIMED_OUT
    assert TrafficFailure.of("Lambda.ServiceException") is TrafficFailure.OTHER
