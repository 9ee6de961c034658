"""API round-trip latency through the devstack, and the AWS requests each API call costs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.context import BenchContext
from bench.report import ScenarioResult
from devstack.request_counts import RequestCounts

WARMUP_CALLS = 5
MEASURED_CALLS = 200
LISTED_APPLICATIONS = 30


def run(context: BenchContext) -> ScenarioResult:
    codedeploy, accounting = context.codedeploy(), context.request_counts()
    result = ScenarioResult(scenario="api_latency")
    prefix = f"bench-{int(time.time())}"
    names = [f"{prefix}-{i:03d}" for i in range(LISTED_APPLICATIONS)]
    for name in names:
        codedeploy.create_application(applicationName=name, computePlatform="Server")
    try:
        operations: dict[str, Callable[[], Any]] = {
            "GetApplication": lambda: codedeploy.get_application(applicationName=names[0]),
            "ListApplications": codedeploy.list_applications,
        }
        for operation, call in operations.items():
            _measure(result, operation, call, accounting)
    finally:
        for name in names:
            codedeploy.delete_application(applicationName=name)
    result.details["applications_listed"] = LISTED_APPLICATIONS
    return result


def _measure(
    result: ScenarioResult,
    operation: str,
    call: Callable[[], Any],
    accounting: RequestCounts,
) -> None:
    for _ in range(WARMUP_CALLS):
        call()
    accounting.reset()
    latencies_ms = []
    for _ in range(MEASURED_CALLS):
        started = time.perf_counter()
        call()
        latencies_ms.append((time.perf_counter() - started) * 1000)
    counts = accounting.read()
    percentiles = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    result.add(operation, "p50", percentiles[49], "ms")
    result.add(operation, "p99", percentiles[98], "ms")
    result.add(operation, "calls", MEASURED_CALLS, "calls")
    for key, count in sorted(counts.items()):
        result.add(operation, f"requests {key}", count / MEASURED_CALLS, "per call")
    result.details[operation] = {"aws_requests": dict(counts), "calls": MEASURED_CALLS}
