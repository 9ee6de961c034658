"""The Server rollout on moto: the plan written, commands queued, reports counted exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import boto3
import pytest

from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.rollout_records import DeploymentExistsError, RolloutRecords
from rollwright.agent_protocol import (
    BundleType,
    EventOutcome,
    EventReport,
    Heartbeat,
    S3Revision,
    read_host_command,
)
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_plan import (
    DeploymentPlan,
    DeploymentSettings,
    HostLimits,
    InstanceHistory,
    plan_deployment,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent
from rollwright.server_rollout import ReportAnswer
from rollwright.target_selection import DeploymentTarget, TargetKind
from tests.integration.server_rollouts import moto_server_rollout
from tests.integration.state_table import state_table

__all__ = ["state_table"]

ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)
ALL_AT_ONCE = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 0)
LIMITS = HostLimits(start_seconds=60, heartbeat_seconds=60, sweep_interval_seconds=5)
LAST = LifecycleEvent.VALIDATE_SERVICE
NOW = 1_000_000.0


class RecordingTokens:
    def __init__(self) -> None:
        self.answers: list[tuple[str, dict[str, Any]]] = []

    def succeed(self, token: str, output: Any) -> bool:
        self.answers.append((token, dict(output)))
        return True


def rollout_plan(
    host_ids: Iterable[str],
    rule: MinimumHealthyHosts = ONE_AT_A_TIME,
    deployment_id: str = "d-1",
    *,
    limits: HostLimits = LIMITS,
    history: Mapping[str, InstanceHistory] | None = None,
) -> DeploymentPlan:
    """A deployment of one S3 revision to on-premises ``host_ids``, created at ``NOW``."""
    return plan_deployment(
        DeploymentSettings(
            deployment_id=deployment_id,
            application_name="app",
            application_id="app-id",
            deployment_group_name="group",
            deployment_group_id="group-id",
            revision=S3Revision("bucket", "key.zip", BundleType.ZIP),
            deployment_config_name="custom",
            minimum_healthy_hosts=rule,
            limits=limits,
        ),
        [DeploymentTarget(h, h, TargetKind.ON_PREMISES) for h in host_ids],
        create_time=NOW,
        history=history,
    )


def _plan(hosts: int, rule: MinimumHealthyHosts = ONE_AT_A_TIME, deployment_id: str = "d-1"):
    return rollout_plan([f"h{i}" for i in range(hosts)], rule, deployment_id)


@pytest.fixture
def world(state_table):
    tokens = RecordingTokens()
    records, rollout = moto_server_rollout(state_table, tokens)
    return records, boto3.client("sqs", region_name="us-east-1"), tokens, rollout, state_table


def _start(world, hosts: int, rule: MinimumHealthyHosts = ONE_AT_A_TIME) -> None:
    records, _, _, rollout, table = world
    records.write_plan(_plan(hosts, rule))
    DeploymentRecords(table).transition(
        "d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    rollout.dispatch("d-1", "token-1", now=NOW)


def _commands(sqs, host_id: str) -> list[Any]:
    url = sqs.get_queue_url(QueueName=f"rollwright-host-{host_id}")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [read_host_command(json.loads(m["Body"])) for m in messages]


def _end(host_id: str, outcome: EventOutcome = EventOutcome.SUCCEEDED, event=LAST) -> EventReport:
    return EventReport(f"d-1.{host_id}.0", "d-1", host_id, event, outcome, at=NOW)


def _counts(records: RolloutRecords) -> tuple[int, ...]:
    item = records.deployment_item("d-1")
    assert item is not None
    return tuple(int(item[n]) for n in ("in_progress", "succeeded", "failed", "skipped"))


def test_a_plan_of_many_hosts_is_written_in_batches_then_the_deployment(world):
    records = world[0]
    records.write_plan(_plan(60))
    assert records.host_at("d-1", 59) == "h9"  # positions follow host-id order: h0, h1, h10, …
    assert records.deployment("d-1").counters.pending == 60


def test_a_plan_is_written_once(world):
    records = world[0]
    records.write_plan(_plan(2))
    with pytest.raises(DeploymentExistsError):
        records.write_plan(_plan(2))


def test_dispatch_creates_the_first_hosts_queue_and_sends_its_first_segment(world):
    _start(world, 3)
    (command,) = _commands(world[1], "h0")
    assert command.command_id == "d-1.h0.0"
    assert command.lifecycle_events[-1] is LAST
    assert world[0].deployment("d-1").task_token == "token-1"


def test_a_host_success_starts_the_next_host_and_the_last_one_answers_the_workflow(world):
    records, sqs, tokens, rollout, _ = world
    _start(world, 2)
    assert rollout.on_event_report("h0", _end("h0"), now=NOW) is ReportAnswer.ACCEPTED
    assert [c.command_id for c in _commands(sqs, "h1")] == ["d-1.h1.0"]
    rollout.on_event_report("h1", _end("h1"), now=NOW)
    assert tokens.answers == [("token-1", {"deploymentId": "d-1", "rolloutStatus": "Succeeded"})]
    assert rollout.finish("d-1", error={"Error": ""}, now=NOW) == {
        "deploymentId": "d-1",
        "status": "Succeeded",
    }
    assert _counts(records) == (0, 2, 0, 0)


def test_a_repeated_end_report_is_counted_once(world):
    records, _, _, rollout, _ = world
    _start(world, 3, ALL_AT_ONCE)
    rollout.on_event_report("h0", _end("h0"), now=NOW)
    rollout.on_event_report("h0", _end("h0"), now=NOW)
    assert _counts(records) == (2, 1, 0, 0)


def test_a_claimed_position_cannot_be_claimed_again(world):
    records, _, _, _, _ = world
    _start(world, 3, ALL_AT_ONCE)  # every position is taken
    assert records.claim("d-1", host_is_healthy=True, position=2).position is None
    assert records.claim("d-1", host_is_healthy=True, position=3).position is None
    assert _counts(records) == (3, 0, 0, 0)


def test_a_full_window_refuses_a_claim(world):
    records = world[0]
    _start(world, 3)  # OneAtATime: h0 holds the only slot
    assert records.claim("d-1", host_is_healthy=True, position=1).position is None
    assert records.deployment("d-1").claimed == 1


def test_interleaved_results_and_duplicates_never_lose_a_count(world):
    records, _, tokens, rollout, _ = world
    _start(world, 4, ALL_AT_ONCE)
    for host_id, outcome in [
        ("h2", EventOutcome.FAILED),
        ("h0", EventOutcome.SUCCEEDED),
        ("h2", EventOutcome.FAILED),
        ("h3", EventOutcome.SUCCEEDED),
        ("h0", EventOutcome.SUCCEEDED),
        ("h1", EventOutcome.SUCCEEDED),
        ("h3", EventOutcome.SUCCEEDED),
    ]:
        rollout.on_event_report(host_id, _end(host_id, outcome), now=NOW)
    assert _counts(records) == (0, 3, 1, 0)
    assert len(tokens.answers) == 1


def test_a_failure_under_one_at_a_time_ends_and_skips_the_rest(world):
    records, _, _, rollout, _ = world
    _start(world, 3)
    rollout.on_event_report("h0", _end("h0", EventOutcome.FAILED), now=NOW)
    assert _counts(records) == (0, 0, 1, 2)
    assert records.target_item("d-1", "h2")["status"] == "Skipped"
    answer = rollout.finish("d-1", error={"Error": ""}, now=NOW)
    assert answer["errorCode"] == "HEALTH_CONSTRAINTS"
    assert records.deployment_item("d-1")["error_information"]["code"] == "HEALTH_CONSTRAINTS"


def test_a_report_for_another_host_is_refused_and_changes_nothing(world):
    records, _, _, rollout, _ = world
    _start(world, 3)
    before = records.target_item("d-1", "h0")
    assert rollout.on_event_report("h1", _end("h0"), now=NOW) is ReportAnswer.FORBIDDEN
    assert records.target_item("d-1", "h0") == before


def test_progress_is_recorded_once_per_event_start_and_end(world):
    records, _, _, rollout, _ = world
    _start(world, 1)
    start = EventReport("d-1.h0.0", "d-1", "h0", LAST, EventOutcome.IN_PROGRESS, at=NOW + 1)
    rollout.on_event_report("h0", start, now=NOW + 1)
    rollout.on_event_report("h0", EventReport(**{**start.__dict__, "at": NOW + 5}), now=NOW + 5)
    event = records.target_item("d-1", "h0")["lifecycle_events"]["ValidateService"]
    assert (event["status"], int(event["start_time_ms"])) == ("InProgress", (NOW + 1) * 1000)


def test_a_heartbeat_keeps_a_started_host_alive_for_the_sweep(world):
    records, _, _, rollout, _ = world
    _start(world, 1)
    beat = Heartbeat("d-1.h0.0", "d-1", "h0")
    assert rollout.on_heartbeat("h0", beat, now=NOW + 50) is ReportAnswer.ACCEPTED
    assert not rollout.sweep("d-1", now=NOW + 100)["ended"]
    assert records.target_item("d-1", "h0")["status"] == "InProgress"


def test_the_sweep_fails_a_host_that_never_started_and_the_rollout_ends(world):
    records, _, tokens, rollout, _ = world
    _start(world, 1)
    answer = rollout.sweep("d-1", now=NOW + LIMITS.start_seconds + 1)
    assert answer == {"deploymentId": "d-1", "ended": True, "sweepIntervalSeconds": 5}
    assert records.target_item("d-1", "h0")["status"] == "Failed"
    assert _counts(records) == (0, 0, 1, 0)
    assert tokens.answers


def test_the_sweep_starts_a_host_whose_claimer_died_before_starting_it(world):
    # Given a OneAtATime rollout whose first host succeeded, and position 1 claimed by a
    # handler that died before it moved the host or sent its command
    records, sqs, _, rollout, _ = world
    _start(world, 3)
    host = records.host("d-1", "h0")
    records.record_result(host, succeeded=True, now=NOW)
    assert records.claim("d-1", host_is_healthy=True, position=1).position is not None
    # When the sweep runs
    rollout.sweep("d-1", now=NOW + 1)
    # Then the claimed host is started and gets its command
    assert records.target_item("d-1", "h1")["status"] == "InProgress"
    assert [c.command_id for c in _commands(sqs, "h1")] == ["d-1.h1.0"]


def test_a_sweep_before_dispatch_ends_a_deployment_without_targets_with_no_instances(world):
    # Given an in-progress deployment with no targets whose dispatch has not run yet
    records, _, tokens, rollout, table = world
    records.write_plan(_plan(0))
    DeploymentRecords(table).transition(
        "d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    # When the workflow's sweep gets there first, then dispatch runs
    assert rollout.sweep("d-1", now=NOW)["ended"]
    rollout.dispatch("d-1", "token-1", now=NOW)
    # Then it ended NO_INSTANCES (not by the health rules: no host was ever started), and the
    # workflow's wait is answered
    outcome = records.deployment("d-1").outcome
    assert outcome is not None
    assert outcome.error_code is not None
    assert outcome.error_code.value == "NO_INSTANCES"
    assert [(token, answer["rolloutStatus"]) for token, answer in tokens.answers] == [
        ("token-1", "Failed")
    ]
