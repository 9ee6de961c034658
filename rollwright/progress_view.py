"""What ``rollwright deploy --wait`` and ``rollwright status`` show: pure functions from one
snapshot of a deployment (GetDeployment plus its targets from BatchGetDeploymentTargets) to a rich
renderable, to plain lines for what changed since the previous snapshot, and to the failure
summary. No I/O here; ``deployment_watch`` polls and prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rollwright.lifecycle import LifecycleEvent

ENDED_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})
OVERVIEW_ORDER = ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready")
# One symbol and colour per status, shared by deployments, hosts and lifecycle events.
SYMBOLS: Mapping[str, tuple[str, str]] = {
    "Pending": ("·", "dim"),
    "Created": ("·", "dim"),
    "Queued": ("·", "dim"),
    "Ready": ("·", "dim"),
    "InProgress": ("▶", "bold yellow"),
    "Baking": ("▶", "yellow"),
    "Succeeded": ("✓", "green"),
    "Failed": ("✗", "bold red"),
    "Stopped": ("■", "red"),
    "Skipped": ("-", "dim"),
    "Unknown": ("?", "magenta"),
}
_EVENT_ORDER = {event.value: position for position, event in enumerate(LifecycleEvent)}
_LOG_TAIL_LINES = 5


@dataclass(frozen=True)
class EventState:
    """One lifecycle event on one host."""

    name: str
    status: str
    error_code: str = ""
    script_name: str = ""
    message: str = ""
    log_tail: str = ""


@dataclass(frozen=True)
class HostState:
    """One deployment target (an instance, by its target id)."""

    target_id: str
    status: str
    events: tuple[EventState, ...] = ()

    def failed_event(self) -> EventState | None:
        return next((event for event in self.events if event.status == "Failed"), None)


@dataclass(frozen=True)
class DeploymentSnapshot:
    deployment_id: str
    status: str
    application_name: str = ""
    deployment_group_name: str = ""
    overview: Mapping[str, int] = field(default_factory=dict)
    error_code: str = ""
    error_message: str = ""
    rollback_deployment_id: str = ""
    rollback_message: str = ""
    hosts: tuple[HostState, ...] = ()

    @property
    def ended(self) -> bool:
        return self.status in ENDED_STATUSES

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"


def snapshot_from(
    deployment_info: Mapping[str, Any], targets: Sequence[Mapping[str, Any]]
) -> DeploymentSnapshot:
    """A snapshot from GetDeployment's ``deploymentInfo`` and BatchGetDeploymentTargets'
    ``deploymentTargets`` (instance targets; other target types are shown by their status)."""
    error = deployment_info.get("errorInformation") or {}
    rollback = deployment_info.get("rollbackInfo") or {}
    hosts = sorted((_host_state(target) for target in targets), key=lambda host: host.target_id)
    return DeploymentSnapshot(
        deployment_id=str(deployment_info["deploymentId"]),
        status=str(deployment_info.get("status", "Unknown")),
        application_name=str(deployment_info.get("applicationName", "")),
        deployment_group_name=str(deployment_info.get("deploymentGroupName", "")),
        overview={
            name: int(count)
            for name, count in (deployment_info.get("deploymentOverview") or {}).items()
        },
        error_code=str(error.get("code", "")),
        error_message=str(error.get("message", "")),
        rollback_deployment_id=str(rollback.get("rollbackDeploymentId", "")),
        rollback_message=str(rollback.get("rollbackMessage", "")),
        hosts=tuple(hosts),
    )


def _host_state(target: Mapping[str, Any]) -> HostState:
    detail: Mapping[str, Any] = next(
        (
            target[kind]
            for kind in ("instanceTarget", "lambdaTarget", "ecsTarget", "cloudFormationTarget")
            if kind in target
        ),
        {},
    )
    events = tuple(
        EventState(
            name=str(event["lifecycleEventName"]),
            status=str(event.get("status", "Unknown")),
            error_code=str((event.get("diagnostics") or {}).get("errorCode", "")),
            script_name=str((event.get("diagnostics") or {}).get("scriptName", "")),
            message=str((event.get("diagnostics") or {}).get("message", "")),
            log_tail=str((event.get("diagnostics") or {}).get("logTail", "")),
        )
        for event in detail.get("lifecycleEvents", [])
    )
    return HostState(
        target_id=str(detail.get("targetId", "")),
        status=str(detail.get("status", "Unknown")),
        events=events,
    )


def event_columns(snapshot: DeploymentSnapshot) -> list[str]:
    """Every lifecycle event any host has, in CodeDeploy's order (unknown names last)."""
    names = dict.fromkeys(event.name for host in snapshot.hosts for event in host.events)
    return sorted(names, key=lambda name: _EVENT_ORDER.get(name, len(_EVENT_ORDER)))


