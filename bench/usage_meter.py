"""What a window of work used on the devstack, in the quantities AWS bills (``cost_model.Usage``).

- AWS requests by service and operation: the devstack's request accounting, which sees the
  operator's, the agents' and the Lambda functions' requests and the Step Functions interpreter's
  Lambda invocations (``/_devstack/requests``).
- Lambda invocations and GB-seconds: the ``REPORT`` lines the devstack's Lambda runtime writes per
  invocation (duration as measured on this machine, memory size as configured), and the bytes the
  functions logged (what CloudWatch Logs would ingest).
- Step Functions state transitions and the bytes its ``ALL`` logging would ingest: the executions'
  histories (the accounting sees no transitions: moto runs the machine in-process).
- Agent log bytes: the hook output the agents sent, read back from the agent log group.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from bench.cost_model import lambda_gb_seconds
from devstack.request_counts import RequestCounts
from devstack.state import DevstackState

_REPORT = re.compile(r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms\t.*Memory Size: (\d+) MB")
# An API Gateway access-log line of the stack's format, about; the devstack writes none.
API_ACCESS_LOG_LINE_BYTES = 400
# CloudWatch Logs counts 26 bytes of overhead per log event.
LOG_EVENT_OVERHEAD_BYTES = 26


@dataclass(frozen=True)
class LambdaUse:
    invocations: Counter[str] = field(default_factory=Counter)
    gb_seconds: float = 0.0
    duration_ms: float = 0.0
    log_bytes: int = 0


class LambdaLogs:
    """The devstack's per-function runtime logs, read from where they were at ``mark``."""

    def __init__(self, devstack: DevstackState) -> None:
        self._directory = Path(devstack.state_dir) / "logs"
        self._offsets: dict[Path, int] = {}

    def mark(self) -> None:
        self._offsets = {path: path.stat().st_size for path in self._logs()}

    def read(self) -> LambdaUse:
        invocations: Counter[str] = Counter()
        gb_seconds = duration_ms = 0.0
        log_bytes = 0
        for path in self._logs():
            with path.open("rb") as log:
                log.seek(self._offsets.get(path, 0))
                text = log.read().decode("utf-8", errors="replace")
            function = path.stem.removeprefix("lambda-")
            for line in text.splitlines():
                log_bytes += len(line.encode()) + LOG_EVENT_OVERHEAD_BYTES
                match = _REPORT.search(line)
                if match:
                    invocations[function] += 1
                    duration_ms += float(match.group(1))
                    gb_seconds += lambda_gb_seconds(float(match.group(1)), int(match.group(2)))
        return LambdaUse(invocations, gb_seconds, duration_ms, log_bytes)

    def _logs(self) -> list[Path]:
        return sorted(self._directory.glob("lambda-*.log"))


@dataclass(frozen=True)
class ExecutionUse:
    state_transitions: int
    log_bytes: int
    history: list[dict[str, Any]]


def execution_use(stepfunctions: Any, execution_arn: str) -> ExecutionUse:
    """Billed transitions (one per state entered) and the size of the history as ALL logs it."""
    events: list[dict[str, Any]] = []
    request: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = stepfunctions.get_execution_history(**request)
        events += page["events"]
        if not page.get("nextToken"):
            break
        request["nextToken"] = page["nextToken"]
    transitions = sum(1 for event in events if event["type"].endswith("StateEntered"))
    log_bytes = sum(
        len(json.dumps(event, default=str)) + LOG_EVENT_OVERHEAD_BYTES for event in events
    )
    return ExecutionUse(transitions, log_bytes, events)


def agent_log_bytes(logs: Any, log_group: str, deployment_id: str) -> int:
    """Bytes of the hook output the agents shipped for ``deployment_id`` (``<host>/<id>``)."""
    total = 0
    request: dict[str, Any] = {"logGroupName": log_group}
    while True:
        page = logs.filter_log_events(**request)
        for event in page.get("events", []):
            if event.get("logStreamName", "").endswith("/" + deployment_id):
                total += len(event["message"].encode()) + LOG_EVENT_OVERHEAD_BYTES
        if not page.get("nextToken"):
            return total
        request["nextToken"] = page["nextToken"]


class ReceiveCounter:
    """Counts an agent session's SQS ReceiveMessage answers: with a message, or empty (idle)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.delivered = 0
        self.empty = 0

    def watch(self, session: boto3.session.Session) -> None:
        """Count the receives of clients made from ``session`` from now on."""
        session.events.register("after-call.sqs.ReceiveMessage", self._counted)

    def reset(self) -> None:
        with self._lock:
            self.delivered = self.empty = 0

    def _counted(self, parsed: Mapping[str, Any], **_: Any) -> None:
        with self._lock:
            if parsed.get("Messages"):
                self.delivered += 1
            else:
                self.empty += 1


@dataclass
class Window:
    """The requests of one measured window, with the devstack's count of idle agent polls fixed."""

    requests: Counter[str]
    lambdas: LambdaUse
    idle_receives: int


class UsageMeter:
    """Marks the start of a window, then reads what was used since."""

    def __init__(self, devstack: DevstackState, receives: ReceiveCounter) -> None:
        self._counts = RequestCounts(devstack.aws_endpoint_url)
        self._lambda_logs = LambdaLogs(devstack)
        self._receives = receives

    def start(self) -> None:
        self._lambda_logs.mark()
        self._receives.reset()
        self._counts.reset()

    def read(self, *, own_operations: Iterable[str] = ()) -> Window:
        """The window's usage; ``own_operations`` (the benchmark's own polling) left out, and
        ``sqs:ReceiveMessage`` counted only where it delivered a command (an idle agent's polls
        are a per-host cost over time, not a per-deployment one)."""
        requests = self._counts.read()
        idle = self._receives.empty
        for operation in own_operations:
            requests.pop(operation, None)
        requests["sqs:ReceiveMessage"] = self._receives.delivered
        return Window(requests=requests, lambdas=self._lambda_logs.read(), idle_receives=idle)
