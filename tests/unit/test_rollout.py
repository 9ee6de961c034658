"""The in-place rollout: order, sliding window, health rules, idempotent reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_status import DeploymentStatus
from rollwright.rollout import (
    ENDED_INSTANCE_STATUSES,
    DeploymentOverview,
    InstanceHealth,
    InstanceStatus,
    RevisionHealth,
    Rollout,
    RolloutDecision,
    RolloutTarget,
    deployment_order,
)
from rollwright.rollout_counters import RolloutErrorCode

HOST_COUNT = MinimumHealthyHostsType.HOST_COUNT
FLEET_PERCENT = MinimumHealthyHostsType.FLEET_PERCENT
ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)
HALF_AT_A_TIME = MinimumHealthyHosts(FLEET_PERCENT, 50)
ALL_AT_ONCE = MinimumHealthyHosts(FLEET_PERCENT, 0)


def hosts(count: int) -> list[RolloutTarget]:
    return [RolloutTarget(f"h{i}") for i in range(count)]


Pick = Callable[[Sequence[str]], str]


def first(in_progress: Sequence[str]) -> str:
    return in_progress[0]


def run(
    targets: Sequence[RolloutTarget],
    rule: MinimumHealthyHosts,
    results: dict[str, bool],
    pick: Pick = first,
) -> tuple[Rollout, list[RolloutDecision]]:
    """Drive a rollout to its end: each step, one in-progress host (``pick``) reports its result."""
    rollout, decision = Rollout.start(targets, rule)
    decisions = [decision]
    while not rollout.finished:
        host = pick(rollout.hosts_with(InstanceStatus.IN_PROGRESS))
        rollout, decision = rollout.host_finished(host, succeeded=results.get(host, True))
        decisions.append(decision)
    return rollout, decisions


def max_concurrency(decisions: Sequence[RolloutDecision]) -> int:
    return max(d.overview.in_progress for d in decisions)


# --- order --------------------------------------------------------------------------------------


def test_unhealthy_hosts_go_first_then_unknown_old_and_current_revisions():
    # Given hosts of every kind
    current = RolloutTarget("a", revision_health=RevisionHealth.CURRENT)
    old = RolloutTarget("b", revision_health=RevisionHealth.OLD)
    unknown = RolloutTarget("c", revision_health=RevisionHealth.UNKNOWN)
    failed_last_time = RolloutTarget(
        "d", instance_health=InstanceHealth.UNHEALTHY, revision_health=RevisionHealth.CURRENT
    )
    # When they are ordered
    ordered = deployment_order([current, old, unknown, failed_last_time])
    # Then the unhealthy host leads, then Unknown, Old, Current
    assert [t.host_id for t in ordered] == ["d", "c", "b", "a"]


def test_a_stopped_instance_is_ordered_with_the_unhealthy_ones():
    stopped = RolloutTarget("z", available=False)
    assert deployment_order([RolloutTarget("a"), stopped])[0] == stopped


# --- the reference's examples -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "total", "concurrency"),
    [
        (MinimumHealthyHosts(HOST_COUNT, 6), 9, 3),
        (MinimumHealthyHosts(FLEET_PERCENT, 40), 9, 5),
        (MinimumHealthyHosts(HOST_COUNT, 9), 10, 1),
        (MinimumHealthyHosts(HOST_COUNT, 8), 10, 2),
        (MinimumHealthyHosts(HOST_COUNT, 0), 10, 10),
        (HALF_AT_A_TIME, 9, 4),
        (ONE_AT_A_TIME, 9, 1),
        (ALL_AT_ONCE, 9, 9),
    ],
)
def test_the_window_is_total_minus_minimum(rule, total, concurrency):
    # When every host succeeds
    rollout, decisions = run(hosts(total), rule, {})
    # Then no more than the window ran at once, and the first step filled it
    assert decisions[0].start == tuple(f"h{i}" for i in range(concurrency))
    assert max_concurrency(decisions) == concurrency
    assert rollout.outcome is not None
    assert rollout.outcome.status is DeploymentStatus.SUCCEEDED


def test_a_slot_is_refilled_as_soon_as_a_host_finishes():
    # Given 9 hosts, 3 at a time
    rollout, _ = Rollout.start(hosts(9), MinimumHealthyHosts(HOST_COUNT, 6))
    # When the second host finishes before the others of its "wave"
    _, decision = rollout.host_finished("h1", succeeded=True)
    # Then the next host starts at once
    assert decision.start == ("h3",)


@pytest.mark.parametrize(
    ("rule", "total", "failures", "status"),
    [
        # HOST_COUNT 6 of 9: at least 6 must succeed.
        (MinimumHealthyHosts(HOST_COUNT, 6), 9, 3, DeploymentStatus.SUCCEEDED),
        (MinimumHealthyHosts(HOST_COUNT, 6), 9, 4, DeploymentStatus.FAILED),
        # FLEET_PERCENT 40 of 9: at least 4 must succeed.
        (MinimumHealthyHosts(FLEET_PERCENT, 40), 9, 5, DeploymentStatus.SUCCEEDED),
        (MinimumHealthyHosts(FLEET_PERCENT, 40), 9, 6, DeploymentStatus.FAILED),
        # HalfAtATime on 9: at least 5.
        (HALF_AT_A_TIME, 9, 4, DeploymentStatus.SUCCEEDED),
        (HALF_AT_A_TIME, 9, 5, DeploymentStatus.FAILED),
        # AllAtOnce: at least one.
        (ALL_AT_ONCE, 9, 8, DeploymentStatus.SUCCEEDED),
        (ALL_AT_ONCE, 9, 9, DeploymentStatus.FAILED),
    ],
)
def test_failures_on_the_last_hosts_decide_by_the_success_rule(rule, total, failures, status):
    # Given the failures fall on the hosts deployed last
    results = {f"h{i}": i < total - failures for i in range(total)}
    # When the rollout runs
    rollout, _ = run(hosts(total), rule, results)
    # Then the success rule decides
    assert rollout.outcome is not None
    assert rollout.outcome.status is status


def test_oneatatime_a_failure_on_the_last_instance_still_succeeds():
    rollout, _ = run(hosts(5), ONE_AT_A_TIME, {"h4": False})
    assert rollout.outcome is not None
    assert rollout.outcome.status is DeploymentStatus.SUCCEEDED
    assert rollout.overview == DeploymentOverview(succeeded=4, failed=1)


def test_oneatatime_a_failure_before_the_last_instance_fails_and_skips_the_rest():
    rollout, decisions = run(hosts(5), ONE_AT_A_TIME, {"h1": False})
    assert rollout.outcome is not None
    assert rollout.outcome.error_code is RolloutErrorCode.HEALTH_CONSTRAINTS
    assert decisions[-1].skipped == ("h2", "h3", "h4")
    assert rollout.overview == DeploymentOverview(succeeded=1, failed=1, skipped=3)


def test_oneatatime_on_a_single_instance_needs_it_to_succeed():
    rollout, _ = run(hosts(1), ONE_AT_A_TIME, {"h0": False})
    assert rollout.outcome is not None
    assert rollout.outcome.status is DeploymentStatus.FAILED


def test_85_percent_of_10_fails_on_a_single_failure_before_the_end():
    # Given 85% of 10 (9 must stay healthy, one at a time)
    rule = MinimumHealthyHosts(FLEET_PERCENT, 85)
    # When the first host fails
    rollout, _ = run(hosts(10), rule, {"h0": False})
    # Then a failed host plus another offline would leave 80%: nothing else starts
    assert rollout.outcome is not None
    assert rollout.outcome.error_code is RolloutErrorCode.HEALTH_CONSTRAINTS
    assert rollout.overview == DeploymentOverview(failed=1, skipped=9)


def test_95_percent_of_10_fails_before_touching_any_host():
    rollout, decision = Rollout.start(hosts(10), MinimumHealthyHosts(FLEET_PERCENT, 95))
    assert decision.start == ()
    assert decision.outcome is not None
    assert decision.outcome.error_code is RolloutErrorCode.HEALTH_CONSTRAINTS_INVALID
    assert rollout.overview == DeploymentOverview(skipped=10)


def test_no_targets_fails_with_no_instances():
    _, decision = Rollout.start([], ALL_AT_ONCE)
    assert decision.outcome is not None
    assert decision.outcome.error_code is RolloutErrorCode.NO_INSTANCES


def test_a_failure_shrinks_the_window_until_a_success_frees_it():
    # Given 9 hosts, HOST_COUNT 6 (3 at a time), the first three running
    rollout, _ = Rollout.start(hosts(9), MinimumHealthyHosts(HOST_COUNT, 6))
    # When one fails, nothing new starts: a healthy host offline would leave 5
    rollout, decision = rollout.host_finished("h0", succeeded=False)
    assert decision.start == ()
    # When another succeeds, one more may start
    _, decision = rollout.host_finished("h1", succeeded=True)
    assert decision.start == ("h3",)


def test_stopped_instances_count_as_failed_in_the_start_check():
    # Given OneAtATime on 10 instances, one of them stopped: 9 available, 9 must stay healthy
    targets = [*hosts(9), RolloutTarget("stopped", available=False)]
    _, decision = Rollout.start(targets, ONE_AT_A_TIME)
    assert decision.outcome is not None
    assert decision.outcome.error_code is RolloutErrorCode.HEALTH_CONSTRAINTS_INVALID


def test_a_group_below_its_minimum_deploys_its_unhealthy_hosts_first_without_reducing_it():
    # Given 4 hosts, HOST_COUNT 2, two of which failed last time (2 healthy: at the minimum)
    targets = [
        RolloutTarget("a"),
        RolloutTarget("b"),
        RolloutTarget("x", instance_health=InstanceHealth.UNHEALTHY),
        RolloutTarget("y", instance_health=InstanceHealth.UNHEALTHY),
    ]
    rollout, decision = Rollout.start(targets, MinimumHealthyHosts(HOST_COUNT, 2))
    # Then the unhealthy ones start, and no healthy host is taken offline
    assert decision.start == ("x", "y")
    # When one succeeds, the fleet is above the minimum again and a healthy host may go
    _, decision = rollout.host_finished("x", succeeded=True)
    assert decision.start == ("a",)


def test_a_lost_host_fails():
    rollout, _ = Rollout.start(hosts(3), ALL_AT_ONCE)
    rollout, _ = rollout.host_lost("h1")
    assert rollout.status_of("h1") is InstanceStatus.FAILED


def test_a_duplicate_report_changes_nothing():
    rollout, _ = Rollout.start(hosts(3), ONE_AT_A_TIME)
    once, _ = rollout.host_finished("h0", succeeded=True)
    twice, decision = once.host_finished("h0", succeeded=False)
    assert twice == once
    assert decision.start == ()


def test_a_report_for_a_host_never_started_changes_nothing():
    rollout, _ = Rollout.start(hosts(3), ONE_AT_A_TIME)
    assert rollout.host_finished("h2", succeeded=True)[0] == rollout
    assert rollout.host_finished("elsewhere", succeeded=True)[0] == rollout


def test_a_host_is_targeted_once():
    with pytest.raises(ValueError, match="once"):
        Rollout.start([RolloutTarget("a"), RolloutTarget("a")], ALL_AT_ONCE)


# --- properties ---------------------------------------------------------------------------------

rules = st.one_of(
    st.builds(MinimumHealthyHosts, st.just(HOST_COUNT), st.integers(0, 12)),
    st.builds(MinimumHealthyHosts, st.just(FLEET_PERCENT), st.integers(0, 99)),
    st.just(ONE_AT_A_TIME),
)
targets_strategy = st.lists(
    st.builds(
        RolloutTarget,
        host_id=st.sampled_from([f"h{i}" for i in range(12)]),
        instance_health=st.sampled_from(list(InstanceHealth)),
        revision_health=st.sampled_from(list(RevisionHealth)),
        available=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda t: t.host_id,
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[RolloutTarget], MinimumHealthyHosts, dict[str, bool]]:
    targets = draw(targets_strategy)
    results = {t.host_id: draw(st.booleans()) for t in targets}
    return targets, draw(rules), results


def picker(data: st.DataObject) -> Pick:
    return lambda in_progress: data.draw(st.sampled_from(sorted(in_progress)))


@settings(max_examples=300)
@given(scenario=scenarios(), data=st.data())
def test_the_rollout_keeps_every_health_rule_in_any_report_order(scenario, data):
    targets, rule, results = scenario
    healthy_at_start = {t.host_id for t in targets if t.healthy_at_start}
    rollout, decision = Rollout.start(targets, rule)
    plan = rollout.counters.plan
    steps = [(rollout, decision)]
    while not rollout.finished:
        host = picker(data)(rollout.hosts_with(InstanceStatus.IN_PROGRESS))
        rollout, decision = rollout.host_finished(host, succeeded=results[host])
        steps.append((rollout, decision))
    for state, step in steps:
        # Never more in progress than total - minimum
        assert step.overview.in_progress <= max(plan.total - plan.minimum, 0)
        # A healthy host is only taken offline when the fleet stays at or above the minimum
        if set(step.start) & healthy_at_start:
            assert state.counters.healthy >= plan.minimum
    # Every target ended Succeeded, Failed or Skipped
    assert set(rollout.statuses) <= ENDED_INSTANCE_STATUSES
    assert rollout.overview.pending == rollout.overview.in_progress == 0
    # A deployment never succeeds without a success
    assert rollout.outcome is not None
    if rollout.outcome.status is DeploymentStatus.SUCCEEDED:
        assert rollout.overview.succeeded >= max(plan.minimum, 1)


@given(count=st.integers(1, 12), rule=rules, data=st.data())
def test_a_fully_healthy_fleet_never_falls_below_its_minimum(count, rule, data):
    fleet = hosts(count)
    results = {t.host_id: data.draw(st.booleans()) for t in fleet}
    rollout, _ = Rollout.start(fleet, rule)
    minimum = rollout.counters.minimum
    while not rollout.finished:
        assert rollout.counters.healthy >= minimum
        host = picker(data)(rollout.hosts_with(InstanceStatus.IN_PROGRESS))
        rollout, _ = rollout.host_finished(host, succeeded=results[host])


@settings(max_examples=200)
@given(scenario=scenarios(), data=st.data())
def test_any_interleaving_of_reports_ends_alike(scenario, data):
    targets, rule, results = scenario
    in_order, _ = run(targets, rule, results)
    interleaved, _ = run(targets, rule, results, picker(data))
    assert interleaved.statuses == in_order.statuses
    assert interleaved.counters == in_order.counters
    assert interleaved.outcome == in_order.outcome


@given(scenario=scenarios(), data=st.data())
def test_applying_a_report_twice_changes_nothing(scenario, data):
    targets, rule, results = scenario
    rollout, _ = Rollout.start(targets, rule)
    while not rollout.finished:
        host = picker(data)(rollout.hosts_with(InstanceStatus.IN_PROGRESS))
        rollout, _ = rollout.host_finished(host, succeeded=results[host])
        again, decision = rollout.host_finished(host, succeeded=data.draw(st.booleans()))
        assert again == rollout
        assert decision.start == ()
