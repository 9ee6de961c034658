"""One host's way through its agent segments: commands out, reports in, silence noticed.

The control plane sends a host one segment at a time (``deployment_plan``). This module decides,
for one host, what an event report means (``effect_of_report``: nothing yet, the next segment, or
the host's result), whether a silent host is lost (``host_is_lost``), and what the next host
command says (``segment_command``); a batch of reports is taken one command's run at a time
(``runs_by_command``). Each is a pure function of the host's stored record, so a
report handler and the dead-host sweep decide alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rollwright.agent_protocol import (
    EventOutcome,
    EventReport,
    FileExistsBehavior,
    HostCommand,
    Revision,
)
from rollwright.deployment_plan import LIFECYCLE_EVENT_MAX_SECONDS, HostLimits
from rollwright.lifecycle import LifecycleEvent
from rollwright.rollout import InstanceStatus


class ReportEffect(StrEnum):
    """What an event report does to its host's rollout."""

    NONE = "None"  # progress only (a start, a middle event, a stale or repeated report)
    NEXT_SEGMENT = "NextSegment"  # the segment's last event succeeded and another segment follows
    SUCCEEDED = "Succeeded"  # the last segment's last event succeeded
    FAILED = "Failed"  # an event of the running segment failed


@dataclass(frozen=True)
class TrafficStep:
    """A control-plane event (BlockTraffic or AllowTraffic) under way on a host: its load
    balancer change was made and is waited for until ``deadline`` (epoch seconds)."""

    event: LifecycleEvent
    deadline: float


@dataclass(frozen=True)
class HostRecord:
    """What the control plane keeps of a host while it deploys (the target item)."""

    deployment_id: str
    host_id: str
    position: int
    status: InstanceStatus
    segments: tuple[tuple[LifecycleEvent, ...], ...]
    segment_index: int = 0  # the segment dispatched last (meaningful once InProgress)
    command_id: str = ""  # the command of that segment
    segment_started: bool = False  # whether any report of that segment arrived
    dispatched_at: float = 0.0
    last_seen_at: float = 0.0  # the last dispatch, report or heartbeat
    traffic: TrafficStep | None = None  # between agent segments, while the control plane acts


@dataclass(frozen=True)
class DeploymentCommandSettings:
    """The deployment's part of every host command."""

    deployment_id: str
    deployment_group_id: str
    deployment_group_name: str
    application_name: str
    revision: Revision
    file_exists_behavior: FileExistsBehavior
    ignore_application_stop_failures: bool
    creator: str
    deployment_type: str = "IN_PLACE"  # BLUE_GREEN: the agent's blue/green rollback mapping
    # The blue/green pass under way (``blue_green_rollout``): part of every command id, since a
    # pass starts its hosts' segments at 0 again and the agent never runs a command id twice.
    rollout_pass: str = ""


def command_id(deployment_id: str, host_id: str, segment_index: int, rollout_pass: str = "") -> str:
    """The id of one segment's command: the same on every retry, so the agent's journal never
    runs a segment twice."""
    if rollout_pass:
        return f"{deployment_id}.{host_id}.{rollout_pass}.{segment_index}"
    return f"{deployment_id}.{host_id}.{segment_index}"


def segment_command(
    settings: DeploymentCommandSettings,
    *,
    host_id: str,
    segments: tuple[tuple[LifecycleEvent, ...], ...],
    segment_index: int,
    dispatched_at: float,
    limits: HostLimits,
) -> HostCommand:
    """The host command of segment ``segment_index``. Its deadline leaves the agent the start
    limit to pick it up and each event its hour (reference §9); past it the agent refuses to
    start an event, because the control plane has failed the host by then."""
    events = segments[segment_index]
    return HostCommand(
        command_id=command_id(
            settings.deployment_id, host_id, segment_index, settings.rollout_pass
        ),
        deployment_id=settings.deployment_id,
        deployment_group_id=settings.deployment_group_id,
        deployment_group_name=settings.deployment_group_name,
        application_name=settings.application_name,
        host_id=host_id,
        lifecycle_events=events,
        revision=settings.revision,
        deadline=int(dispatched_at)
        + limits.start_seconds
        + len(events) * LIFECYCLE_EVENT_MAX_SECONDS,
        file_exists_behavior=settings.file_exists_behavior,
        ignore_application_stop_failures=settings.ignore_application_stop_failures,
        deployment_creator=settings.creator,
        deployment_type=settings.deployment_type,
    )


def effect_of_report(host: HostRecord, report: EventReport) -> ReportEffect:
    """What ``report`` does to ``host``: only the end of an event of the running segment's
    command counts; a report of an earlier segment, of an ended host, or a start is progress."""
    if host.status is not InstanceStatus.IN_PROGRESS or report.command_id != host.command_id:
        return ReportEffect.NONE
    events = host.segments[host.segment_index]
    if report.lifecycle_event not in events or report.outcome is EventOutcome.IN_PROGRESS:
        return ReportEffect.NONE
    if report.outcome is EventOutcome.FAILED:
        return ReportEffect.FAILED
    if report.lifecycle_event is not events[-1]:
        return ReportEffect.NONE
    if host.segment_index + 1 < len(host.segments):
        return ReportEffect.NEXT_SEGMENT
    return ReportEffect.SUCCEEDED


def host_is_lost(host: HostRecord, *, now: float, limits: HostLimits) -> bool:
    """Whether a host in progress is dead: its segment never started within the start limit,
    or it has been silent (no report, no heartbeat) for the heartbeat limit. A host whose
    traffic step is under way is not running anything: its step's own deadline applies."""
    if host.status is not InstanceStatus.IN_PROGRESS or host.traffic is not None:
        return False
    if not host.segment_started:
        return now - host.dispatched_at > limits.start_seconds
    return now - host.last_seen_at > limits.heartbeat_seconds


def runs_by_command(reports: Sequence[EventReport]) -> list[list[EventReport]]:
    """Consecutive reports of one command together, in their order."""
    runs: list[list[EventReport]] = []
    for report in reports:
        if runs and (runs[-1][0].deployment_id, runs[-1][0].command_id) == (
            report.deployment_id,
            report.command_id,
        ):
            runs[-1].append(report)
        else:
            runs.append([report])
    return runs
