"""StopDeployment on moto: the stop recorded once, claims refused after it, the rollout Stopped."""

from __future__ import annotations

import pytest

from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.deployment_stops import DynamoDeploymentStops
from functions.adapters.rollout_records import RolloutRecords
from rollwright.agent_protocol import BundleType, EventOutcome, EventReport, S3Revision
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_plan import DeploymentSettings, HostLimits, plan_deployment
from rollwright.deployment_status import DeploymentStatus
from rollwright.deployment_stops import DeploymentStops, StopStatus
from rollwright.errors import DeploymentAlreadyCompletedException, DeploymentDoesNotExistException
from rollwright.lifecycle import LifecycleEvent
from rollwright.target_selection import DeploymentTarget, TargetKind
from tests.fakes.task_tokens import RecordingTokens
from tests.integration.server_rollouts import moto_server_rollout
from tests.integration.state_table import state_table

__all__ = ["state_table"]

DEPLOYMENT_ID = "d-STOP00001"
NOW = 1_000_000.0
ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)


@pytest.fixture
def world(state_table):
    tokens = RecordingTokens()
    records, rollout = moto_server_rollout(state_table, tokens)
    stops = DeploymentStops(DynamoDeploymentStops(state_table), rollout, clock=lambda: NOW)
    plan = plan_deployment(
        DeploymentSettings(
            deployment_id=DEPLOYMENT_ID,
            application_name="app",
            application_id="app-id",
            deployment_group_name="group",
            deployment_group_id="group-id",
            revision=S3Revision("bucket", "key.zip", BundleType.ZIP),
            deployment_config_name="CodeDeployDefault.OneAtATime",
            minimum_healthy_hosts=ONE_AT_A_TIME,
            limits=HostLimits(start_seconds=60, heartbeat_seconds=60, sweep_interval_seconds=5),
        ),
        [DeploymentTarget(f"h{i}", f"h{i}", TargetKind.ON_PREMISES) for i in range(3)],
        create_time=NOW,
    )
    records.write_plan(plan)
    return records, rollout, stops, tokens, state_table


