"""Event reports sent behind the hooks, coalesced while a request is in flight (protocol 1.1).

The executor's ``report`` only queues: a sender thread delivers the queue in order, one request at
a time, and takes everything queued meanwhile as one batch (``POST /agent/v1.1/events``), so hooks
never wait on the agent API. Each report keeps the ``at`` the executor stamped on it, so the
control plane records the same start and end times as when every report was sent on its own.

A report first lingers (``linger_seconds``, half a second) for the reports of the next events to
join it, unless someone waits for it: ``flush`` sends at once. The daemon flushes when a command
ends (before deleting its message), so the report that ends a segment, the one the control plane
moves the rollout on with, never waits for the linger nor, usually, behind a request in flight;
and a segment of quick events costs one request instead of one per event or two.

``flush`` waits until everything queued has been delivered (or given up). A shutdown request
ends the lingering (``stop_lingering``): a second signal leaves at once, and should leave no
report behind that could have gone. The sender thread runs only while there is something to send.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from agent.reporter import AgentApiReporter
from rollwright.agent_protocol import BATCH_REPORT_LIMIT, EventReport

logger = logging.getLogger(__name__)

LINGER_SECONDS = 0.5


class EventReportQueue:
    """An ``EventReporter`` that queues, delivering through ``AgentApiReporter.report_batch``."""

    def __init__(
        self,
        reporter: AgentApiReporter,
        *,
        batch_limit: int = BATCH_REPORT_LIMIT,
        linger_seconds: float = LINGER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reporter = reporter
        self._batch_limit = batch_limit
        self._linger = linger_seconds
        self._clock = clock
        self._queued: list[EventReport] = []
        self._oldest_at = 0.0  # when the oldest queued report was queued
        self._flushing = 0  # callers of flush waiting: send at once
        self._sending = False
        self._changed = threading.Condition()

    def report(self, report: EventReport) -> None:
        with self._changed:
            if not self._queued:
                self._oldest_at = self._clock()
            self._queued.append(report)
            self._changed.notify_all()
            if not self._sending:
                self._sending = True
                threading.Thread(target=self._send, name="event-reports", daemon=True).start()

    def stop_lingering(self) -> None:
        """Send every report as soon as it is queued from now on (the agent is shutting down: a
        second signal would leave without what still lingers)."""
        with self._changed:
            self._linger = 0.0
            self._changed.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Send what is queued now, and wait until every queued report was delivered or given
        up; False on ``timeout``."""
        with self._changed:
            self._flushing += 1
            self._changed.notify_all()
            try:
                return self._changed.wait_for(lambda: not self._sending, timeout)
            finally:
                self._flushing -= 1

    def _send(self) -> None:
        while True:
            with self._changed:
                self._linger_while_nobody_waits()
                batch = self._queued[: self._batch_limit]
                del self._queued[: len(batch)]
                if not batch:
                    self._sending = False
                    self._changed.notify_all()
                    return
            try:
                self._reporter.report_batch(batch)
            except Exception:  # never lose the thread (and with it the flush) to a defect
                logger.exception("could not deliver %d event reports", len(batch))

    def _linger_while_nobody_waits(self) -> None:
        """Hold the queue until the oldest report lingered, a batch is full, or a flush waits
        (called with the condition held)."""
        while self._queued and not self._flushing and len(self._queued) < self._batch_limit:
            remaining = self._oldest_at + self._linger - self._clock()
            if remaining <= 0:
                return
            self._changed.wait(remaining)
