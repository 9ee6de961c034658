"""A Server in-place rollout on the devstack, driven by real agents.

The deployment is built with the domain's plan and written by the adapter (CreateDeployment comes
later); the Server state machine runs it; three real agents (``AgentDaemon`` wired as the service
wires it, in threads) act as three hosts, each as its own tagged session of the stack's host role,
each with its own queue and deployment root. The hooks append their start and end to a file in
their host's deployment root.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from devstack.agent_hosts import stop_agents
from rollwright.agent_protocol import S3Revision
from rollwright.deployment_plan import HostLimits
from tests.e2e.agent_hosts import HOOKS, Host, start_agent, upload_revision
from tests.e2e.deployments import ONE_AT_A_TIME, most_at_once, records, run_deployment

__all__ = ["HOOKS", "ONE_AT_A_TIME"]

# Small limits so that a dead host is noticed within seconds on the devstack.
LIMITS = HostLimits(start_seconds=6, heartbeat_seconds=6, sweep_interval_seconds=2)
RUN_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def revision(devstack, tmp_path_factory) -> S3Revision:
    return upload_revision(devstack, tmp_path_factory.mktemp("bundle"), "e2e/rollout.zip")


@pytest.fixture
def hosts(devstack, tmp_path) -> Iterator[dict[str, Host]]:
    suffix = uuid.uuid4().hex[:6]
    made = {
        name: Host(host_id=f"{name}-{suffix}", root=tmp_path / name)
        for name in ("host-a", "host-b", "host-c")
    }
    yield made
    stop_agents(made.values())


def _deploy(devstack, revision: S3Revision, hosts: dict[str, Host]) -> tuple[str, dict]:
    """Write a OneAtATime deployment to the hosts, run its state machine to the end."""
    return run_deployment(devstack, revision, hosts.values(), limits=LIMITS)


def test_one_at_a_time_deploys_every_host_in_order_one_at_a_time(devstack, revision, hosts):
    # Given three hosts with running agents
    for host in hosts.values():
        start_agent(devstack, host)
    # When a OneAtATime deployment to them runs
    deployment_id, execution = _deploy(devstack, revision, hosts)
    # Then the workflow succeeded and every host ran every hook, in order
    assert execution["status"] == "SUCCEEDED", execution
    for host in hosts.values():
        assert [(event, what) for event, what, _ in host.hook_lines()] == [
            (event, what) for event in HOOKS for what in ("start", "end")
        ]
    # And never more than one host at a time
    assert most_at_once(hosts.values()) == 1
    # And the deployment item ends Succeeded with all three counted
    item = records(devstack).deployment_item(deployment_id)
    assert item is not None
    assert item["status"] == "Succeeded"
    assert (int(item["succeeded"]), int(item["failed"]), int(item["skipped"])) == (3, 0, 0)
    assert "complete_time_ms" in item


def test_a_failed_validate_service_fails_the_deployment_and_skips_the_rest(
    devstack, revision, hosts
):
    # Given three hosts, the first in the order failing its ValidateService
    first = min(hosts.values(), key=lambda host: host.host_id)
    first.root.mkdir(parents=True)
    (first.root / "fail-validate").touch()
    for host in hosts.values():
        start_agent(devstack, host)
    # When a OneAtATime deployment runs
    deployment_id, execution = _deploy(devstack, revision, hosts)
    # Then it fails with HEALTH_CONSTRAINTS
    assert execution["status"] == "FAILED", execution
    assert execution.get("error") == "HEALTH_CONSTRAINTS"
    stored = records(devstack)
    item = stored.deployment_item(deployment_id)
    assert item is not None
    assert item["status"] == "Failed"
    assert item["error_information"]["code"] == "HEALTH_CONSTRAINTS"
    # And the first host failed, the others were never started: Skipped, no hooks ran there
    statuses = {
        host.host_id: stored.target_item(deployment_id, host.host_id)["status"]
        for host in hosts.values()
    }
    assert statuses[first.host_id] == "Failed"
    others = [host for host in hosts.values() if host is not first]
    assert [statuses[host.host_id] for host in others] == ["Skipped", "Skipped"]
    assert all(host.hook_lines() == [] for host in others)


def test_a_host_whose_agent_never_starts_is_failed_by_the_sweep(devstack, revision, hosts):
    # Given three hosts, the first in the order without a running agent
    silent = min(hosts.values(), key=lambda host: host.host_id)
    for host in hosts.values():
        if host is not silent:
            start_agent(devstack, host)
    # When a OneAtATime deployment runs
    deployment_id, execution = _deploy(devstack, revision, hosts)
    # Then the silent host fails within the start limit and a few sweeps after its command was
    # sent (the stored times; the machine may be loaded), and under OneAtATime the deployment
    # fails by the health rules, the others Skipped
    assert execution["status"] == "FAILED", execution
    assert execution.get("error") == "HEALTH_CONSTRAINTS"
    stored = records(devstack)
    failed = stored.target_item(deployment_id, silent.host_id)
    assert failed["status"] == "Failed"
    waited = (int(failed["result_time_ms"]) - int(failed["dispatched_at_ms"])) / 1000
    assert (
        LIMITS.start_seconds
        <= waited
        < LIMITS.start_seconds + 5 * LIMITS.sweep_interval_seconds + 10
    )
    others = [host for host in hosts.values() if host is not silent]
    assert [stored.target_item(deployment_id, h.host_id)["status"] for h in others] == [
        "Skipped",
        "Skipped",
    ]


def test_a_deployment_without_targets_fails_with_no_instances_at_dispatch(devstack, revision):
    # Given a deployment with no targets: it ends before touching a host
    # When its Server state machine runs
    deployment_id, execution = run_deployment(devstack, revision, [], limits=LIMITS)
    # Then dispatch answers its own wait and the execution fails with NO_INSTANCES
    assert execution["status"] == "FAILED", execution
    assert execution.get("error") == "NO_INSTANCES"
    item = records(devstack).deployment_item(deployment_id)
    assert item is not None
    assert (item["status"], item["error_information"]["code"]) == ("Failed", "NO_INSTANCES")
