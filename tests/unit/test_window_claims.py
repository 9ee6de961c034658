"""Claims of several positions in one write (``claimable``, ``claim_condition`` and
``claim_delta`` with ``count``) agree with that many claims one after the other."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rollwright.rollout_counters import (
    RolloutCounters,
    apply,
    can_claim,
    claim_condition,
    claim_delta,
    claimable,
)
from tests.unit.test_rollout_counters import counters_strategy


def _one_by_one(counters: RolloutCounters, *, healthy: bool, limit: int) -> int:
    """How many claims of one health class succeed in turn, at most ``limit``."""
    taken = 0
    while taken < limit and can_claim(counters, host_is_healthy=healthy):
        counters = apply(counters, claim_delta(host_is_healthy=healthy))
        taken += 1
    return taken


@given(counters=counters_strategy, healthy=st.booleans(), count=st.integers(1, 12))
def test_the_condition_of_count_claims_holds_when_that_many_claims_would_in_turn(
    counters, healthy, count
):
    # Given counters and a number of claims of one health class
    # When they are claimed in one write
    holds = claim_condition(host_is_healthy=healthy, count=count).holds(counters)
    # Then its condition holds exactly when every one of them would have, one after the other
    assert holds == (_one_by_one(counters, healthy=healthy, limit=count) == count)


@given(counters=counters_strategy, healthy=st.booleans(), count=st.integers(0, 12))
def test_the_delta_of_count_claims_is_count_single_claims(counters, healthy, count):
    # Given counters, When count claims are added in one delta
    together = apply(counters, claim_delta(host_is_healthy=healthy, count=count))
    # Then they equal count single claims added in turn
    one_by_one = counters
    for _ in range(count):
        one_by_one = apply(one_by_one, claim_delta(host_is_healthy=healthy))
    assert together == one_by_one


@given(counters=counters_strategy, data=st.data())
def test_claimable_is_what_single_claims_would_take_within_one_health_class(counters, data):
    # Given the next position and how many unhealthy hosts come first in the order
    total = counters.plan.total
    unhealthy_total = data.draw(st.integers(0, total))
    position = data.draw(st.integers(0, total))
    healthy = position >= unhealthy_total
    # When the rollout asks how many positions it may claim together
    count = claimable(counters, position=position, unhealthy_total=unhealthy_total)
    # Then it is what claims one by one would take, never past the end of the health class
    end = total if healthy else unhealthy_total
    assert count == _one_by_one(counters, healthy=healthy, limit=end - position)


def test_a_fresh_all_at_once_deployment_may_claim_its_whole_window_at_once():
    # Given 100 healthy hosts pending, a window of 100 and no minimum
    counters = RolloutCounters(minimum=0, window=100, pending_healthy=100, pending_unhealthy=0)
    # Then the first claim may take all of them
    assert claimable(counters, position=0, unhealthy_total=0) == 100
