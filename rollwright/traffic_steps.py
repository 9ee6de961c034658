"""One host's BlockTraffic or AllowTraffic: act, look a little, leave the rest to the sweep.

``begin`` is called by whoever sees a host's agent segment end before a traffic event (the agent
function, with a report): it makes the load balancer change (idempotent, so two handlers doing it
at once are harmless), records the step with its deadline (one conditional write: only the first
records it), then looks at the instance a few times within a short bound. ``check`` is the
workflow's sweep looking again. Either ends the step once the change settled, or fails it past
its deadline or when a load balancer refuses; the caller then starts the next segment or fails
the host.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from rollwright.host_progress import HostRecord
from rollwright.lifecycle import LifecycleEvent
from rollwright.traffic_control import (
    LoadBalancerError,
    LoadBalancers,
    TrafficTargets,
    traffic_deadline_seconds,
    traffic_settled,
)


class TrafficOutcome(StrEnum):
    SETTLED = "Settled"  # the step ended here, successfully: the next segment may start
    FAILED = "Failed"  # the step ended here, failed: the host fails
    WAITING = "Waiting"  # still under way (a later sweep looks again)
    NOT_OURS = "NotOurs"  # another handler recorded or ended the step


class TrafficStepStore(Protocol):
    def begin_traffic(
        self, host: HostRecord, event: LifecycleEvent, *, deadline: float, now: float
    ) -> bool:
        """Record the step if the host is still InProgress in ``host.segment_index`` with no
        step under way and ``event`` never started; False otherwise."""
        ...

    def end_traffic(
        self,
        host: HostRecord,
        event: LifecycleEvent,
        *,
        succeeded: bool,
        message: str,
        now: float,
    ) -> bool:
        """End the step under way if it is ``event``'s: the event's status and end time, the step
        cleared; False if another handler ended it."""
        ...


class TrafficSteps:
    def __init__(
        self,
        store: TrafficStepStore,
        load_balancers: LoadBalancers,
        *,
        sleep: Callable[[float], None],
        looks: int = 4,
        look_interval_seconds: float = 0.5,
    ) -> None:
        self._store = store
        self._load_balancers = load_balancers
        self._sleep = sleep
        self._looks = looks
        self._interval = look_interval_seconds

    def begin(
        self, targets: TrafficTargets, host: HostRecord, event: LifecycleEvent, *, now: float
    ) -> TrafficOutcome:
        try:
            if event is LifecycleEvent.BLOCK_TRAFFIC:
                delay = self._load_balancers.deregister(host.host_id, targets)
            else:
                self._load_balancers.register(host.host_id, targets)
                delay = 0
        except LoadBalancerError as error:
            if not self._store.begin_traffic(host, event, deadline=now, now=now):
                return TrafficOutcome.NOT_OURS
            return self._end(host, event, succeeded=False, message=str(error), now=now)
        deadline = now + traffic_deadline_seconds(event, delay)
        if not self._store.begin_traffic(host, event, deadline=deadline, now=now):
            return TrafficOutcome.NOT_OURS
        for look in range(self._looks):
            if look:
                self._sleep(self._interval)
            outcome = self._look(targets, host, event, now=now)
            if outcome is not TrafficOutcome.WAITING:
                return outcome
        return TrafficOutcome.WAITING

    def check(self, targets: TrafficTargets, host: HostRecord, *, now: float) -> TrafficOutcome:
        """Look at a host whose step is under way (``host.traffic``)."""
        step = host.traffic
        if step is None:
            return TrafficOutcome.NOT_OURS
        outcome = self._look(targets, host, step.event, now=now)
        if outcome is TrafficOutcome.WAITING and now > step.deadline:
            verb = "deregistered from" if step.event is LifecycleEvent.BLOCK_TRAFFIC else "in"
            message = (
                f"{step.event.value}: the instance was not {verb} every load balancer and "
                "target group of the deployment group before the deadline."
            )
            return self._end(host, step.event, succeeded=False, message=message, now=now)
        return outcome

    def _look(
        self, targets: TrafficTargets, host: HostRecord, event: LifecycleEvent, *, now: float
    ) -> TrafficOutcome:
        try:
            state = self._load_balancers.state(host.host_id, targets)
        except LoadBalancerError as error:
            return self._end(host, event, succeeded=False, message=str(error), now=now)
        if traffic_settled(event, state):
            return self._end(host, event, succeeded=True, message="", now=now)
        return TrafficOutcome.WAITING

    def _end(
        self, host: HostRecord, event: LifecycleEvent, *, succeeded: bool, message: str, now: float
    ) -> TrafficOutcome:
        if not self._store.end_traffic(host, event, succeeded=succeeded, message=message, now=now):
            return TrafficOutcome.NOT_OURS
        return TrafficOutcome.SETTLED if succeeded else TrafficOutcome.FAILED
