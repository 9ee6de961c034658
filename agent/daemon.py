"""The agent's worker loop (``rollwright-agent run``).

    start: report what a previous run left in flight (executor.recover)
    loop:  long-poll the host queue → run the command through the executor → deliver its reports
           → delete the message

One command at a time: the queue is not polled while a command runs, so a copy that SQS delivers
again meanwhile waits in the queue and then finds the command in the executor's journal (its hooks
never run twice). While a command runs, three background actions accompany it: extending the
message's visibility, heartbeats, and flushing hook output to CloudWatch Logs. While idle the agent
makes one call at a time, the long poll, and nothing else.

Shutdown: the first SIGTERM or SIGINT is warm: no new command is taken and the running event is
finished; the executor then pauses the command before its next event and the message is released,
so the restarted agent resumes the segment where it stopped; a poll still waiting is abandoned (a
command it brings back is released to the queue). A second signal, or ``shutdown_grace_seconds``
after the first, is cold: ``ColdShutdown`` unwinds the running event at once, and the next start
reports it Failed (executor.recover).
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from agent.backoff import ErrorBackoff
from agent.executor import Executor
from agent.log_shipper import HookLogShipper
from agent.periodic import PeriodicAction
from agent.poller import CommandPoller, QueueMissingError, ReceivedCommand
from agent.report_queue import EventReportQueue
from agent.reporter import AgentApiReporter
from agent.status import AgentState, AgentStatus, StatusFile
from rollwright.agent_protocol import EventOutcome, EventReport, Heartbeat
from rollwright.lifecycle import LifecycleEvent

logger = logging.getLogger(__name__)

SHUTDOWN_CHECK_SECONDS = 0.2
# How often an agent whose queue does not exist yet looks for it (a GetQueueUrl each time).
QUEUE_MISSING_RETRY_SECONDS = 5.0
COLD_EXIT_STATUS = 1


class ColdShutdown(BaseException):
    """Raised in the main thread by a second signal: stop now, wherever the agent is.

    A ``BaseException`` so that no ``except Exception`` on the way up swallows it.
    """


class AgentDaemon:
    def __init__(
        self,
        *,
        host_id: str,
        poller: CommandPoller,
        executor: Executor,
        reporter: AgentApiReporter,
        log_shipper: HookLogShipper,
        status_file: StatusFile,
        visibility_extension_seconds: float,
        heartbeat_interval_seconds: float,
        log_flush_interval_seconds: float,
        error_backoff_cap_seconds: float = 90.0,
        shutdown_grace_seconds: float = 3600.0,
        stop: threading.Event | None = None,
    ) -> None:
        self._host_id = host_id
        self._poller = poller
        self._executor = executor
        self._reporter = reporter
        # Event reports go behind the hooks, batched (protocol 1.1); heartbeats go directly.
        self._event_reports = EventReportQueue(reporter)
        self._log_shipper = log_shipper
        self._status_file = status_file
        self._visibility_extension = visibility_extension_seconds
        self._heartbeat_interval = heartbeat_interval_seconds
        self._log_flush_interval = log_flush_interval_seconds
        self._shutdown_grace = shutdown_grace_seconds
        # Shared with the reporter's backoff (``build_daemon``) so a shutdown also cuts a report's
        # retries short.
        self._stop = stop or threading.Event()
        self._backoff = ErrorBackoff(error_backoff_cap_seconds, self._stop)
        self._queue_missing_logged = False
        self._command: ReceivedCommand | None = None
        self._event: LifecycleEvent | None = None

    # --- control ---

    def install_signal_handlers(self) -> None:
        """Warm shutdown on the first SIGTERM/SIGINT, cold on the second (main thread only)."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def request_shutdown(self) -> None:
        """Warm shutdown: take no new command, finish the running one."""
        if self._stop.is_set():
            return
        logger.info("warm shutdown: finishing the running command, taking no new one")
        self._stop.set()
        self._event_reports.stop_lingering()
        self._write_status(AgentState.STOPPING)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stop.is_set():
            logger.warning("second signal %s: cold shutdown", signal.Signals(signum).name)
            raise ColdShutdown(signum)
        self.request_shutdown()
        if self._command is not None and self._shutdown_grace > 0:
            # The grace ends as a second signal would: with a cold shutdown.
            timer = threading.Timer(
                self._shutdown_grace, lambda: os.kill(os.getpid(), signal.SIGTERM)
            )
            timer.daemon = True
            timer.start()

    # --- the loop ---

    def run(self) -> int:
        """Run until shut down; the exit status: 0 after a warm shutdown, 1 after a cold one."""
        try:
            self._write_status(AgentState.STARTING)
            self._executor.recover(self._event_reporter())
            self._event_reports.flush()
            while not self._stop.is_set():
                received = self._next_command()
                if received is not None:
                    self._run_command(received)
            return 0
        except ColdShutdown:
            return COLD_EXIT_STATUS
        finally:
            self._log_shipper.flush()
            self._status_file.remove()
            logger.info("stopped")

    def _next_command(self) -> ReceivedCommand | None:
        self._write_status(AgentState.IDLE)
        # The long poll runs on its own thread so that a shutdown while idle need not wait up to
        # 20 seconds for it to return.
        answer: queue.Queue[ReceivedCommand | BaseException | None] = queue.Queue(maxsize=1)
        threading.Thread(
            target=lambda: answer.put(self._receive()), name="long-poll", daemon=True
        ).start()
        while True:
            try:
                outcome = answer.get(timeout=SHUTDOWN_CHECK_SECONDS)
                break
            except queue.Empty:
                if self._stop.is_set():
                    return None  # the abandoned poll releases whatever it brings back
        if isinstance(outcome, QueueMissingError):
            # Not an error: no deployment has targeted this host yet. Look again soon, so that
            # the first command starts within seconds (the control plane's start limit).
            if not self._queue_missing_logged:
                logger.info("waiting for host queue %s (a first deployment creates it)", outcome)
                self._queue_missing_logged = True
            self._stop.wait(QUEUE_MISSING_RETRY_SECONDS)
            return None
        if isinstance(outcome, BaseException):
            logger.warning("polling the host queue failed: %s", outcome)
            self._backoff.wait()
            return None
        self._backoff.reset()
        return outcome

    def _receive(self) -> ReceivedCommand | BaseException | None:
        try:
            received = self._poller.receive()
        except Exception as error:
            return error  # the loop logs it and backs off
        if received is not None and self._stop.is_set():
            # Taken after the shutdown began: hand it back now rather than after its visibility
            # timeout. (If the process exits first, SQS brings it back after that timeout.)
            self._poller.release(received)
            return None
        return received

    def _run_command(self, received: ReceivedCommand) -> None:
        command = received.command
        logger.info(
            "running command %s of deployment %s: %s",
            command.command_id,
            command.deployment_id,
            ", ".join(event.value for event in command.lifecycle_events),
        )
        self._command, self._event = received, None
        self._write_status(AgentState.RUNNING)
        try:
            with (
                PeriodicAction(
                    "visibility-extension",
                    self._visibility_extension,
                    lambda: self._poller.extend(received),
                ),
                PeriodicAction("heartbeat", self._heartbeat_interval, self._send_heartbeat),
                PeriodicAction("log-flush", self._log_flush_interval, self._log_shipper.flush),
            ):
                outcome = self._executor.execute(command, self._event_reporter(), self._stop)
        except Exception:
            # A defect, not a failed event (those come back as an outcome). The message is left
            # to come back after its visibility timeout, when the journal settles the command.
            logger.exception("command %s could not be run", command.command_id)
            self._backoff.wait()
            return
        finally:
            self._command, self._event = None, None
            self._log_shipper.flush()
        # The message goes (or comes back) only once the control plane has the reports. (Not on
        # a cold shutdown: it leaves at once, and the restart reports the event in flight.)
        self._event_reports.flush()
        if outcome.paused:
            # Shutting down between two events: the rest of the segment runs after the restart,
            # when the message comes back (now, not after its visibility timeout).
            logger.info("command %s paused for shutdown", command.command_id)
            self._poller.release(received)
            return
        logger.info(
            "command %s %s%s",
            command.command_id,
            "succeeded" if outcome.succeeded else "failed",
            " (already run: its reports were sent again)" if outcome.duplicate else "",
        )
        try:
            self._poller.delete(received)
        except Exception as error:  # a copy that comes back is settled by the journal
            logger.warning("could not delete command %s: %s", command.command_id, error)

    def _send_heartbeat(self) -> None:
        received = self._command
        if received is None:
            return
        self._reporter.heartbeat(
            Heartbeat(
                command_id=received.command.command_id,
                deployment_id=received.command.deployment_id,
                host_id=self._host_id,
                lifecycle_event=self._event,
            )
        )

    def _event_reporter(self) -> _DaemonEventReporter:
        return _DaemonEventReporter(self._event_reports, self._log_shipper, self._event_started)

    def _event_started(self, event: LifecycleEvent) -> None:
        self._event = event
        self._write_status(AgentState.STOPPING if self._stop.is_set() else AgentState.RUNNING)

    def _write_status(self, state: AgentState) -> None:
        received = self._command
        try:
            self._status_file.write(
                AgentStatus(
                    pid=os.getpid(),
                    state=state,
                    since=time.time(),
                    host_id=self._host_id,
                    command_id=received.command.command_id if received else "",
                    deployment_id=received.command.deployment_id if received else "",
                    lifecycle_event=self._event.value if self._event else "",
                )
            )
        except OSError as error:
            logger.warning("could not write the status file %s: %s", self._status_file.path, error)


class _DaemonEventReporter:
    """The executor's ``EventReporter`` as the daemon wires it: it follows the running event (for
    heartbeats and the status file) and flushes hook output before an event's end is reported,
    so the output is in CloudWatch Logs when the control plane sees the result."""

    def __init__(
        self,
        reporter: EventReportQueue,
        log_shipper: HookLogShipper,
        event_started: Callable[[LifecycleEvent], None],
    ) -> None:
        self._reporter = reporter
        self._log_shipper = log_shipper
        self._event_started = event_started

    def report(self, report: EventReport) -> None:
        if report.outcome is EventOutcome.IN_PROGRESS:
            self._event_started(report.lifecycle_event)
        else:
            self._log_shipper.flush()
        self._reporter.report(report)
