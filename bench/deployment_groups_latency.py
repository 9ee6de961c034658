"""CreateDeploymentGroup and GetDeploymentGroup latency through the devstack, and the DynamoDB
requests each call costs (a create reads the application, and a custom deployment configuration
when it names one, then writes one TransactWriteItems; a read is two GetItems)."""

from __future__ import annotations

import time
from itertools import count
from typing import Any

from bench.context import BenchContext
from bench.latency import measure_latency
from bench.report import ScenarioResult

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
        measure_latency(result, "CreateDeploymentGroup", create, accounting)
        measure_latency(
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
