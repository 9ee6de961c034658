"""Lambda deployments on the devstack (issue 6): what one canary deployment costs in Step Functions
state transitions and Lambda invocations, and how fast traffic is back on the original version
after a failed hook's report.

The api function's ``WAIT_SCALE`` is set for the scenario (the canary's 5 minutes become 3 s);
the counts do not depend on it. Hooks are real functions answering through ``rollwright.client``.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.report import ScenarioResult
from devstack.state import DevstackState

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
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


def _zip(files: dict[str, str], *, with_package: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        if with_package:
            for path in (REPOSITORY_ROOT / "rollwright").rglob("*.py"):
                archive.write(path, str(path.relative_to(REPOSITORY_ROOT)))
    return buffer.getvalue()


def _prepare(devstack: DevstackState) -> None:
    lambda_client = devstack.aws_client("lambda")
    api = next(
        f
        for page in lambda_client.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if "LAMBDA_STATE_MACHINE_ARN" in ((f.get("Environment") or {}).get("Variables") or {})
        and "ARTIFACTS_BUCKET" in f["Environment"]["Variables"]
    )
    variables = {**api["Environment"]["Variables"], "WAIT_SCALE": WAIT_SCALE}
    lambda_client.update_function_configuration(
        FunctionName=api["FunctionName"], Environment={"Variables": variables}
    )
    role = api["Role"]
    source = "def handler(event, context):\n    return {'version': %d}\n"
    lambda_client.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": _zip({"app.py": source % 1})},
    )
    lambda_client.publish_version(FunctionName=FUNCTION)
    lambda_client.update_function_code(FunctionName=FUNCTION, ZipFile=_zip({"app.py": source % 2}))
    lambda_client.publish_version(FunctionName=FUNCTION)
    lambda_client.create_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion="1")
    for name, verdict in HOOKS.items():
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="hook.handler",
            Timeout=60,
            Code={"ZipFile": _zip({"hook.py": HOOK_SOURCE}, with_package=True)},
            Environment={"Variables": {"VERDICT": verdict}},
        )
    codedeploy = devstack.codedeploy_client()
    codedeploy.create_application(applicationName=APPLICATION, computePlatform="Lambda")
    codedeploy.create_deployment_group(
        applicationName=APPLICATION,
        deploymentGroupName=GROUP,
        serviceRoleArn=role,
        deploymentStyle={
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
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
    content = json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    "app": {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Name": FUNCTION,
                            "Alias": ALIAS,
                            "CurrentVersion": current,
                            "TargetVersion": "2" if current == "1" else "1",
                        },
                    }
                }
            ],
            "Hooks": [{event: name} for event, name in hooks.items()],
        }
    )
    return str(
        devstack.codedeploy_client().create_deployment(
            applicationName=APPLICATION,
            deploymentGroupName=group,
            deploymentConfigName=config,
            **({"description": description} if description else {}),
            revision={
                "revisionType": "AppSpecContent",
                "appSpecContent": {
                    "content": content,
                    "sha256": hashlib.sha256(content.encode()).hexdigest(),
                },
            },
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
