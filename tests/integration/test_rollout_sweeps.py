"""The sweep after a wait for the hosts timed out (moto): the rollout's time limit, and a
blue/green deployment swept before its first pass; and the step of a wait the workflow already
left (a timeout does not cancel its Lambda invocation), run late."""

from __future__ import annotations

import time

import pytest

from functions.adapters.deployment_records import DeploymentRecords, deployment_key
from rollwright.agent_protocol import Heartbeat
from rollwright.blue_green_waits import BlueGreenWait
from rollwright.deployment_status import DeploymentStatus
from rollwright.workflow_answers import ROLLOUT_TIMEOUT_SECONDS
from tests.integration.server_rollouts import moto_server_rollout
from tests.integration.state_table import state_table
from tests.integration.test_rollout_records import RecordingTokens, rollout_plan

__all__ = ["state_table"]


@pytest.fixture
def world(state_table):
    tokens = RecordingTokens()
    records, rollout = moto_server_rollout(state_table, tokens)
    records.write_plan(rollout_plan(["h0", "h1"]))
    DeploymentRecords(state_table).transition(
        "d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    return records, tokens, rollout, state_table


def test_a_sweep_ends_an_in_place_rollout_past_eight_hours_with_timeout(world):
    # Given an in-place rollout whose wait began (its start time is the wait's) and whose first
    # host is still in progress
    records, tokens, rollout, _ = world
    rollout.dispatch("d-1", "token-1", now=time.time())
    started = records.deployment("d-1").start_time
    assert started is not None
    # When a sweep runs more than eight hours after that
    answer = rollout.sweep("d-1", now=started + ROLLOUT_TIMEOUT_SECONDS + 1)
    # Then the rollout ended Failed with TIMEOUT, the host never started Skipped, and the wait
    # is answered
    assert answer["ended"] is True
    outcome = records.deployment("d-1").outcome
    assert outcome is not None
    assert (outcome.status, str(outcome.error_code)) == (DeploymentStatus.FAILED, "TIMEOUT")
    assert records.target_item("d-1", "h1")["status"] == "Skipped"
    assert {(token, answer["rolloutStatus"]) for token, answer in tokens.answers} == {
        ("token-1", "Failed")
    }


def test_a_sweep_just_within_eight_hours_leaves_a_live_rollout_going(world):
    # Given an in-place rollout whose first host still sends heartbeats near the limit
    records, tokens, rollout, _ = world
    rollout.dispatch("d-1", "token-1", now=time.time())
    started = records.deployment("d-1").start_time
    assert started is not None
    at = started + ROLLOUT_TIMEOUT_SECONDS - 1
    rollout.on_heartbeat("h0", Heartbeat("d-1.h0.0", "d-1", "h0"), now=at)
    # When a sweep runs then
    answer = rollout.sweep("d-1", now=at)
    # Then the rollout goes on
    assert (answer["ended"], records.deployment("d-1").outcome, tokens.answers) == (
        False,
        None,
        [],
    )


def test_a_blue_green_deployment_swept_before_its_first_pass_is_left_alone(world):
    # Given a begun blue/green deployment whose first pass has not begun (its first wait timed
    # out before the wait's step sent it on to the blue/green steps)
    records, tokens, rollout, table = world
    table.update_item(
        Key=deployment_key("d-1"),
        UpdateExpression="SET blue_green = :state",
        ExpressionAttributeValues={":state": {"step_index": -1}},
    )
    # When the sweep runs
    answer = rollout.sweep("d-1", now=time.time())
    # Then the rollout has not ended and no host was claimed or started
    assert answer["ended"] is False
    deployment = records.deployment("d-1")
    assert (deployment.claimed, deployment.outcome, tokens.answers) == (0, None, [])
    assert records.target_item("d-1", "h0")["status"] == "Pending"


def test_a_late_step_of_an_earlier_wait_neither_replaces_the_token_nor_starts_hosts(world):
    # Given a rollout whose second wait (entered after a sweep) keeps its token
    records, _, rollout, _ = world
    rollout.dispatch("d-1", "token-2", now=time.time(), wait_entered_ms=2_000)
    claimed = records.deployment("d-1").claimed
    # When the step of the first wait, entered earlier and timed out since, runs only now
    rollout.dispatch("d-1", "token-1", now=time.time(), wait_entered_ms=1_000)
    # Then the live wait keeps its token and no further host was claimed
    deployment = records.deployment("d-1")
    assert (deployment.task_token, deployment.claimed) == ("token-2", claimed)


def test_a_retried_step_of_the_same_wait_keeps_its_new_token(world):
    # Given a wait whose step stored its token and then failed (Step Functions retries it)
    records, _, rollout, _ = world
    rollout.dispatch("d-1", "token-1", now=time.time(), wait_entered_ms=1_000)
    # When the retry runs (the same state: the same entered time, a new token)
    rollout.dispatch("d-1", "token-1b", now=time.time(), wait_entered_ms=1_000)
    # Then the retry's token is the one kept
    assert records.deployment("d-1").task_token == "token-1b"


def test_a_late_step_in_a_blue_green_wait_leaves_the_wait_token_alone(world):
    # Given a blue/green deployment in its termination wait, whose token is kept
    records, _, rollout, table = world
    table.update_item(
        Key=deployment_key("d-1"),
        UpdateExpression="SET blue_green = :state, task_token = :token",
        ExpressionAttributeValues={
            ":state": {"step_index": 4, "wait": BlueGreenWait.TERMINATION.value},
            ":token": "termination-wait",
        },
    )
    # When the step of a host wait left long ago runs only now
    rollout.dispatch("d-1", "late", now=time.time(), wait_entered_ms=1_000)
    # Then the termination wait keeps its token and no host was claimed
    deployment = records.deployment("d-1")
    assert (deployment.task_token, deployment.claimed) == ("termination-wait", 0)
