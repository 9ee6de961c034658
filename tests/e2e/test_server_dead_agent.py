"""A host whose agent dies in the middle of a hook, on the devstack: its heartbeats stop, and the
workflow's sweep fails it within the deployment's heartbeat limit (not CodeDeploy's hour), while
heartbeats keep a live host alive in a hook that outlasts that limit."""

from __future__ import annotations

import json
import time

import pytest

from rollwright.agent_protocol import S3Revision
from rollwright.deployment_plan import HostLimits
from tests.e2e.agent_hosts import Host, start_agent_process
from tests.e2e.deployments import (
    ALL_AT_ONCE,
    Fleet,
    fleet,
    host_statuses,
    records,
    start_workflow,
    until,
    upload_gated_revision,
    wait_for_workflow,
    write_deployment,
)

__all__ = ["fleet"]

# A short heartbeat limit; the start limit is generous (it is not what this test is about).
LIMITS = HostLimits(start_seconds=45, heartbeat_seconds=6, sweep_interval_seconds=1)
HOLD = "hold-ValidateService"


@pytest.fixture(scope="module")
def revision(devstack, tmp_path_factory) -> S3Revision:
    return upload_gated_revision(devstack, tmp_path_factory.mktemp("gated"), "e2e/dead-agent.zip")


def _idle(host: Host) -> bool:
    status = host.root / "status.json"
    try:
        return json.loads(status.read_text()).get("state") == "idle"
    except (OSError, ValueError):
        return False


def _validate_started(host: Host) -> float | None:
    return next(
        (at for e, w, at in host.hook_lines() if (e, w) == ("ValidateService", "start")), None
    )


def test_an_agent_killed_mid_hook_fails_its_host_within_the_heartbeat_limit(
    devstack, revision, fleet: Fleet
):
    # Given a host whose agent runs in a process of its own and will be held in ValidateService,
    # and two hosts with ordinary agents
    (doomed,) = fleet.add(1, start=False, prepare=lambda host: (host.root / HOLD).touch())
    agent = start_agent_process(devstack, doomed)
    try:
        until(lambda: _idle(doomed), what="the agent process to poll its queue")
        others = fleet.add(2)
        hosts = [doomed, *others]
        # When an AllAtOnce deployment to the three runs and the held host's hook outlasts the
        # heartbeat limit
        deployment_id = write_deployment(
            devstack,
            revision,
            hosts,
            rule=ALL_AT_ONCE,
            config_name="CodeDeployDefault.AllAtOnce",
            limits=LIMITS,
        )
        arn = start_workflow(devstack, deployment_id)
        until(lambda: _validate_started(doomed) is not None, what="ValidateService to start")
        started = _validate_started(doomed)
        assert started is not None

        def heartbeat_past_the_limit() -> bool:
            target = records(devstack).target_item(deployment_id, doomed.host_id)
            beat = int(target.get("last_heartbeat_at_ms", 0)) / 1000
            return beat > started + LIMITS.heartbeat_seconds + 2 * LIMITS.sweep_interval_seconds

        until(heartbeat_past_the_limit, what="heartbeats past the heartbeat limit")
        # Then heartbeats kept it in progress
        assert host_statuses(devstack, deployment_id, [doomed]) == ["InProgress"]
        # When its agent is killed in the middle of the hook
        agent.kill()
        agent.wait(timeout=10)
        killed_at = time.time()
        execution = wait_for_workflow(devstack, arn)
    finally:
        agent.kill()
        agent.wait(timeout=10)
        # The hook outlives its agent (its own session): let it end.
        (doomed.root / HOLD).unlink(missing_ok=True)
    # Then the host failed once it had been silent for the limit (its last heartbeat came at most
    # a heartbeat interval before the kill), within a few sweeps and generous slack
    target = records(devstack).target_item(deployment_id, doomed.host_id)
    assert target["status"] == "Failed"
    failed_after = int(target["result_time_ms"]) / 1000 - killed_at
    assert LIMITS.heartbeat_seconds - 2 <= failed_after <= LIMITS.heartbeat_seconds + 20
    # And the event it was running never ended
    assert "end_time_ms" not in target["lifecycle_events"]["ValidateService"]
    # And under AllAtOnce the others' successes carry the deployment
    assert execution["status"] == "SUCCEEDED", execution
    assert host_statuses(devstack, deployment_id, others) == ["Succeeded", "Succeeded"]
