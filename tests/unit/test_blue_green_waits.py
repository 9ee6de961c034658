"""The ready wait and the termination wait of EC2 blue/green deployments (reference §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollwright.blue_green import blue_green_options
from rollwright.blue_green_waits import (
    BlueGreenWait,
    DeploymentWaitType,
    ReadyWait,
    TerminationWait,
    continue_refusal,
    ready_wait,
    ready_wait_expired,
    termination_wait,
    wait_seconds,
)
from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    BlueInstanceTermination,
    DeploymentReadyAction,
    DeploymentReadyOption,
    InstanceAction,
)
from rollwright.deployment_status import DeploymentStatus


def options(
    *,
    ready: DeploymentReadyAction | None = None,
    ready_minutes: int | None = None,
    blue: InstanceAction | None = None,
    termination_minutes: int | None = None,
):
    return blue_green_options(
        BlueGreenConfiguration(
            terminate_blue_instances=BlueInstanceTermination(blue, termination_minutes),
            deployment_ready=DeploymentReadyOption(ready, ready_minutes),
        )
    )


def test_continue_deployment_reroutes_without_waiting():
    # Given CONTINUE_DEPLOYMENT (a wait time is ignored: it applies only to STOP_DEPLOYMENT)
    wait = ready_wait(options(ready=DeploymentReadyAction.CONTINUE_DEPLOYMENT, ready_minutes=30))
    assert wait == ReadyWait(None)
    assert not wait.waits


def test_stop_deployment_waits_its_minutes_scaled():
    given_options = options(ready=DeploymentReadyAction.STOP_DEPLOYMENT, ready_minutes=30)
    assert ready_wait(given_options) == ReadyWait(1800)
    # The devstack's scale turns half an hour into 18 seconds.
    assert ready_wait(given_options, wait_scale=0.01) == ReadyWait(18)


def test_stop_deployment_with_no_wait_time_has_an_immediate_deadline():
    wait = ready_wait(options(ready=DeploymentReadyAction.STOP_DEPLOYMENT))
    assert wait == ReadyWait(0)
    assert wait.waits


def test_a_ready_wait_that_runs_out_stops_the_deployment():
    ending = ready_wait_expired(30)
    assert ending.status is DeploymentStatus.STOPPED
    assert ending.error_code == "TIMEOUT"
    assert "30 minutes" in ending.message


def test_keep_alive_has_no_termination_wait():
    # Given KEEP_ALIVE with a wait time (it applies only to TERMINATE)
    wait = termination_wait(options(blue=InstanceAction.KEEP_ALIVE, termination_minutes=60))
    assert wait == TerminationWait(terminates=False, seconds=0)
    assert not wait.wait_started


def test_terminate_waits_its_minutes_scaled_then_terminates():
    given_options = options(blue=InstanceAction.TERMINATE, termination_minutes=60)
    assert termination_wait(given_options) == TerminationWait(terminates=True, seconds=3600)
    assert termination_wait(given_options, wait_scale=0.001).seconds == 4  # ceil(3.6)
    assert termination_wait(given_options).wait_started


@given(st.integers(1, 2880), st.floats(0.0001, 1.0))
def test_a_scaled_wait_of_some_minutes_is_at_least_a_second_and_never_longer(minutes, scale):
    seconds = wait_seconds(minutes, scale)
    assert 1 <= seconds <= minutes * 60


def test_a_negative_wait_is_a_programming_error():
    with pytest.raises(ValueError, match="zero minutes or more"):
        wait_seconds(-1, 1.0)


@pytest.mark.parametrize(
    ("wait_type", "waiting"),
    [
        (DeploymentWaitType.READY_WAIT, BlueGreenWait.READY),
        (DeploymentWaitType.TERMINATION_WAIT, BlueGreenWait.TERMINATION),
    ],
)
def test_continue_deployment_ends_the_wait_it_names(wait_type, waiting):
    assert continue_refusal(wait_type, waiting) is None


def test_continue_deployment_with_the_other_wait_type_names_the_right_one():
    refusal = continue_refusal(DeploymentWaitType.TERMINATION_WAIT, BlueGreenWait.READY)
    assert refusal is not None
    assert "READY_WAIT" in refusal


@pytest.mark.parametrize("wait_type", list(DeploymentWaitType))
def test_continue_deployment_without_a_wait_is_refused(wait_type):
    assert continue_refusal(wait_type, BlueGreenWait.NONE) == (
        "The deployment is not waiting: there is nothing to continue."
    )
