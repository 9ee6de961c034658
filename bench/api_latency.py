"""API round-trip latency through the devstack, and the AWS requests each API call costs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.context import BenchContext
from bench.latency import measure_latency
from bench.report import ScenarioResult

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
            measure_latency(result, operation, call, accounting)
    finally:
        for name in names:
            codedeploy.delete_application(applicationName=name)
    result.details["applications_listed"] = LISTED_APPLICATIONS
    return result
