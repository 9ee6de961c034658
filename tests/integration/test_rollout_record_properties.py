"""A property of the rollout's DynamoDB writes on moto: in any order of reports, with duplicate
deliveries, stale claims by handlers that lost a race, and sweeps in between, the deployment
item's counters always equal its hosts' statuses, the window is never over-filled, and the end
is the sequential ``Rollout``'s.

Steps run one at a time (moto does not serialize concurrent writes, decisions.md); a handler that
lost a race is played by its stale write, which the write's condition must refuse.
"""

from __future__ import annotations

import uuid
from collections import Counter

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.rollout_items import COUNTER_NAMES
from functions.adapters.rollout_records import RolloutRecords
from rollwright.agent_protocol import EventOutcome, EventReport
from rollwright.deployment_plan import HostLimits, InstanceHistory
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent
from rollwright.rollout import InstanceHealth, InstanceStatus, Rollout, RolloutTarget
from tests.integration.state_table import state_table
from tests.integration.test_rollout_records import NOW, rollout_plan, world
from tests.unit.test_rollout import rules

__all__ = ["state_table", "world"]

LIMITS = HostLimits(start_seconds=600, heartbeat_seconds=600, sweep_interval_seconds=5)

fleets = st.lists(st.sampled_from(list(InstanceHealth)), min_size=1, max_size=6).map(
    lambda healths: {f"h{i}": health for i, health in enumerate(healths)}
)


def _statuses(table, deployment_id: str) -> dict[str, str]:
    """Each host's target status, read in one query."""
    items = table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :target)",
        ExpressionAttributeValues={":pk": f"DEPLOYMENT#{deployment_id}", ":target": "TARGET#"},
        ConsistentRead=True,
    )["Items"]
    return {str(item["sk"]).removeprefix("TARGET#"): str(item["status"]) for item in items}


def _check(records: RolloutRecords, deployment_id: str, by_host: dict[str, str]) -> None:
    """The stored counters equal the hosts' statuses, and the derived ones their definitions."""
    item = records.deployment_item(deployment_id)
    assert item is not None
    statuses = Counter(by_host.values())
    counted = {name: int(item[name]) for name in item if name in _COUNTERS}
    assert counted["pending_healthy"] + counted["pending_unhealthy"] == statuses["Pending"]
    assert counted["in_progress"] == statuses["InProgress"]
    assert counted["succeeded"] == statuses["Succeeded"]
    assert counted["failed"] == statuses["Failed"]
    assert counted["skipped"] == statuses["Skipped"]
    window, minimum = int(item["window"]), int(item["minimum"])
    assert counted["in_progress"] <= window
    assert counted["free_slots"] == window - counted["in_progress"]
    healthy = counted["pending_healthy"] + counted["succeeded"]
    assert counted["headroom"] == healthy - minimum


# The stored counters and the two derived from them (the window's free slots, the headroom).
_COUNTERS = {*COUNTER_NAMES, "free_slots", "headroom"}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(fleet=fleets, rule=rules, data=st.data())
def test_any_order_of_reports_duplicates_and_stale_claims_keeps_the_counts(
    world, fleet, rule, data
):
    # Given a deployment that may begin, each host's result decided in advance
    deployment_id = "d-" + uuid.uuid4().hex[:9].upper()
    plan = rollout_plan(
        fleet,
        rule,
        deployment_id,
        limits=LIMITS,
        history={h: InstanceHistory(instance_health=health) for h, health in fleet.items()},
    )
    assume(plan.start_outcome is None)
    results = {h: data.draw(st.booleans(), label=f"{h} succeeds") for h in fleet}
    records, _, _, rollout, state_table = world
    records.write_plan(plan)
    DeploymentRecords(state_table).transition(
        deployment_id, DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    hosts = list(fleet)
    rollout.dispatch(deployment_id, "token", now=NOW)
    _check(records, deployment_id, _statuses(state_table, deployment_id))
    deliveries = Counter[str]()
    steps = 0
    # When reports arrive in any order, some twice, with stale claims and sweeps in between
    while (deployment := records.deployment(deployment_id)) is not None and (
        deployment.outcome is None
    ):
        by_host = _statuses(state_table, deployment_id)
        started = sorted(h for h in hosts if by_host[h] != "Pending" and deliveries[h] < 2)
        step = data.draw(st.sampled_from(["report"] * 4 + ["stale claim", "sweep"]), label="step")
        if step == "report" and started:
            host = data.draw(st.sampled_from(started), label="reporting host")
            deliveries[host] += 1
            outcome = EventOutcome.SUCCEEDED if results[host] else EventOutcome.FAILED
            report = EventReport(
                f"{deployment_id}.{host}.0",
                deployment_id,
                host,
                LifecycleEvent.VALIDATE_SERVICE,
                outcome,
                at=NOW,
            )
            rollout.on_event_report(host, report, now=NOW)
        elif step == "stale claim" and deployment.claimed > 0:
            # A handler that read `claimed` before another handler moved it on
            position = data.draw(st.integers(0, deployment.claimed - 1), label="stale position")
            healthy = position >= deployment.unhealthy_total
            assert (
                records.claim(deployment_id, host_is_healthy=healthy, position=position).position
                is None
            )
        else:
            rollout.sweep(deployment_id, now=NOW)
        # Then after every step the counters equal the hosts' statuses
        _check(records, deployment_id, _statuses(state_table, deployment_id))
        steps += 1
        assert steps <= 20 * len(hosts), "the rollout never ended"
    # And the end is the sequential rollout's
    sequential, _ = Rollout.start(
        [RolloutTarget(host_id=h, instance_health=health) for h, health in fleet.items()], rule
    )
    while not sequential.finished:
        host = sequential.hosts_with(InstanceStatus.IN_PROGRESS)[0]
        sequential, _ = sequential.host_finished(host, succeeded=results[host])
    assert deployment is not None
    assert deployment.outcome == sequential.outcome
    assert _statuses(state_table, deployment_id) == {
        h: sequential.status_of(h).value for h in hosts
    }
