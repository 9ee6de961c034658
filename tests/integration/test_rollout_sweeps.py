"""The sweep after a wait for the hosts timed out (moto): the rollout's time limit, and a
blue/green deployment swept before its first pass."""

from __future__ import annotations

import time

import boto3
import pytest

from functions.adapters.deployment_records import DeploymentRecords, deployment_key
from functions.adapters.host_queues import HostQueues
from functions.adapters.rollout_records import RolloutRecords
from rollwright.agent_protocol import Heartbeat
from rollwright.deployment_status import DeploymentStatus
from rollwright.server_rollout import ROLLOUT_TIMEOUT_SECONDS, ServerRollout
from tests.integration.state_table import state_table
from tests.integration.test_rollout_records import RecordingTokens, rollout_plan

__all__ = ["state_table"]


@pytest.fixture
def world(state_table):
    records = RolloutRecords(state_table)
    tokens = RecordingTokens()
    sqs = boto3.client("sqs", region_name="us-east-1")
    rollout = ServerRollout(records, HostQueues(sqs, queue_prefix="rollwright-host-"), tokens)
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
