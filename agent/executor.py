"""The executor: runs a host command's segment of lifecycle events in order.

DownloadBundle goes to the bundle module, Install to the installer, every other event to the hook
runner. Each event is reported when it starts (InProgress) and when it ends (Succeeded or Failed
with CodeDeploy's LifecycleErrorCode, script name, message and log tail). The segment stops at the
first failure; the events after it are not reported by the agent: the control plane marks them
Skipped, as CodeDeploy's service does (the outcome lists them for local mode).

Progress is journaled under the deployment root (``CommandJournal``): a command delivered again
after it finished re-sends its end reports and runs nothing; an event cut short by a restart is
reported Failed (UnknownError) by ``recover`` or by the redelivered command, never run twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent.bundle import BundleError, BundleSources, download_bundle
from agent.command_journal import CommandJournal, EventInFlight
from agent.deployment import Deployment
from agent.deployment_root import DEFAULT_MAX_REVISIONS, DeploymentRoot, InvalidIdentifierError
from agent.hook_runner import (
    KILL_GRACE_SECONDS,
    OUTPUT_GRACE_SECONDS,
    EventResult,
    HookOutput,
    HookRunner,
)
from agent.installer import Installer, InstallError
from rollwright.agent_protocol import (
    MESSAGE_LIMIT_CHARS,
    EventOutcome,
    EventReport,
    HostCommand,
)
from rollwright.appspec import InvalidAppSpecError
from rollwright.lifecycle import IGNORABLE_STOP_EVENTS, LifecycleErrorCode, LifecycleEvent

RESTARTED_MESSAGE = "the agent restarted while the event was running"


class EventReporter(Protocol):
    def report(self, report: EventReport) -> None: ...


@dataclass(frozen=True)
class CommandOutcome:
    command_id: str
    reports: tuple[EventReport, ...]  # one end report per event that ran, in order
    skipped: tuple[LifecycleEvent, ...] = ()  # not run because an earlier event failed
    duplicate: bool = False  # the command had already run here; nothing ran again
    paused: bool = False  # a stop came between two events; the rest runs when it is redelivered

    @property
    def failure(self) -> EventReport | None:
        return next((r for r in self.reports if r.outcome is EventOutcome.FAILED), None)

    @property
    def succeeded(self) -> bool:
        return self.failure is None


Handler = Callable[[Deployment, LifecycleEvent], EventResult]


class Executor:
    def __init__(
        self,
        *,
        root: Path,
        bundle_sources: BundleSources,
        hook_output: HookOutput,
        max_revisions: int = DEFAULT_MAX_REVISIONS,
        clock: Callable[[], float] = time.time,
        kill_grace_seconds: float = KILL_GRACE_SECONDS,
        output_grace_seconds: float = OUTPUT_GRACE_SECONDS,
    ) -> None:
        self.root = DeploymentRoot(root, max_revisions)
        self._sources = bundle_sources
        self._clock = clock
        self._journal = CommandJournal(self.root)
        self._installer = Installer(self.root)
        self._hooks = HookRunner(
            self.root, hook_output, clock, kill_grace_seconds, output_grace_seconds
        )
        self._handlers: dict[LifecycleEvent, Handler] = {
            LifecycleEvent.DOWNLOAD_BUNDLE: self._download_bundle,
            LifecycleEvent.INSTALL: self._install,
        }

    def execute(
        self, command: HostCommand, reporter: EventReporter, stop: threading.Event | None = None
    ) -> CommandOutcome:
        """Run the command's segment; when ``stop`` is set, pause before the next event."""
        return self.execute_deployment(
            Deployment.from_command(command), command.lifecycle_events, reporter, stop
        )

    def execute_deployment(
        self,
        deployment: Deployment,
        events: Sequence[LifecycleEvent],
        reporter: EventReporter,
        stop: threading.Event | None = None,
    ) -> CommandOutcome:
        command_id = deployment.command_id
        recorded = self._journal.completed(command_id)
        if recorded is not None:
            for report in recorded:
                reporter.report(report)
            return CommandOutcome(command_id, recorded, duplicate=True)
        interrupted = self._journal.event_in_flight(command_id)
        if interrupted is not None:
            report = self._report_interrupted(interrupted, reporter)
            return CommandOutcome(
                command_id, (*interrupted.earlier_reports, report), duplicate=True
            )
        # A redelivered command that a warm shutdown paused resumes after the events it ran.
        ended = list(self._journal.paused(command_id))
        for index, event in enumerate(events):
            if index < len(ended):
                continue
            if stop is not None and stop.is_set():
                self._journal.record_paused(command_id, tuple(ended))
                return CommandOutcome(command_id, tuple(ended), paused=True)
            report = self._run_event(deployment, event, tuple(ended), reporter)
            ended.append(report)
            if report.outcome is EventOutcome.FAILED:
                self._journal.record_completed(command_id, tuple(ended))
                return CommandOutcome(command_id, tuple(ended), tuple(events[index + 1 :]))
        self._journal.record_completed(command_id, tuple(ended))
        return CommandOutcome(command_id, tuple(ended))

    def recover(self, reporter: EventReporter) -> tuple[EventReport, ...]:
        """At agent start: reports every event a previous run left in flight as Failed."""
        self._journal.prune(self._clock())
        return tuple(
            self._report_interrupted(event, reporter) for event in self._journal.in_flight()
        )

    # --- one event ---

    def _run_event(
        self,
        deployment: Deployment,
        event: LifecycleEvent,
        earlier: tuple[EventReport, ...],
        reporter: EventReporter,
    ) -> EventReport:
        def report(outcome: EventOutcome, result: EventResult | None = None) -> EventReport:
            result = result or EventResult(LifecycleErrorCode.SUCCESS)
            return EventReport(
                command_id=deployment.command_id,
                deployment_id=deployment.deployment_id,
                host_id=deployment.host_id,
                lifecycle_event=event,
                outcome=outcome,
                error_code=result.error_code,
                script_name=result.script_name,
                message=result.message[:MESSAGE_LIMIT_CHARS],
                log_tail=result.log_tail,
                at=self._clock(),
            )

        if self._clock() > deployment.deadline:
            result = EventResult(
                LifecycleErrorCode.UNKNOWN_ERROR,
                message="the command's deadline passed before the event started",
            )
            end = report(EventOutcome.FAILED, result)
            reporter.report(end)
            return end
        self._journal.record_started(
            EventInFlight(
                command_id=deployment.command_id,
                deployment_id=deployment.deployment_id,
                host_id=deployment.host_id,
                lifecycle_event=event,
                started_at=self._clock(),
                earlier_reports=earlier,
            )
        )
        reporter.report(report(EventOutcome.IN_PROGRESS))
        result = self._handle(deployment, event)
        if (
            not result.succeeded
            and event in IGNORABLE_STOP_EVENTS
            and deployment.ignore_application_stop_failures
        ):
            result = EventResult(
                LifecycleErrorCode.SUCCESS,
                result.script_name,
                f"failure ignored (ignoreApplicationStopFailures): {result.message}",
                result.log_tail,
            )
        end = report(EventOutcome.SUCCEEDED if result.succeeded else EventOutcome.FAILED, result)
        reporter.report(end)
        self._journal.record_ended(deployment.command_id)
        return end

    def _handle(self, deployment: Deployment, event: LifecycleEvent) -> EventResult:
        handler = self._handlers.get(event, self._hooks.run_event)
        try:
            return handler(deployment, event)
        except (BundleError, InstallError, InvalidAppSpecError, InvalidIdentifierError) as error:
            return EventResult(LifecycleErrorCode.UNKNOWN_ERROR, message=str(error))
        except OSError as error:
            # A full disk or a vanished directory fails the event; it must not kill the agent.
            return EventResult(LifecycleErrorCode.UNKNOWN_ERROR, message=f"{event.value}: {error}")

    def _download_bundle(self, deployment: Deployment, event: LifecycleEvent) -> EventResult:
        group = deployment.deployment_group_id
        directory = self.root.create_revision_directory(group, deployment.deployment_id)
        self.root.prune_revisions(group, keep=directory)
        download_bundle(self._sources, deployment.revision, directory, deployment.appspec_filename)
        self.root.record_most_recent_install(group, directory)
        return EventResult(LifecycleErrorCode.SUCCESS)

    def _install(self, deployment: Deployment, event: LifecycleEvent) -> EventResult:
        group = deployment.deployment_group_id
        directory = self.root.revision_directory(group, deployment.deployment_id)
        spec = directory.appspec(deployment.appspec_filename)
        if spec is None:
            return EventResult(
                LifecycleErrorCode.UNKNOWN_ERROR,
                message=f"no {deployment.appspec_filename} in {directory.archive}: "
                "DownloadBundle has not run for this deployment",
            )
        self._installer.install(deployment, spec, directory)
        # Recorded here, not at the end of the deployment: CodeDeploy's rule (reference §5).
        self.root.record_last_successful_install(group, directory)
        return EventResult(LifecycleErrorCode.SUCCESS)

    # --- restarts ---

    def _report_interrupted(self, event: EventInFlight, reporter: EventReporter) -> EventReport:
        report = EventReport(
            command_id=event.command_id,
            deployment_id=event.deployment_id,
            host_id=event.host_id,
            lifecycle_event=event.lifecycle_event,
            outcome=EventOutcome.FAILED,
            error_code=LifecycleErrorCode.UNKNOWN_ERROR,
            message=RESTARTED_MESSAGE,
            at=self._clock(),
        )
        reporter.report(report)
        self._journal.record_completed(event.command_id, (*event.earlier_reports, report))
        return report
