"""CreateDeploymentGroup and GetDeploymentGroup latency through the devstack, and the DynamoDB
requests each call costs (a create reads the application, and a custom deployment configuration
when it names one, then writes one TransactWriteItems; a read is two GetItems)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from itertools import count
from typing import Any

from bench.context import BenchContext
from bench.report import ScenarioResult
from devstack.request_counts import RequestCounts

WARMUP_CALLS = 5
MEASURED_CALLS = 200
ROLE = "arn:aws:iam::123456789012:role/codedeploy"


def run(context: BenchContext) -> ScenarioResult:
    codedeploy, accounting = context.codedeploy(), context.request_counts()
    result = ScenarioResult(scenario="deployment_groups_latency")
    application = f"bench-groups-{int(time.time())}"
    codedeploy.create_application(applicationName=application, computePlatform="Server")
    numbers = count()

    def create() -> Any:
        return codedeploy.create_deployment_group(
            applicationName=application,
            deploymentGroupName=f"group-{next(numbers):04d}",
            serviceRoleArn=ROLE,
            ec2TagFilters=[{"Key": "env", "Value": "bench", "Type": "KEY_AND_VALUE"}],
            deploymentConfigName="CodeDeployDefault.HalfAtATime",
        )

    try:
        _measure(result, "CreateDeploymentGroup", create, accounting)
        _measure(
            result,
            "GetDeploymentGroup",
            lambda: codedeploy.get_deployment_group(
                applicationName=application, deploymentGroupName="group-0000"
            ),
            accounting,
        )
    finally:
        # DeleteApplication deletes the application's groups too.
        codedeploy.delete_application(applicationName=application)
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
    for key, number in sorted(counts.items()):
        result.add(operation, f"requests {key}", number / MEASURED_CALLS, "per call")
    result.details[operation] = {"aws_requests": dict(counts), "calls": MEASURED_CALLS}
