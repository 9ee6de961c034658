"""Hook output to CloudWatch Logs: one stream per deployment and host, batched, memory bounded.

The executor writes every line of hook output here (the ``HookOutput`` protocol). Lines wait in a
buffer until ``flush``: the daemon flushes at the end of each lifecycle event (before the event's
end is reported, so the full output is there when the control plane sees the result), every few
seconds while an event runs, and on shutdown. Each line goes to the stream
``<host id>/<deployment id>`` (the host's IAM scope is ``<host id>/*``) as
``[<lifecycle event>] [<script>] [<stdout|stderr>] <text>``, so the console and Logs Insights
(``parse @message "[*] [*] [*] *" as event, script, stream, text``) show where it came from.

Memory is bounded: when CloudWatch Logs is unreachable for long the buffer stops at
``buffer_limit_bytes`` by dropping the oldest lines, and the next successful flush writes a line
saying how many were dropped. The full output also stays on the host in the deployment's
``logs/scripts.log``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from agent.hook_runner import HookOutputLine
from rollwright.host_ids import host_log_stream

logger = logging.getLogger(__name__)

# PutLogEvents limits: a batch holds at most 10,000 events and 1,048,576 bytes, counting 26 bytes
# per event on top of its UTF-8 message, in chronological order, spanning at most 24 hours.
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_BATCH_SPAN_MS = 24 * 3600 * 1000
MAX_MESSAGE_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES
DEFAULT_BUFFER_LIMIT_BYTES = 8 * 1024 * 1024
KNOWN_STREAMS_LIMIT = 64


@dataclass(frozen=True)
class _LogEvent:
    log_stream: str
    timestamp_ms: int
    message: str
    drop_notice: bool = False  # written by the shipper; never put back in the buffer

    @property
    def size(self) -> int:
        return len(self.message.encode("utf-8")) + EVENT_OVERHEAD_BYTES


class HookLogShipper:
    def __init__(
        self,
        logs: Any,
        *,
        log_group: str,
        host_id: str,
        buffer_limit_bytes: int = DEFAULT_BUFFER_LIMIT_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._logs = logs
        self._log_group = log_group
        self._host_id = host_id
        self._buffer_limit = buffer_limit_bytes
        self._clock = clock
        self._pending: deque[_LogEvent] = deque()
        self._pending_bytes = 0
        self._dropped: dict[str, int] = {}
        self._lock = threading.Lock()  # guards the buffer: hook output arrives on several threads
        self._flush_lock = threading.Lock()  # one flush at a time keeps each stream in order
        self._known_streams: set[str] = set()

    @property
    def pending_bytes(self) -> int:
        with self._lock:
            return self._pending_bytes

    def write(self, line: HookOutputLine) -> None:
        event = _LogEvent(
            log_stream=host_log_stream(self._host_id, line.deployment_id),
            timestamp_ms=int(line.timestamp * 1000),
            message=_message(line),
        )
        with self._lock:
            self._pending.append(event)
            self._pending_bytes += event.size
            self._drop_oldest_beyond_limit()

    def flush(self) -> None:
        """Send everything buffered; what CloudWatch Logs does not take stays for the next flush.
        Never raises: hook output must not fail a deployment."""
        with self._flush_lock:
            with self._lock:
                events = list(self._pending)
                self._pending.clear()
                self._pending_bytes = 0
                dropped, self._dropped = self._dropped, {}
            unsent = self._send_streams(events, dropped)
            if unsent:
                with self._lock:
                    # Back in front of whatever arrived meanwhile, then bounded again; a drop
                    # notice that was not delivered becomes a count again.
                    for event in unsent:
                        if event.drop_notice:
                            self._dropped[event.log_stream] = self._dropped.get(
                                event.log_stream, 0
                            ) + dropped.get(event.log_stream, 0)
                    kept = [event for event in unsent if not event.drop_notice]
                    self._pending.extendleft(reversed(kept))
                    self._pending_bytes = sum(event.size for event in self._pending)
                    self._drop_oldest_beyond_limit()

    def _drop_oldest_beyond_limit(self) -> None:
        """Called holding ``_lock``."""
        while self._pending_bytes > self._buffer_limit and len(self._pending) > 1:
            oldest = self._pending.popleft()
            self._pending_bytes -= oldest.size
            if not self._dropped:
                logger.warning(
                    "hook output buffer full (%d bytes): dropping the oldest lines until "
                    "CloudWatch Logs takes them again",
                    self._buffer_limit,
                )
            self._dropped[oldest.log_stream] = self._dropped.get(oldest.log_stream, 0) + 1

    def _send_streams(self, events: list[_LogEvent], dropped: dict[str, int]) -> list[_LogEvent]:
        by_stream: dict[str, list[_LogEvent]] = {}
        for event in events:
            by_stream.setdefault(event.log_stream, []).append(event)
        for stream, count in dropped.items():
            # Placed before the lines that were kept: the dropped ones were older.
            kept = by_stream.setdefault(stream, [])
            notice = _LogEvent(
                stream,
                kept[0].timestamp_ms if kept else int(self._clock() * 1000),
                f"[rollwright-agent] {count} earlier lines were dropped while CloudWatch Logs was "
                "unreachable; the host's scripts.log has them",
                drop_notice=True,
            )
            kept.insert(0, notice)
        unsent: list[_LogEvent] = []
        for stream, stream_events in by_stream.items():
            # Lines of stdout and stderr come from two reader threads, so their timestamps may
            # interleave; PutLogEvents wants them in order (a stable sort keeps equal ones so).
            stream_events.sort(key=lambda event: event.timestamp_ms)
            unsent.extend(self._send_stream(stream, stream_events))
        return unsent

    def _send_stream(self, stream: str, events: list[_LogEvent]) -> list[_LogEvent]:
        """Send one stream's events in batches; return those not sent."""
        start = 0
        while start < len(events):
            end = _batch_end(events, start)
            try:
                self._ensure_stream(stream)
                answer = self._logs.put_log_events(
                    logGroupName=self._log_group,
                    logStreamName=stream,
                    logEvents=[
                        {"timestamp": event.timestamp_ms, "message": event.message}
                        for event in events[start:end]
                    ],
                )
                if answer.get("rejectedLogEventsInfo"):
                    # Too old or too far in the future (a clock jump); resending cannot help.
                    logger.warning(
                        "CloudWatch Logs rejected some lines of %s: %s",
                        stream,
                        answer["rejectedLogEventsInfo"],
                    )
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code == "InvalidParameterException":
                    # Retrying the same batch cannot succeed (e.g. lines older than CloudWatch
                    # accepts): it is dropped, the rest goes on.
                    logger.warning("CloudWatch Logs refused %d lines: %s", end - start, error)
                    start = end
                    continue
                if code == "ResourceNotFoundException":
                    self._known_streams.discard(stream)
                logger.warning("could not ship hook output to %s: %s", stream, error)
                return events[start:]
            except BotoCoreError as error:
                logger.warning("could not ship hook output to %s: %s", stream, error)
                return events[start:]
            start = end
        return []

    def _ensure_stream(self, stream: str) -> None:
        if stream in self._known_streams:
            return
        try:
            self._logs.create_log_stream(logGroupName=self._log_group, logStreamName=stream)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                raise
        if len(self._known_streams) >= KNOWN_STREAMS_LIMIT:
            # Old deployments' streams are not written again; forgetting them keeps memory flat.
            self._known_streams.clear()
        self._known_streams.add(stream)


def _batch_end(events: list[_LogEvent], start: int) -> int:
    """The end (exclusive) of the largest batch from ``start`` within PutLogEvents' limits."""
    size = 0
    end = start
    while end < len(events) and end - start < MAX_BATCH_EVENTS:
        event = events[end]
        if end > start and (
            size + event.size > MAX_BATCH_BYTES
            or event.timestamp_ms - events[start].timestamp_ms > MAX_BATCH_SPAN_MS
        ):
            break
        size += event.size
        end += 1
    return end


def _message(line: HookOutputLine) -> str:
    event, stream = line.lifecycle_event.value, line.stream.value
    message = f"[{event}] [{line.script or '-'}] [{stream}] {line.text}"
    encoded = message.encode("utf-8")
    if len(encoded) <= MAX_MESSAGE_BYTES:
        return message
    return encoded[:MAX_MESSAGE_BYTES].decode("utf-8", errors="ignore")
