"""The counter form of the rollout: what a report handler does with DynamoDB atomic counters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rollwright.minimum_healthy_hosts import plan_health
from rollwright.rollout import InstanceStatus, Rollout, RolloutTarget, deployment_order
from rollwright.rollout_counters import (
    CounterDelta,
    RolloutCounters,
    RolloutOutcome,
    apply,
    can_claim,
    claim_condition,
    claim_delta,
    initial_counters,
    result_delta,
    skip_delta,
    start_outcome,
    verdict,
)
from tests.unit.test_rollout import rules, targets_strategy

counters_strategy = st.builds(
    RolloutCounters,
    minimum=st.integers(0, 10),
    window=st.integers(0, 10),
    pending_healthy=st.integers(0, 10),
    pending_unhealthy=st.integers(0, 10),
    in_progress=st.integers(0, 10),
    succeeded=st.integers(0, 10),
    failed=st.integers(0, 10),
)


@given(counters=counters_strategy, healthy=st.booleans())
def test_the_stored_claim_condition_is_the_stop_rule(counters, healthy):
    # The condition a DynamoDB update checks agrees with the rule the Rollout applies
    condition = claim_condition(host_is_healthy=healthy)
    assert condition.holds(counters) == can_claim(counters, host_is_healthy=healthy)


@given(counters=counters_strategy, healthy=st.booleans(), succeeded=st.booleans())
def test_the_stored_free_slots_and_headroom_follow_the_deltas(counters, healthy, succeeded):
    # Given the stored (redundant) free_slots and headroom and the deltas the handler adds
    for delta in (
        claim_delta(host_is_healthy=healthy),
        result_delta(succeeded=succeeded),
        skip_delta(counters),
    ):
        after = apply(counters, delta)
        # Then adding the delta's own free_slots and headroom gives the derived values
        assert counters.free_slots + delta.free_slots == after.free_slots
        assert counters.headroom + delta.headroom == after.headroom


def test_a_claim_adds_to_in_progress_and_takes_a_slot_and_headroom():
    assert claim_delta(host_is_healthy=True).additions() == (
        ("pending_healthy", -1),
        ("in_progress", 1),
        ("free_slots", -1),
        ("headroom", -1),
    )


def test_an_unhealthy_host_claims_a_slot_but_no_headroom():
    assert claim_condition(host_is_healthy=False).min_headroom is None
    assert claim_delta(host_is_healthy=False) == CounterDelta(
        pending_unhealthy=-1, in_progress=1, free_slots=-1
    )


def test_nothing_in_progress_and_nothing_pending_is_a_verdict():
    counters = RolloutCounters(minimum=0, window=3, pending_healthy=0, pending_unhealthy=0)
    assert verdict(apply(counters, CounterDelta(succeeded=3))) is not None


# --- concurrent report handlers -----------------------------------------------------------------


_DONE = object()


@dataclass
class Store:
    """The deployment item's counters and the host items, changed only by atomic operations."""

    counters: RolloutCounters
    order: list[RolloutTarget]
    statuses: dict[str, InstanceStatus]
    outcome: RolloutOutcome | None = None
    most_in_progress: int = 0

    def write(self, counters: RolloutCounters) -> None:
        self.counters = counters
        self.most_in_progress = max(self.most_in_progress, counters.in_progress)


def claim_slots(store: Store) -> Iterator[None]:
    """Claim the next pending hosts, in order, one conditional transaction each."""
    while True:
        pending = [t for t in store.order if store.statuses[t.host_id] is InstanceStatus.PENDING]
        yield  # another handler may act between the query and the claim
        if not pending:
            return
        target = pending[0]
        if store.statuses[target.host_id] is not InstanceStatus.PENDING:
            continue  # the host item's condition failed: someone claimed it first
        if not claim_condition(host_is_healthy=target.healthy_at_start).holds(store.counters):
            return  # the counters' condition failed: no slot, or the stop rule
        store.write(apply(store.counters, claim_delta(host_is_healthy=target.healthy_at_start)))
        store.statuses[target.host_id] = InstanceStatus.IN_PROGRESS
        yield


def settle(store: Store) -> Iterator[None]:
    outcome = verdict(store.counters)
    yield
    if outcome is not None and store.outcome is None:  # a conditional write on the status
        store.outcome = outcome
        store.write(apply(store.counters, skip_delta(store.counters)))
        for host_id, status in store.statuses.items():
            if status is InstanceStatus.PENDING:
                store.statuses[host_id] = InstanceStatus.SKIPPED


def handle_report(store: Store, host_id: str, succeeded: bool) -> Iterator[None]:
    # One transaction: the host item InProgress -> result, and the counters' ADD
    if store.statuses[host_id] is not InstanceStatus.IN_PROGRESS:
        return
    store.statuses[host_id] = InstanceStatus.SUCCEEDED if succeeded else InstanceStatus.FAILED
    store.write(apply(store.counters, result_delta(succeeded=succeeded)))
    yield
    yield from claim_slots(store)
    yield from settle(store)


def begin(store: Store) -> Iterator[None]:
    yield from claim_slots(store)
    yield from settle(store)


# Deployments that cannot begin are filtered out; on a busy machine that can trip the health check.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(targets=targets_strategy, rule=rules, data=st.data())
def test_concurrent_handlers_never_overfill_the_window_or_lose_a_count(targets, rule, data):
    # Given a deployment that may begin
    plan = plan_health(rule, len(targets))
    assume(start_outcome(plan, available=sum(t.available for t in targets)) is None)
    results = {t.host_id: data.draw(st.booleans()) for t in targets}
    healthy = sum(t.healthy_at_start for t in targets)
    store = Store(
        counters=initial_counters(plan, healthy=healthy, unhealthy=len(targets) - healthy),
        order=list(deployment_order(targets)),
        statuses={t.host_id: InstanceStatus.PENDING for t in targets},
    )
    # When handlers run interleaved, and each report is delivered once or twice, in any order
    running = [begin(store)]
    deliveries = dict.fromkeys(results, 0)
    while True:
        # A host reports once it was started; a second delivery is a duplicate
        deliverable = sorted(
            h
            for h, s in store.statuses.items()
            if s not in (InstanceStatus.PENDING, InstanceStatus.SKIPPED) and deliveries[h] < 2
        )
        choices = len(running) + len(deliverable)
        if choices == 0:
            break
        choice = data.draw(st.integers(0, choices - 1))
        if choice < len(running):
            if next(running[choice], _DONE) is _DONE:
                running.pop(choice)
            continue
        host = deliverable[choice - len(running)]
        deliveries[host] += 1
        running.append(handle_report(store, host, results[host]))
    # Then the window was never over-filled, and the end is the sequential rollout's
    assert store.most_in_progress <= plan.window
    rollout, _ = Rollout.start(targets, rule)
    while not rollout.finished:
        host = rollout.hosts_with(InstanceStatus.IN_PROGRESS)[0]
        rollout, _ = rollout.host_finished(host, succeeded=results[host])
    assert store.outcome == rollout.outcome
    assert store.counters == rollout.counters
