"""Per-command progress under the deployment root, so restarts and redeliveries are safe.

``ongoing-deployment/<commandId>.json`` names the event in flight (written before an event starts,
removed when its end is recorded); ``completed-commands/<commandId>.json`` holds a finished
command's end reports; ``paused-commands/<commandId>.json`` the end reports of a command whose
segment a warm shutdown stopped between two events, so its redelivery resumes after them. SQS
delivers at least once and agents restart: a completed command is never
run again (its reports are sent again instead), and an event found in flight at start-up was cut
short by a crash, which CodeDeploy reports as a failure.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from agent.deployment_root import DeploymentRoot
from rollwright.agent_protocol import (
    EventReport,
    InvalidAgentMessageError,
    event_report_document,
    read_event_report,
)
from rollwright.lifecycle import LifecycleEvent

# Completed records older than this are pruned: the control plane has long stopped redelivering.
COMPLETED_RETENTION_SECONDS = 7 * 24 * 3600
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class EventInFlight:
    command_id: str
    deployment_id: str
    host_id: str
    lifecycle_event: LifecycleEvent
    started_at: float
    earlier_reports: tuple[EventReport, ...] = ()  # end reports of the segment's earlier events


class CommandJournal:
    def __init__(self, root: DeploymentRoot) -> None:
        self._root = root

    def completed(self, command_id: str) -> tuple[EventReport, ...] | None:
        """The end reports of a finished command, or None if it never finished here."""
        record = self._completed_path(command_id)
        if not record.is_file():
            return None
        try:
            document = json.loads(record.read_text())
            return tuple(read_event_report(report) for report in document["reports"])
        except (ValueError, KeyError, TypeError, InvalidAgentMessageError):
            # A torn record cannot happen (atomic writes); a hand-edited one is treated as done
            # with no reports rather than run again.
            return ()

    def record_completed(self, command_id: str, reports: tuple[EventReport, ...]) -> None:
        document = {
            "commandId": command_id,
            "reports": [event_report_document(report) for report in reports],
        }
        self._root.write_atomically(self._completed_path(command_id), json.dumps(document))
        self._ongoing_path(command_id).unlink(missing_ok=True)
        self._paused_path(command_id).unlink(missing_ok=True)

    def paused(self, command_id: str) -> tuple[EventReport, ...]:
        """The end reports of the events a paused command already ran; () if it never paused."""
        record = self._paused_path(command_id)
        if not record.is_file():
            return ()
        try:
            document = json.loads(record.read_text())
            return tuple(read_event_report(report) for report in document["reports"])
        except (ValueError, KeyError, TypeError, InvalidAgentMessageError):
            record.unlink(missing_ok=True)  # unreadable: the segment runs again from its start
            return ()

    def record_paused(self, command_id: str, reports: tuple[EventReport, ...]) -> None:
        document = {
            "commandId": command_id,
            "reports": [event_report_document(report) for report in reports],
        }
        self._root.write_atomically(self._paused_path(command_id), json.dumps(document))

    def record_started(self, event: EventInFlight) -> None:
        document = {
            "commandId": event.command_id,
            "deploymentId": event.deployment_id,
            "hostId": event.host_id,
            "lifecycleEvent": event.lifecycle_event.value,
            "startedAt": event.started_at,
            "earlierReports": [event_report_document(r) for r in event.earlier_reports],
        }
        self._root.write_atomically(self._ongoing_path(event.command_id), json.dumps(document))

    def record_ended(self, command_id: str) -> None:
        self._ongoing_path(command_id).unlink(missing_ok=True)

    def in_flight(self) -> tuple[EventInFlight, ...]:
        directory = self._root.ongoing_directory
        if not directory.is_dir():
            return ()
        found = []
        for record in sorted(directory.glob("*.json")):
            try:
                document = json.loads(record.read_text())
                found.append(
                    EventInFlight(
                        command_id=str(document["commandId"]),
                        deployment_id=str(document["deploymentId"]),
                        host_id=str(document["hostId"]),
                        lifecycle_event=LifecycleEvent(document["lifecycleEvent"]),
                        started_at=float(document["startedAt"]),
                        earlier_reports=tuple(
                            read_event_report(r) for r in document.get("earlierReports", [])
                        ),
                    )
                )
            except (ValueError, KeyError, TypeError, InvalidAgentMessageError):
                record.unlink(missing_ok=True)  # unreadable: nothing can be reported for it
        return tuple(found)

    def event_in_flight(self, command_id: str) -> EventInFlight | None:
        return next((e for e in self.in_flight() if e.command_id == command_id), None)

    def prune(self, now: float) -> None:
        directory = self._root.completed_directory
        if not directory.is_dir():
            return
        for record in directory.glob("*.json"):
            if now - record.stat().st_mtime > COMPLETED_RETENTION_SECONDS:
                record.unlink(missing_ok=True)

    def _completed_path(self, command_id: str) -> Path:
        return self._root.completed_directory / f"{_file_name(command_id)}.json"

    def _paused_path(self, command_id: str) -> Path:
        return self._root.paused_directory / f"{_file_name(command_id)}.json"

    def _ongoing_path(self, command_id: str) -> Path:
        return self._root.ongoing_directory / f"{_file_name(command_id)}.json"


def _file_name(command_id: str) -> str:
    if _SAFE_NAME.match(command_id) and not command_id.startswith("."):
        return command_id
    return hashlib.sha256(command_id.encode("utf-8")).hexdigest()
