"""Minimum healthy hosts on the devstack with real agents: how many hosts run at once and how the
deployment ends, for the predefined configurations and a custom HOST_COUNT one, with hosts whose
ValidateService fails.

Expectations come from the reference's rules (§3), worked out per case below, not from the
implementation: the minimum is fixed at the start (a percentage rounds up), the window is
``total - minimum``, a healthy host starts only if the healthy count stays at or above the
minimum once it is offline, and the deployment succeeds when every host was attempted, the
successes reach the minimum and at least one host succeeded. Hosts are ordered by host id (all
healthy, revision Unknown), so ``fail`` names positions in the deployment order.

Every host is held in BeforeInstall until the first window has started, so the most hosts in
progress at once is exactly the window, however slowly the machine runs: none of the held hosts
can end, so nothing more can be claimed while they are held.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rollwright.agent_protocol import S3Revision
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from tests.e2e.deployments import (
    ALL_AT_ONCE,
    HALF_AT_A_TIME,
    ONE_AT_A_TIME,
    CounterWatch,
    Fleet,
    fleet,
    host_statuses,
    most_at_once,
    records,
    start_workflow,
    until,
    upload_gated_revision,
    wait_for_workflow,
    write_deployment,
)

__all__ = ["fleet"]

HOLD = "hold-BeforeInstall"
S, F, K = "Succeeded", "Failed", "Skipped"


@dataclass(frozen=True)
class Case:
    config_name: str
    rule: MinimumHealthyHosts
    hosts: int
    fail: frozenset[int]  # positions whose ValidateService fails
    window: int  # hosts at once, from the reference
    status: str  # the execution's status
    statuses: tuple[str, ...]  # each host's, in deployment order


def _custom(value: int) -> MinimumHealthyHosts:
    return MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, value)


CASES = {
    # OneAtATime on 5: one at a time, all but the last must succeed; the last may fail.
    "one-at-a-time-last-fails": Case(
        "CodeDeployDefault.OneAtATime", ONE_AT_A_TIME, 5, frozenset({4}), 1, "SUCCEEDED",
        (S, S, S, S, F),
    ),
    # A failure before the last: the next host would take healthy below 4 → stop, skip the rest.
    "one-at-a-time-second-fails": Case(
        "CodeDeployDefault.OneAtATime", ONE_AT_A_TIME, 5, frozenset({1}), 1, "FAILED",
        (S, F, K, K, K),
    ),
    # HalfAtATime on 9 (the reference's example): minimum ceil(4.5) = 5, batches of 4. Two
    # failures in the first batch: each later success makes room for exactly one more host, and
    # 7 successes ≥ 5.
    "half-at-a-time-two-fail": Case(
        "CodeDeployDefault.HalfAtATime", HALF_AT_A_TIME, 9, frozenset({0, 1}), 4, "SUCCEEDED",
        (F, F, S, S, S, S, S, S, S),
    ),
    # The whole first batch fails: healthy = 5 = the minimum, so no other host may go offline;
    # the rest are skipped (even though 5 successes would still have been possible).
    "half-at-a-time-first-batch-fails": Case(
        "CodeDeployDefault.HalfAtATime", HALF_AT_A_TIME, 9, frozenset({0, 1, 2, 3}), 4, "FAILED",
        (F, F, F, F, K, K, K, K, K),
    ),
    # AllAtOnce: minimum 0, everything at once; one success is enough, none is not.
    "all-at-once-one-succeeds": Case(
        "CodeDeployDefault.AllAtOnce", ALL_AT_ONCE, 6, frozenset(range(5)), 6, "SUCCEEDED",
        (F, F, F, F, F, S),
    ),
    "all-at-once-none-succeeds": Case(
        "CodeDeployDefault.AllAtOnce", ALL_AT_ONCE, 6, frozenset(range(6)), 6, "FAILED",
        (F,) * 6,
    ),
    # HOST_COUNT 4 on 7: 3 at a time. Failures at 0 and 3: the failure at 0 leaves no headroom
    # until a success frees it; in the end 5 successes ≥ 4.
    "host-count-tolerates-two": Case(
        "e2e.HostCount4", _custom(4), 7, frozenset({0, 3}), 3, "SUCCEEDED",
        (F, S, S, F, S, S, S),
    ),
    # The first three fail: healthy = 4 = the minimum, so the other four are skipped.
    "host-count-first-batch-fails": Case(
        "e2e.HostCount4", _custom(4), 7, frozenset({0, 1, 2}), 3, "FAILED",
        (F, F, F, K, K, K, K),
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def revision(devstack, tmp_path_factory) -> S3Revision:
    return upload_gated_revision(devstack, tmp_path_factory.mktemp("gated"), "e2e/gated.zip")


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_window_and_the_outcome_follow_the_minimum_healthy_hosts(
    devstack, revision, fleet: Fleet, case: Case
):
    # Given hosts with running agents, held in BeforeInstall, those at `fail` failing validation
    hosts = fleet.add(case.hosts, prepare=lambda host: (host.root / HOLD).touch())
    for position in case.fail:
        (hosts[position].root / "fail-validate").touch()
    # When a deployment with the case's configuration runs
    deployment_id = write_deployment(
        devstack, revision, hosts, rule=case.rule, config_name=case.config_name
    )
    arn = start_workflow(devstack, deployment_id)
    with CounterWatch(devstack, deployment_id) as watch:
        # Then exactly the window's hosts start, and the deployment counts them in progress
        until(
            lambda: sum(bool(h.hook_lines()) for h in hosts) >= case.window,
            what="the first window to start",
        )
        assert sum(bool(h.hook_lines()) for h in hosts) == case.window
        item = records(devstack).deployment_item(deployment_id)
        assert (int(item["claimed"]), int(item["in_progress"])) == (case.window, case.window)
        for host in hosts:
            (host.root / HOLD).unlink()
        execution = wait_for_workflow(devstack, arn)
    # And never more than the window ran at once
    assert most_at_once(hosts) == case.window
    assert max(watch.in_progress) <= case.window
    # And the deployment and every host ended as the rules say
    assert execution["status"] == case.status, execution
    if case.status == "FAILED":
        assert execution.get("error") == "HEALTH_CONSTRAINTS"
    assert tuple(host_statuses(devstack, deployment_id, hosts)) == case.statuses
    # And a skipped host never ran a hook
    assert all(not h.hook_lines() for h, s in zip(hosts, case.statuses, strict=True) if s == K)
    # And the deployment's counters equal the hosts' statuses
    item = records(devstack).deployment_item(deployment_id)
    assert item["status"] == ("Succeeded" if case.status == "SUCCEEDED" else "Failed")
    assert (int(item["succeeded"]), int(item["failed"]), int(item["skipped"])) == tuple(
        case.statuses.count(status) for status in (S, F, K)
    )
    assert (int(item["in_progress"]), int(item["pending_healthy"])) == (0, 0)
