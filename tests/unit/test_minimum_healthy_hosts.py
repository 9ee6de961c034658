"""Minimum healthy hosts: every number of the reference's §3, as a table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.minimum_healthy_hosts import (
    HealthPlan,
    constraints_invalid,
    deployment_succeeds,
    may_start,
    minimum_healthy_count,
    plan_health,
)
from rollwright.predefined_deployment_configs import PREDEFINED_DEPLOYMENT_CONFIGS

HOST_COUNT = MinimumHealthyHostsType.HOST_COUNT
FLEET_PERCENT = MinimumHealthyHostsType.FLEET_PERCENT
MOST_CONCURRENCY = MinimumHealthyHostsType.MOST_CONCURRENCY


def predefined(name: str) -> MinimumHealthyHosts:
    rule = PREDEFINED_DEPLOYMENT_CONFIGS[f"CodeDeployDefault.{name}"].definition
    assert rule.minimum_healthy_hosts is not None
    return rule.minimum_healthy_hosts


@pytest.mark.parametrize(
    ("rule", "total", "minimum", "window"),
    [
        # API examples: 9 hosts.
        (MinimumHealthyHosts(HOST_COUNT, 6), 9, 6, 3),
        (MinimumHealthyHosts(FLEET_PERCENT, 40), 9, 4, 5),  # ceil(3.6) = 4
        # 10 hosts: min 9 -> 1 at a time, min 8 -> 2, min 0 -> all.
        (MinimumHealthyHosts(HOST_COUNT, 9), 10, 9, 1),
        (MinimumHealthyHosts(HOST_COUNT, 8), 10, 8, 2),
        (MinimumHealthyHosts(HOST_COUNT, 0), 10, 0, 10),
        (MinimumHealthyHosts(FLEET_PERCENT, 0), 10, 0, 10),
        # 95% of 10 rounds up to 10; 85% of 10 rounds up to 9.
        (MinimumHealthyHosts(FLEET_PERCENT, 95), 10, 10, 0),
        (MinimumHealthyHosts(FLEET_PERCENT, 85), 10, 9, 1),
        # HalfAtATime on 9: batches of 4 (half rounded down), at least 5 (half rounded up).
        (MinimumHealthyHosts(FLEET_PERCENT, 50), 9, 5, 4),
        # OneAtATime: one at a time, all but one stay healthy.
        (MinimumHealthyHosts(MOST_CONCURRENCY, 1), 10, 9, 1),
        (MinimumHealthyHosts(MOST_CONCURRENCY, 1), 1, 0, 1),
        # A count above the fleet: no window at all.
        (MinimumHealthyHosts(HOST_COUNT, 12), 10, 12, 0),
    ],
)
def test_the_minimum_and_window_are_the_references(rule, total, minimum, window):
    assert plan_health(rule, total) == HealthPlan(total=total, minimum=minimum, window=window)


@pytest.mark.parametrize(
    ("name", "total", "minimum", "window"),
    [
        ("OneAtATime", 9, 8, 1),
        ("HalfAtATime", 9, 5, 4),
        ("AllAtOnce", 9, 0, 9),
    ],
)
def test_the_predefined_configurations_plan_as_documented(name, total, minimum, window):
    plan = plan_health(predefined(name), total)
    assert (plan.minimum, plan.window) == (minimum, window)


@given(total=st.integers(0, 1000), percent=st.integers(0, 99))
def test_a_fleet_percent_rounds_up(total, percent):
    # Given a percentage of a fleet
    count = minimum_healthy_count(MinimumHealthyHosts(FLEET_PERCENT, percent), total)
    # Then the count is the smallest whole number of hosts at or above that share
    assert count * 100 >= total * percent
    assert count == 0 or (count - 1) * 100 < total * percent


def test_95_percent_of_10_is_invalid_at_start():
    plan = plan_health(MinimumHealthyHosts(FLEET_PERCENT, 95), 10)
    assert constraints_invalid(plan, available=10)


def test_a_minimum_equal_to_the_available_hosts_is_invalid():
    plan = plan_health(MinimumHealthyHosts(HOST_COUNT, 6), 9)
    assert not constraints_invalid(plan, available=7)
    assert constraints_invalid(plan, available=6)


def test_oneatatime_on_one_host_is_valid():
    assert not constraints_invalid(plan_health(predefined("OneAtATime"), 1), available=1)


def test_a_healthy_host_may_not_take_the_fleet_below_the_minimum():
    plan = plan_health(MinimumHealthyHosts(HOST_COUNT, 6), 9)
    assert may_start(plan, healthy=7, in_progress=2, host_is_healthy=True)
    assert not may_start(plan, healthy=6, in_progress=2, host_is_healthy=True)


def test_an_unhealthy_host_may_start_below_the_minimum():
    # Given a group that starts below its minimum
    plan = plan_health(MinimumHealthyHosts(HOST_COUNT, 6), 9)
    # Then an already-unhealthy host may still be deployed: it does not reduce the count
    assert may_start(plan, healthy=5, in_progress=0, host_is_healthy=False)


def test_no_host_starts_when_the_window_is_full():
    plan = plan_health(MinimumHealthyHosts(HOST_COUNT, 6), 9)
    assert not may_start(plan, healthy=9, in_progress=3, host_is_healthy=False)


@pytest.mark.parametrize(
    ("rule", "total", "successes", "succeeds"),
    [
        (MinimumHealthyHosts(HOST_COUNT, 6), 9, 6, True),
        (MinimumHealthyHosts(HOST_COUNT, 6), 9, 5, False),
        (MinimumHealthyHosts(FLEET_PERCENT, 40), 9, 4, True),
        (MinimumHealthyHosts(FLEET_PERCENT, 40), 9, 3, False),
        (MinimumHealthyHosts(FLEET_PERCENT, 50), 9, 5, True),
        (MinimumHealthyHosts(FLEET_PERCENT, 50), 9, 4, False),
        # At least one success, even with a minimum of 0.
        (MinimumHealthyHosts(FLEET_PERCENT, 0), 9, 1, True),
        (MinimumHealthyHosts(FLEET_PERCENT, 0), 9, 0, False),
        # OneAtATime: the last instance may fail; with one instance it must succeed.
        (MinimumHealthyHosts(MOST_CONCURRENCY, 1), 9, 8, True),
        (MinimumHealthyHosts(MOST_CONCURRENCY, 1), 1, 0, False),
        (MinimumHealthyHosts(MOST_CONCURRENCY, 1), 1, 1, True),
    ],
)
def test_the_success_rule(rule, total, successes, succeeds):
    assert deployment_succeeds(plan_health(rule, total), successes) is succeeds
