"""Lambda deployments on the devstack (issue 6): what one canary deployment costs in Step Functions
state transitions and Lambda invocations, and how fast traffic is back on the original version
after a failed hook's report.

The api function's ``WAIT_SCALE`` is set for the scenario (the canary's 5 minutes become 3 s);
the counts do not depend on it. Hooks are real functions answering through ``rollwright.client``.
"""

from __future__ import annotations

import time
from typing import Any

from bench.context import BenchContext
from bench.report import ScenarioResult
from devstack.lambda_world import (
    api_function,
    appspec_content,
    create_hook_functions,
    create_lambda_group,
    create_versioned_function,
    lambda_appspec,
    scale_waits,
)
from devstack.state import DevstackState

WAIT_SCALE = "0.01"
FUNCTION, ALIAS = "bench-lambda-app", "live"
APPLICATION, GROUP = "bench-lambda", "bench-lambda-group"
# The failing hook records when it reported, so the time to traffic back is measured from then.
HOOK_SOURCE = """\
import os, time
from rollwright.client import codedeploy_client

def handler(event, context):
    verdict = os.environ["VERDICT"]
    codedeploy_client(event["RollwrightApiUrl"]).put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=verdict,
    )
    return {"reportedAt": time.time()}
"""
HOOKS = {"CodeDeployHook_bench_ok": "Succeeded", "CodeDeployHook_bench_fail": "Failed"}


def _prepare(devstack: DevstackState) -> None:
    lambda_client = devstack.aws_client("lambda")
    api = api_function(lambda_client)
    scale_waits(lambda_client, api, WAIT_SCALE)
    role = api["Role"]
    source = "def handler(event, context):\n    return {'version': %d}\n"
    create_versioned_function(lambda_client, role, function=FUNCTION, alias=ALIAS, source=source)
    create_hook_functions(
        lambda_client, role, HOOK_SOURCE, {name: {"VERDICT": v} for name, v in HOOKS.items()}
    )
    create_lambda_group(
        devstack.codedeploy_client(), application=APPLICATION, group=GROUP, role=role
    )


def _deploy(
    devstack: DevstackState,
    config: str,
    hooks: dict[str, str],
    *,
    group: str = GROUP,
    description: str = "",
) -> str:
    """Start a deployment; a ``description`` makes an otherwise identical request a new one."""
    lambda_client = devstack.aws_client("lambda")
    current = lambda_client.get_alias(FunctionName=FUNCTION, Name=ALIAS)["FunctionVersion"]
    content = lambda_appspec(
        function=FUNCTION,
        alias=ALIAS,
        current=current,
        target="2" if current == "1" else "1",
        hooks=hooks,
    )
    return str(
        devstack.codedeploy_client().create_deployment(
            applicationName=APPLICATION,
            deploymentGroupName=group,
            deploymentConfigName=config,
            **({"description": description} if description else {}),
            revision=appspec_content(content),
        )["deploymentId"]
    )


def _until_ended(devstack: DevstackState, deployment_id: str) -> dict[str, Any]:
    codedeploy = devstack.codedeploy_client()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        info: dict[str, Any] = codedeploy.get_deployment(deploymentId=deployment_id)[
            "deploymentInfo"
        ]
        if info["status"] in ("Succeeded", "Failed", "Stopped"):
            return info
        time.sleep(0.1)
    raise RuntimeError(f"{deployment_id} did not end")


def _transitions(devstack: DevstackState, deployment_id: str) -> int:
    stepfunctions = devstack.aws_client("stepfunctions")
    machine = devstack.stack_outputs["LambdaStateMachineArn"]
    execution = machine.replace(":stateMachine:", ":execution:") + f":{deployment_id}"
    events = stepfunctions.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    return sum(event["type"].endswith("StateEntered") for event in events)


def run(context: BenchContext) -> ScenarioResult:
    devstack, accounting = context.devstack(), context.request_counts()
    result = ScenarioResult(scenario="lambda_deployment")
    _prepare(devstack)
    ok = dict.fromkeys(("BeforeAllowTraffic", "AfterAllowTraffic"), "CodeDeployHook_bench_ok")

    # A canary with both hooks: what it costs.
    accounting.reset()
    canary = _deploy(devstack, "CodeDeployDefault.LambdaCanary10Percent5Minutes", ok)
    info = _until_ended(devstack, canary)
    counts = accounting.read()
    result.add(
        "canary 10%/5 min, 2 hooks",
        "state transitions",
        _transitions(devstack, canary),
        "transitions",
    )
    result.add(
        "canary 10%/5 min, 2 hooks", "Lambda invocations", counts["lambda:Invoke"], "invocations"
    )
    result.details["canary_status"] = info["status"]
    result.details["canary_requests"] = dict(counts.most_common())

    # A failing AfterAllowTraffic hook: from its report to the alias back on the original version.
    lambda_client = devstack.aws_client("lambda")
    original = lambda_client.get_alias(FunctionName=FUNCTION, Name=ALIAS)["FunctionVersion"]
    failing = _deploy(
        devstack,
        "CodeDeployDefault.LambdaAllAtOnce",
        {"AfterAllowTraffic": "CodeDeployHook_bench_fail"},
    )
    codedeploy = devstack.codedeploy_client()
    reported = restored = None
    deadline = time.monotonic() + 180
    while restored is None and time.monotonic() < deadline:
        try:
            (target_id,) = codedeploy.list_deployment_targets(deploymentId=failing)["targetIds"]
        except codedeploy.exceptions.DeploymentNotStartedException:
            continue
        (target,) = codedeploy.batch_get_deployment_targets(
            deploymentId=failing, targetIds=[target_id]
        )["deploymentTargets"]
        after = target["lambdaTarget"]["lifecycleEvents"][-1]
        if reported is None and after["status"] == "Failed" and "endTime" in after:
            reported = after["endTime"].timestamp()
        alias = lambda_client.get_alias(FunctionName=FUNCTION, Name=ALIAS)
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if reported is not None and alias["FunctionVersion"] == original and not weights:
            restored = time.time()
        time.sleep(0.05)
    _until_ended(devstack, failing)
    if reported is not None and restored is not None:
        result.add(
            "failed AfterAllowTraffic hook", "report to traffic back", restored - reported, "s"
        )
    return result
