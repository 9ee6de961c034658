"""One host's lifecycle in an in-place deployment: who runs which event, and how it reads back.

The control plane sends a host one *segment* at a time: the agent events it can run in one go
(DESIGN.md §4). The sequence is split only where the control plane must act itself: Start and End,
and with a load balancer BlockTraffic and AllowTraffic (deregistering and re-registering the
instance), so a host with a load balancer gets three agent segments and a host without one gets a
single segment.

``instance_lifecycle_events`` turns what is known of each event (the agent's reports and the
control plane's own steps) into the ``LifecycleEvent`` list the API returns for an instance: in the
sequence's order, with every event after a failure Skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from rollwright.agent_protocol import EventOutcome, EventReport
from rollwright.lifecycle import (
    AGENT_EVENTS,
    IGNORABLE_STOP_EVENTS,
    IN_PLACE_WITH_TRAFFIC,
    IN_PLACE_WITHOUT_TRAFFIC,
    TERMINATION_WITH_TRAFFIC,
    TERMINATION_WITHOUT_TRAFFIC,
    LifecycleErrorCode,
    LifecycleEvent,
    LifecycleEventStatus,
)


class SegmentActor(StrEnum):
    AGENT = "Agent"
    CONTROL_PLANE = "ControlPlane"


@dataclass(frozen=True)
class LifecycleSegment:
    actor: SegmentActor
    events: tuple[LifecycleEvent, ...]


def in_place_events(
    *, with_load_balancer: bool, termination: bool = False
) -> tuple[LifecycleEvent, ...]:
    """An in-place host's sequence; ``termination``: an Auto Scaling termination deployment's."""
    if termination:
        return TERMINATION_WITH_TRAFFIC if with_load_balancer else TERMINATION_WITHOUT_TRAFFIC
    return IN_PLACE_WITH_TRAFFIC if with_load_balancer else IN_PLACE_WITHOUT_TRAFFIC


def lifecycle_segments(
    *, with_load_balancer: bool, termination: bool = False
) -> tuple[LifecycleSegment, ...]:
    """The in-place sequence cut into runs of agent events and control-plane events."""
    return segments_of(
        in_place_events(with_load_balancer=with_load_balancer, termination=termination)
    )


def segments_of(sequence: Sequence[LifecycleEvent]) -> tuple[LifecycleSegment, ...]:
    """Any event sequence cut into runs of agent events and control-plane events (also the
    blue/green phases, ``blue_green``)."""
    segments: list[LifecycleSegment] = []
    for event in sequence:
        actor = SegmentActor.AGENT if event in AGENT_EVENTS else SegmentActor.CONTROL_PLANE
        # Control-plane events stay one per segment: each is its own workflow step.
        if segments and segments[-1].actor is actor is SegmentActor.AGENT:
            segments[-1] = LifecycleSegment(actor, (*segments[-1].events, event))
        else:
            segments.append(LifecycleSegment(actor, (event,)))
    return tuple(segments)


def agent_segments(
    *, with_load_balancer: bool, termination: bool = False
) -> tuple[tuple[LifecycleEvent, ...], ...]:
    """The event lists of the host commands, in the order they are sent."""
    return tuple(
        s.events
        for s in lifecycle_segments(with_load_balancer=with_load_balancer, termination=termination)
        if s.actor is SegmentActor.AGENT
    )


def next_segment(
    segments: Sequence[LifecycleSegment], after: LifecycleSegment | None
) -> LifecycleSegment | None:
    """The segment that follows ``after`` (the first one for None); None after the last."""
    index = 0 if after is None else list(segments).index(after) + 1
    return segments[index] if index < len(segments) else None


def skipped_after(
    sequence: Sequence[LifecycleEvent], failed: LifecycleEvent
) -> tuple[LifecycleEvent, ...]:
    """The events that never run on a host once ``failed`` has failed: all that follow it,
    End included (a failed instance stays deregistered from its load balancers)."""
    return tuple(sequence[list(sequence).index(failed) + 1 :])


# --- reading back -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnostics:
    """CodeDeploy's ``Diagnostics`` of a lifecycle event."""

    error_code: LifecycleErrorCode
    script_name: str = ""
    message: str = ""
    log_tail: str = ""


@dataclass(frozen=True)
class EventProgress:
    """One thing known about an event: it started (InProgress) or how it ended, and when."""

    event: LifecycleEvent
    outcome: EventOutcome
    at: datetime
    diagnostics: Diagnostics | None = None


