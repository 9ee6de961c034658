"""Hook output of a deployment, read back from the agent log group.

The agent writes each host's output of a deployment to the stream ``<host id>/<deployment id>``,
one line per event: ``[<lifecycle event>] [<script>] [<stdout|stderr>] <text>`` (see
``agent/log_shipper.py``). ``rollwright logs`` reads the streams of the deployment's targets (a
target id, an instance id or on-premises instance name, maps to its host id), keeps the lines of
one lifecycle event if asked, and prints them prefixed by the host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rollwright.host_ids import host_id_for_instance_name, host_log_stream

_HOOK_LINE = re.compile(r"\[(?P<event>[^\]]*)\] \[(?P<script>.*?)\] \[(?P<stream>stdout|stderr)\] ")


@dataclass(frozen=True)
class HookLogLine:
    host_id: str
    timestamp_ms: int
    message: str
    lifecycle_event: str | None = None
    script: str | None = None
    stream: str | None = None
    text: str | None = None


def parse_hook_line(host_id: str, timestamp_ms: int, message: str) -> HookLogLine:
    """A line as the agent wrote it; one of another shape (the agent's own notices) keeps only
    its message."""
    match = _HOOK_LINE.match(message)
    if match is None:
        return HookLogLine(host_id, timestamp_ms, message)
    return HookLogLine(
        host_id,
        timestamp_ms,
        message,
        lifecycle_event=match["event"],
        script=match["script"],
        stream=match["stream"],
        text=message[match.end() :],
    )


def of_event(lines: Iterable[HookLogLine], event: str | None) -> list[HookLogLine]:
    """The lines of one lifecycle event (named in any case), or all of them."""
    if event is None:
        return list(lines)
    wanted = event.lower()
    return [line for line in lines if (line.lifecycle_event or "").lower() == wanted]


def format_line(line: HookLogLine, host_width: int = 0) -> str:
    return f"{line.host_id.ljust(host_width)}  {line.message}"


def deployment_streams(
    deployment_id: str, target_ids: Iterable[str], host: str | None = None
) -> dict[str, str]:
    """Host id → log stream for the deployment's targets, or only for ``host`` (a target id or
    host id); ValueError names the targets when ``host`` is not one of them."""
    host_ids = {host_id_for_instance_name(target_id): target_id for target_id in target_ids}
    if host is not None:
        wanted = host_id_for_instance_name(host)
        if wanted not in host_ids:
            known = ", ".join(sorted(host_ids.values())) or "none"
            raise ValueError(
                f"{host} is not a target of deployment {deployment_id} (targets: {known})"
            )
        host_ids = {wanted: host_ids[wanted]}
    return {host_id: host_log_stream(host_id, deployment_id) for host_id in sorted(host_ids)}


class HookLogReader:
    """Reads the streams from where the last read stopped (for ``--follow``)."""

    def __init__(self, logs: Any, log_group: str, streams: Mapping[str, str]) -> None:
        self._logs = logs
        self._log_group = log_group
        self._streams = dict(streams)
        self._tokens: dict[str, str] = {}

    def add_streams(self, streams: Mapping[str, str]) -> None:
        """More hosts to read (a deployment's targets are listed once it has started)."""
        self._streams.update(streams)

    def read_new(self) -> list[HookLogLine]:
        """Every line written since the last read, oldest first across the hosts."""
        lines: list[HookLogLine] = []
        for host_id, stream in self._streams.items():
            lines.extend(self._read_stream(host_id, stream))
        return sorted(lines, key=lambda line: line.timestamp_ms)

    def _read_stream(self, host_id: str, stream: str) -> list[HookLogLine]:
        lines: list[HookLogLine] = []
        while True:
            request: dict[str, Any] = {
                "logGroupName": self._log_group,
                "logStreamName": stream,
                "startFromHead": True,
            }
            token = self._tokens.get(stream)
            if token is not None:
                request["nextToken"] = token
            try:
                page = self._logs.get_log_events(**request)
            except self._logs.exceptions.ResourceNotFoundException:
                return lines  # the host has written nothing for this deployment yet
            events = page.get("events", [])
            lines.extend(
                parse_hook_line(host_id, int(event["timestamp"]), str(event["message"]))
                for event in events
            )
            next_token = page.get("nextForwardToken")
            if next_token is not None:
                self._tokens[stream] = next_token
            # GetLogEvents answers the token it was given once the end of the stream is reached.
            if not events or next_token is None or next_token == token:
                return lines