def status_text(status: str, *, with_name: bool = False) -> Text:
    symbol, style = SYMBOLS.get(status, ("?", "magenta"))
    return Text(f"{symbol} {status}" if with_name else symbol, style=style)


def overview_text(snapshot: DeploymentSnapshot) -> str:
    return ", ".join(
        f"{name} {snapshot.overview[name]}" for name in OVERVIEW_ORDER if name in snapshot.overview
    )


def render(snapshot: DeploymentSnapshot) -> RenderableType:
    """The live view: a heading, one row per host with a column per lifecycle event, the
    overview, and the error once there is one."""
    heading = Text.assemble(
        (snapshot.deployment_id, "bold"),
        f"  {snapshot.application_name}/{snapshot.deployment_group_name}  ",
        status_text(snapshot.status, with_name=True),
    )
    parts: list[RenderableType] = [heading]
    if snapshot.hosts:
        columns = event_columns(snapshot)
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
        table.add_column("Host", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        for name in columns:
            table.add_column(name, justify="center")
        for host in snapshot.hosts:
            by_name = {event.name: event.status for event in host.events}
            table.add_row(
                host.target_id,
                status_text(host.status, with_name=True),
                *(status_text(by_name[name]) if name in by_name else Text("") for name in columns),
            )
        parts.append(table)
    elif not snapshot.ended:
        parts.append(Text("waiting for the deployment's targets…", style="dim"))
    if snapshot.overview:
        parts.append(Text(overview_text(snapshot), style="dim"))
    if snapshot.error_code:
        parts.append(Text(f"{snapshot.error_code}: {snapshot.error_message}", style="red"))
    return Group(*parts)


def progress_changes(previous: DeploymentSnapshot | None, current: DeploymentSnapshot) -> list[str]:
    """Plain lines for what changed (for output that is not a terminal)."""
    lines: list[str] = []
    before_hosts = {host.target_id: host for host in previous.hosts} if previous else {}
    for host in current.hosts:
        before = before_hosts.get(host.target_id)
        before_events = {event.name: event.status for event in before.events} if before else {}
        for event in host.events:
            if before_events.get(event.name, "Pending") != event.status:
                lines.append(f"{host.target_id} {event.name} {event.status}")
        if (before.status if before else "Pending") != host.status:
            lines.append(f"{host.target_id} {host.status}")
    if previous is None or (previous.status, previous.overview) != (
        current.status,
        current.overview,
    ):
        overview = overview_text(current)
        lines.append(
            f"{current.deployment_id} {current.status}" + (f" ({overview})" if overview else "")
        )
    return lines


def outcome_lines(snapshot: DeploymentSnapshot) -> list[str]:
    """What is said once the deployment has ended: why it failed, where, and its rollback."""
    if snapshot.succeeded:
        return [f"{snapshot.deployment_id} Succeeded"]
    lines = [f"{snapshot.deployment_id} {snapshot.status}"]
    if snapshot.error_code:
        lines.append(f"{snapshot.error_code}: {snapshot.error_message}")
    for host in snapshot.hosts:
        event = host.failed_event()
        if host.status != "Failed" or event is None:
            continue
        cause = f"{host.target_id}: {event.name} failed"
        if event.error_code:
            cause += f" ({event.error_code})"
        if event.script_name:
            cause += f" in {event.script_name}"
        if event.message:
            cause += f": {event.message}"
        lines.append(cause)
        tail = event.log_tail.strip().splitlines()[-_LOG_TAIL_LINES:]
        lines.extend(f"    {line}" for line in tail)
    if snapshot.rollback_deployment_id:
        lines.append(f"rollback deployment: {snapshot.rollback_deployment_id}")
    elif snapshot.rollback_message:
        # No rollback deployment: why (or, for Lambda, that the traffic shift back was it).
        lines.append(f"rollback: {snapshot.rollback_message}")
    return lines
