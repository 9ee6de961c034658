"""Many hosts reporting at once, on the devstack: 20 real agents with one short hook each, a window
of 8, reports from up to 8 hosts racing through the agent API into the same deployment item. No
count is lost or doubled, and never more than the window is in progress."""

from __future__ import annotations

from collections import Counter

import pytest

from rollwright.agent_protocol import S3Revision
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from tests.e2e.agent_hosts import upload_revision
from tests.e2e.deployments import (
    CounterWatch,
    Fleet,
    fleet,
    host_statuses,
    most_at_once,
    records,
    start_workflow,
    wait_for_workflow,
    write_deployment,
)

__all__ = ["fleet"]

HOSTS = 20
# HOST_COUNT 12 of 20: 8 at a time, at least 12 must succeed.
MINIMUM = 12
RULE = MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, MINIMUM)
WINDOW = 8
FAILING = {2, 9, 17}
VALIDATE = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
if [ -e "$root/fail-validate" ]; then exit 1; fi
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""


@pytest.fixture(scope="module")
def revision(devstack, tmp_path_factory) -> S3Revision:
    return upload_revision(
        devstack,
        tmp_path_factory.mktemp("validate-only"),
        "e2e/validate-only.zip",
        hooks=["ValidateService"],
        script=VALIDATE,
    )


def test_concurrent_reports_from_many_hosts_never_lose_a_count(devstack, revision, fleet: Fleet):
    # Given 20 hosts with running agents, three of them failing validation
    # (heartbeats rarely: each is a request to the agent API, and the hooks are short)
    hosts = fleet.add(HOSTS, heartbeat_interval_seconds=10)
    for position in FAILING:
        (hosts[position].root / "fail-validate").touch()
    # When a deployment with 8 at a time runs
    deployment_id = write_deployment(
        devstack, revision, hosts, rule=RULE, config_name="e2e.HostCount12"
    )
    with CounterWatch(devstack, deployment_id) as watch:
        execution = wait_for_workflow(devstack, start_workflow(devstack, deployment_id))
    # Then it succeeded (17 successes ≥ 12) with every host's result as its hook decided
    assert execution["status"] == "SUCCEEDED", execution
    statuses = host_statuses(devstack, deployment_id, hosts)
    assert statuses == [
        "Failed" if position in FAILING else "Succeeded" for position in range(HOSTS)
    ]
    # And the stored counters equal the hosts' statuses: nothing lost, nothing counted twice
    item = records(devstack).deployment_item(deployment_id)
    counts = Counter(statuses)
    assert {
        name: int(item[name])
        for name in ("pending_healthy", "in_progress", "succeeded", "failed", "skipped")
    } == {
        "pending_healthy": 0,
        "in_progress": 0,
        "succeeded": counts["Succeeded"],
        "failed": counts["Failed"],
        "skipped": 0,
    }
    assert int(item["claimed"]) == HOSTS
    # And the derived counters moved with them: every slot free again, headroom = healthy - 12
    assert int(item["free_slots"]) == WINDOW
    assert int(item["headroom"]) == counts["Succeeded"] - MINIMUM
    # And never more than the window was in progress: by the counters while it ran, and by the
    # hooks (each host's hook runs within its time in progress)
    assert 0 < max(watch.in_progress) <= WINDOW
    assert most_at_once(hosts) <= WINDOW
