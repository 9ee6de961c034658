"""Rerouting a blue/green deployment under minimum healthy hosts (reference §3, §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollwright.blue_green import InstanceLabel
from rollwright.blue_green_rerouting import (
    GreenResults,
    RerouteBatch,
    RerouteVerdict,
    TrafficMove,
    blue_verdict,
    green_health_plan,
    green_verdict,
    may_block_blue,
    reroute_window,
    rerouting_batches,
    rollback_batches,
)
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.minimum_healthy_hosts import plan_health

ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)
HALF_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 50)
ALL_AT_ONCE = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 0)

rules = st.one_of(
    st.builds(
        MinimumHealthyHosts,
        st.just(MinimumHealthyHostsType.FLEET_PERCENT),
        st.integers(0, 99),
    ),
    st.builds(MinimumHealthyHosts, st.just(MinimumHealthyHostsType.HOST_COUNT), st.integers(0, 30)),
    st.just(ONE_AT_A_TIME),
)
fleet_sizes = st.integers(0, 25)


def names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n:02d}" for n in range(count)]


def test_one_at_a_time_moves_one_instance_per_batch_green_first():
    # Given two green and two blue instances under OneAtATime
    batches = rerouting_batches(ONE_AT_A_TIME, green=["g1", "g2"], blue=["b1", "b2"])
    # Then each batch moves one instance, every green registered before any blue deregistered
    assert batches == (
        RerouteBatch(InstanceLabel.GREEN, TrafficMove.ALLOW, ("g1",)),
        RerouteBatch(InstanceLabel.GREEN, TrafficMove.ALLOW, ("g2",)),
        RerouteBatch(InstanceLabel.BLUE, TrafficMove.BLOCK, ("b1",)),
        RerouteBatch(InstanceLabel.BLUE, TrafficMove.BLOCK, ("b2",)),
    )


def test_half_at_a_time_moves_half_rounded_down():
    # Given 9 green instances: HalfAtATime moves 4 at a time (reference §3)
    batches = rerouting_batches(HALF_AT_A_TIME, green=names("g", 9), blue=[])
    assert [len(b.instances) for b in batches] == [4, 4, 1]


def test_all_at_once_moves_each_fleet_in_one_batch():
    batches = rerouting_batches(ALL_AT_ONCE, green=names("g", 5), blue=names("b", 3))
    assert [(b.label, len(b.instances)) for b in batches] == [
        (InstanceLabel.GREEN, 5),
        (InstanceLabel.BLUE, 3),
    ]


def test_a_minimum_of_the_whole_fleet_still_moves_one_at_a_time():
    # Given a HOST_COUNT minimum above the fleet (window 0), rerouting still progresses
    assert reroute_window(MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 12), 10) == 1


def test_a_rollback_gives_blue_back_before_taking_green_away():
    batches = rollback_batches(ALL_AT_ONCE, blocked_blue=["b1"], allowed_green=["g1", "g2"])
    assert batches == (
        RerouteBatch(InstanceLabel.BLUE, TrafficMove.ALLOW, ("b1",)),
        RerouteBatch(InstanceLabel.GREEN, TrafficMove.BLOCK, ("g1", "g2")),
    )


@given(rules, fleet_sizes, fleet_sizes)
def test_every_instance_moves_once_and_blue_never_before_green(rule, green_count, blue_count):
    green, blue = names("g", green_count), names("b", blue_count)
    batches = rerouting_batches(rule, green=green, blue=blue)
    moved = [(b.label, i) for b in batches for i in b.instances]
    assert sorted(moved) == sorted(
        [(InstanceLabel.GREEN, g) for g in green] + [(InstanceLabel.BLUE, b) for b in blue]
    )
    labels = [b.label for b in batches]
    assert labels == sorted(labels, key=lambda label: label is InstanceLabel.BLUE)
    assert all(
        (b.label, b.move)
        in {(InstanceLabel.GREEN, TrafficMove.ALLOW), (InstanceLabel.BLUE, TrafficMove.BLOCK)}
        for b in batches
    )


@given(rules, st.integers(1, 25), fleet_sizes)
def test_rerouting_never_takes_the_fleet_below_its_minimum_healthy(rule, green_count, blue_count):
    # Given the green fleet's health plan: while a batch of green instances is in its traffic
    # hooks, the healthy (not in progress) green instances stay at or above the minimum whenever
    # the fleet has room to move at all; and the instances serving traffic never drop below the
    # green instances registered so far.
    plan = plan_health(rule, green_count)
    batches = rerouting_batches(rule, green=names("g", green_count), blue=names("b", blue_count))
    serving = blue_count
    for batch in batches:
        if batch.label is InstanceLabel.GREEN:
            if plan.window >= 1:
                assert green_count - len(batch.instances) >= plan.minimum
            serving += len(batch.instances)
        else:
            serving -= len(batch.instances)
            assert serving >= green_count
    assert serving == green_count


@pytest.mark.parametrize(
    ("total", "succeeded", "failed", "verdict"),
    [
        (3, 0, 0, RerouteVerdict.CONTINUE),
        (3, 2, 0, RerouteVerdict.CONTINUE),
        (3, 3, 0, RerouteVerdict.SUCCEEDED),
        (3, 2, 1, RerouteVerdict.SUCCEEDED),  # OneAtATime: the last failure still counts as success
        (3, 1, 1, RerouteVerdict.CONTINUE),  # the last one may still reach the minimum (2)
        (3, 0, 2, RerouteVerdict.FAILED),  # the minimum (2) can no longer be reached
        (1, 0, 1, RerouteVerdict.FAILED),  # at least one success, even with minimum 0
    ],
)
def test_the_green_fleet_follows_the_in_place_rules(total, succeeded, failed, verdict):
    results = GreenResults(green_health_plan(ONE_AT_A_TIME, total), succeeded, failed)
    assert green_verdict(results) is verdict
    assert may_block_blue(results) is (verdict is RerouteVerdict.SUCCEEDED)


def test_all_at_once_green_needs_only_one_success():
    results = GreenResults(green_health_plan(ALL_AT_ONCE, 4), succeeded=1, failed=3)
    assert green_verdict(results) is RerouteVerdict.SUCCEEDED


@pytest.mark.parametrize(
    ("blocked", "failed", "verdict"),
    [
        (0, 0, RerouteVerdict.CONTINUE),
        (4, 1, RerouteVerdict.FAILED),  # a single failed deregistration fails the deployment
        (5, 0, RerouteVerdict.SUCCEEDED),
    ],
)
def test_one_failed_blue_deregistration_fails_the_deployment(blocked, failed, verdict):
    assert blue_verdict(total=5, blocked=blocked, failed=failed) is verdict
