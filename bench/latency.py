"""Latency of one API call on the devstack: p50 / p99, and the AWS requests each call costs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.report import ScenarioResult
from devstack.request_counts import RequestCounts

WARMUP_CALLS = 5
MEASURED_CALLS = 200


def measure_latency(
    result: ScenarioResult,
    operation: str,
    call: Callable[[], Any],
    counts: RequestCounts,
    *,
    calls: int = MEASURED_CALLS,
) -> None:
    """Time ``calls`` calls after a warm-up; add p50, p99 and AWS requests per call to result."""
    for _ in range(WARMUP_CALLS):
        call()
    counts.reset()
    latencies_ms = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        latencies_ms.append((time.perf_counter() - started) * 1000)
    requests = counts.read()
    percentiles = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    result.add(operation, "p50", percentiles[49], "ms")
    result.add(operation, "p99", percentiles[98], "ms")
    result.add(operation, "calls", calls, "calls")
    for key, number in sorted(requests.items()):
        result.add(operation, f"requests {key}", number / calls, "per call")
    result.details[operation] = {"aws_requests": dict(requests), "calls": calls}