@dataclass(frozen=True)
class InstanceLifecycleEvent:
    """CodeDeploy's ``LifecycleEvent`` shape for an instance."""

    name: LifecycleEvent
    status: LifecycleEventStatus
    start_time: datetime | None = None
    end_time: datetime | None = None
    diagnostics: Diagnostics | None = None


LOST_HOST_DIAGNOSTICS = Diagnostics(
    LifecycleErrorCode.UNKNOWN_ERROR,
    message="The host stopped reporting before the event finished.",
)


def progress_from_report(report: EventReport) -> EventProgress:
    diagnostics = None
    if report.outcome is not EventOutcome.IN_PROGRESS:
        diagnostics = Diagnostics(
            report.error_code, report.script_name, report.message, report.log_tail
        )
    return EventProgress(
        event=report.lifecycle_event,
        outcome=report.outcome,
        at=datetime.fromtimestamp(report.at, UTC),
        diagnostics=diagnostics,
    )


_ENDED = {
    EventOutcome.SUCCEEDED: LifecycleEventStatus.SUCCEEDED,
    EventOutcome.FAILED: LifecycleEventStatus.FAILED,
    EventOutcome.SKIPPED: LifecycleEventStatus.SKIPPED,
}


def instance_lifecycle_events(
    sequence: Sequence[LifecycleEvent],
    progress: Iterable[EventProgress],
    *,
    instance_ended: bool = False,
    ignore_application_stop_failures: bool = False,
) -> tuple[InstanceLifecycleEvent, ...]:
    """The instance's events for the API, whatever order (or how many times) reports came in.

    An event's first ending (by time) counts, later contradicting ones do not. After a failed
    event, events with no ending of their own are Skipped, except after a failure that
    ``ignoreApplicationStopFailures`` forgives (the agent goes on). Once the instance has ended,
    an event still running failed with the host, and a pending one is Skipped.
    """
    forgiven: frozenset[LifecycleEvent] = (
        IGNORABLE_STOP_EVENTS if ignore_application_stop_failures else frozenset()
    )
    events = [_event(name, progress_of) for name, progress_of in _by_event(sequence, progress)]
    shown: list[InstanceLifecycleEvent] = []
    failed = False
    for known in events:
        event = _as_shown(known, after_failure=failed, instance_ended=instance_ended)
        failed = failed or (
            event.status is LifecycleEventStatus.FAILED and event.name not in forgiven
        )
        shown.append(event)
    return tuple(shown)


def _by_event(
    sequence: Sequence[LifecycleEvent], progress: Iterable[EventProgress]
) -> list[tuple[LifecycleEvent, list[EventProgress]]]:
    known: dict[LifecycleEvent, list[EventProgress]] = {name: [] for name in sequence}
    for item in progress:
        if item.event in known:  # a report for an event outside the sequence is ignored
            known[item.event].append(item)
    # Ties in time are broken on content, so the report order never matters (Failed first).
    return [(name, sorted(known[name], key=_report_order)) for name in sequence]


def _report_order(item: EventProgress) -> tuple[datetime, str, str]:
    return (item.at, item.outcome.value, repr(item.diagnostics))


def _event(name: LifecycleEvent, progress: list[EventProgress]) -> InstanceLifecycleEvent:
    started = [p for p in progress if p.outcome is EventOutcome.IN_PROGRESS]
    ended = [p for p in progress if p.outcome is not EventOutcome.IN_PROGRESS]
    if ended:
        end = ended[0]
        start_time = started[0].at if started and started[0].at <= end.at else end.at
        return InstanceLifecycleEvent(
            name, _ENDED[end.outcome], start_time, end.at, end.diagnostics
        )
    if started:
        return InstanceLifecycleEvent(name, LifecycleEventStatus.IN_PROGRESS, started[0].at)
    return InstanceLifecycleEvent(name, LifecycleEventStatus.PENDING)


def _as_shown(
    event: InstanceLifecycleEvent, *, after_failure: bool, instance_ended: bool
) -> InstanceLifecycleEvent:
    if after_failure and event.end_time is None:
        return InstanceLifecycleEvent(event.name, LifecycleEventStatus.SKIPPED)
    if instance_ended and event.status is LifecycleEventStatus.IN_PROGRESS:
        return InstanceLifecycleEvent(
            event.name,
            LifecycleEventStatus.FAILED,
            start_time=event.start_time,
            diagnostics=LOST_HOST_DIAGNOSTICS,
        )
    if instance_ended and event.status is LifecycleEventStatus.PENDING:
        return InstanceLifecycleEvent(event.name, LifecycleEventStatus.SKIPPED)
    return event