def _begin(world) -> None:
    _records, rollout, _, _, table = world
    DeploymentRecords(table).transition(
        DEPLOYMENT_ID, DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    rollout.dispatch(DEPLOYMENT_ID, "token-1", now=NOW)


def _succeeded(host_id: str) -> EventReport:
    return EventReport(
        f"{DEPLOYMENT_ID}.{host_id}.0",
        DEPLOYMENT_ID,
        host_id,
        LifecycleEvent.VALIDATE_SERVICE,
        EventOutcome.SUCCEEDED,
        at=NOW,
    )


def _statuses(records: RolloutRecords) -> list[str]:
    return [records.target_item(DEPLOYMENT_ID, f"h{i}")["status"] for i in range(3)]


def test_a_stop_while_a_host_runs_is_pending_and_the_rollout_stops_when_it_ends(world):
    # Given a OneAtATime deployment whose first host is running
    records, rollout, stops, tokens, _ = world
    _begin(world)
    # When it is stopped
    answer = stops.stop(DEPLOYMENT_ID, auto_rollback_enabled=True)
    # Then the stop is pending, recorded with its rollback choice
    assert answer.status is StopStatus.PENDING
    stop = records.deployment_item(DEPLOYMENT_ID)["stop_requested"]
    assert stop["auto_rollback_enabled"] is True
    # When the running host finishes
    rollout.on_event_report("h0", _succeeded("h0"), now=NOW + 1)
    # Then no other host was started: they are Skipped and the rollout ended Stopped
    assert _statuses(records) == ["Succeeded", "Skipped", "Skipped"]
    assert tokens.answers == [{"deploymentId": DEPLOYMENT_ID, "rolloutStatus": "Stopped"}]
    final = rollout.finish(DEPLOYMENT_ID, error={"Error": ""}, now=NOW + 2)
    assert (final["status"], final["errorCode"]) == ("Stopped", "MANUAL_STOP")
    assert records.deployment_item(DEPLOYMENT_ID)["error_information"]["code"] == "MANUAL_STOP"


def test_a_stop_with_nothing_running_succeeds_and_ends_the_rollout_at_once(world):
    # Given a OneAtATime deployment between hosts (none in progress): not begun yet
    records, _rollout, stops, tokens, _table = world
    # When it is stopped before its workflow dispatched anything
    answer = stops.stop(DEPLOYMENT_ID, auto_rollback_enabled=False)
    # Then the stop succeeded at once
    assert answer.status is StopStatus.SUCCEEDED
    # And when the workflow begins, nothing is claimed and the rollout ends Stopped
    _begin(world)
    assert _statuses(records) == ["Skipped", "Skipped", "Skipped"]
    assert tokens.answers[-1]["rolloutStatus"] == "Stopped"


def test_the_claim_condition_refuses_every_claim_after_a_stop(world):
    records, _, stops, _, _ = world
    _begin(world)
    records.record_result(records.host(DEPLOYMENT_ID, "h0"), succeeded=True, now=NOW)
    stops.stop(DEPLOYMENT_ID, auto_rollback_enabled=False)
    assert records.claim(DEPLOYMENT_ID, host_is_healthy=True, position=1).position is None


def test_a_finished_deployment_cannot_be_stopped(world):
    # Given a deployment whose rollout ended
    _, rollout, stops, _, _ = world
    _begin(world)
    for host in ("h0", "h1", "h2"):
        rollout.on_event_report(host, _succeeded(host), now=NOW)
    # When it is stopped, CodeDeploy's exception says it completed
    with pytest.raises(DeploymentAlreadyCompletedException):
        stops.stop(DEPLOYMENT_ID, auto_rollback_enabled=False)


def test_an_unknown_deployment_cannot_be_stopped(world):
    with pytest.raises(DeploymentDoesNotExistException):
        world[2].stop("d-NOSUCH000", auto_rollback_enabled=False)


def test_an_alarm_stops_the_deployment_with_alarm_active_once_its_host_ends(world):
    # Given a OneAtATime deployment whose first host is running
    records, rollout, stops, _tokens, _ = world
    _begin(world)
    # When an alarm it watches stops it
    assert stops.stop_on_alarm(DEPLOYMENT_ID, "errors-high")
    assert records.deployment_item(DEPLOYMENT_ID)["stop_requested"]["alarm"] == "errors-high"
    # Then the running host finishes, the rest are skipped, and it ends Stopped: ALARM_ACTIVE
    rollout.on_event_report("h0", _succeeded("h0"), now=NOW + 1)
    assert _statuses(records) == ["Succeeded", "Skipped", "Skipped"]
    final = rollout.finish(DEPLOYMENT_ID, error={"Error": ""}, now=NOW + 2)
    assert (final["status"], final["errorCode"]) == ("Stopped", "ALARM_ACTIVE")
    assert "errors-high" in final["message"]
    # And an alarm cannot stop it again
    assert not stops.stop_on_alarm(DEPLOYMENT_ID, "errors-high")


def test_an_alarm_already_firing_ends_the_rollout_before_any_host_and_dispatch_answers(world):
    # Given a deployment that began, stopped by an alarm before its first window
    records, rollout, stops, tokens, table = world
    DeploymentRecords(table).transition(
        DEPLOYMENT_ID, DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    assert stops.stop_on_alarm(DEPLOYMENT_ID, "errors-high")
    # When the workflow dispatches
    rollout.dispatch(DEPLOYMENT_ID, "token-1", now=NOW)
    # Then no host was touched and the wait is answered at once
    assert _statuses(records) == ["Skipped", "Skipped", "Skipped"]
    assert [answer["rolloutStatus"] for answer in tokens.answers] == ["Stopped"]
    final = rollout.finish(DEPLOYMENT_ID, error={"Error": ""}, now=NOW + 1)
    assert final["errorCode"] == "ALARM_ACTIVE"
