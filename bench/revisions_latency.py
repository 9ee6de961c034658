"""ListApplicationRevisions and GetApplicationRevision on the devstack: latency and the AWS
requests each call costs, for a register-time listing (a keyed page) and a last-use listing (the
application's revisions read whole and ordered in memory)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.context import BenchContext
from bench.latency import measure_latency
from bench.report import ScenarioResult

REGISTERED_REVISIONS = 250


def run(context: BenchContext) -> ScenarioResult:
    codedeploy, accounting = context.codedeploy(), context.request_counts()
    result = ScenarioResult(scenario="revisions_latency")
    application = f"bench-revisions-{int(time.time())}"
    codedeploy.create_application(applicationName=application, computePlatform="Server")
    try:
        for n in range(REGISTERED_REVISIONS):
            codedeploy.register_application_revision(
                applicationName=application, revision=_revision(n)
            )
        operations: dict[str, Callable[[], Any]] = {
            "GetApplicationRevision": lambda: codedeploy.get_application_revision(
                applicationName=application, revision=_revision(7)
            ),
            "ListApplicationRevisions registerTime": lambda: codedeploy.list_application_revisions(
                applicationName=application, sortBy="registerTime", sortOrder="descending"
            ),
            "ListApplicationRevisions lastUsedTime": lambda: codedeploy.list_application_revisions(
                applicationName=application, sortBy="lastUsedTime", sortOrder="descending"
            ),
        }
        for operation, call in operations.items():
            measure_latency(result, operation, call, accounting)
    finally:
        codedeploy.delete_application(applicationName=application)
    result.details["revisions_registered"] = REGISTERED_REVISIONS
    return result


def _revision(n: int) -> dict[str, Any]:
    return {
        "revisionType": "S3",
        "s3Location": {"bucket": "bench-releases", "key": f"app/v{n}.zip", "bundleType": "zip"},
    }
