"""Event reports sent behind the hooks, coalesced while a request is in flight (protocol 1.1).

The executor's ``report`` only queues: a sender thread delivers the queue in order, one request at
a time, and takes everything queued meanwhile as one batch (``POST /agent/v1.1/events``), so hooks
never wait on the agent API and a segment of n events costs about two requests instead of 2n. Each
report keeps the ``at`` the executor stamped on it, so the control plane records the same start and
end times as when every report was sent on its own.

``flush`` waits until everything queued has been delivered (or given up): the daemon calls it
before deleting a command's message, so a message is gone only once its reports are, as when
reports were sent one by one. The sender thread runs only while there is something to send.
"""

from __future__ import annotations

import logging
import threading

from agent.reporter import AgentApiReporter
from rollwright.agent_protocol import BATCH_REPORT_LIMIT, EventReport

logger = logging.getLogger(__name__)


class EventReportQueue:
    """An ``EventReporter`` that queues, delivering through ``AgentApiReporter.report_batch``."""

    def __init__(
        self, reporter: AgentApiReporter, *, batch_limit: int = BATCH_REPORT_LIMIT
    ) -> None:
        self._reporter = reporter
        self._batch_limit = batch_limit
        self._queued: list[EventReport] = []
        self._sending = False
        self._changed = threading.Condition()

    def report(self, report: EventReport) -> None:
        with self._changed:
            self._queued.append(report)
            if not self._sending:
                self._sending = True
                threading.Thread(target=self._send, name="event-reports", daemon=True).start()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued report was delivered or given up; False on ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._sending, timeout)

    def _send(self) -> None:
        while True:
            with self._changed:
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
