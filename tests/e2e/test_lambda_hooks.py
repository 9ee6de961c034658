"""Lambda deployments' hooks and AppSpecs on the devstack (issue 6's leftovers): a hook that never
answers fails its event once the hook timeout has passed (an hour in AWS, scaled by the stack's
``rollwright:waitScale``: 18 s here), a hook function that raises fails its event, and an AppSpec
kept in S3 (YAML or JSON) deploys as an inline one. The function, its versions, its alias and the
answering hooks are ``test_lambda_deployments``'s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.lambda_world import api_function, function_zip, scale_waits, set_variables
from tests.e2e.test_lambda_deployments import (
    ALIAS,
    FUNCTION,
    LambdaApp,
    app,
)

__all__ = ["app"]

# The hour of a hook, scaled: ceil(3600 * 0.005) = 18 s; a 5-minute canary waits 2 s.
WAIT_SCALE = "0.005"
HOOK_TIMEOUT_SECONDS = 18
SILENT_HOOK = "CodeDeployHook_e2e_silent"
RAISING_HOOK = "CodeDeployHook_e2e_raise"
SOURCES = {
    # Answers nothing: neither PutLifecycleEventHookExecutionStatus nor a status it returns.
    SILENT_HOOK: "def handler(event, context):\n    return {'checked': True}\n",
    RAISING_HOOK: "def handler(event, context):\n    raise RuntimeError('smoke test crashed')\n",
}


@pytest.fixture(scope="module")
def hooks_app(app: LambdaApp) -> Iterator[LambdaApp]:
    lambda_client = app.lambda_client
    api = api_function(lambda_client)
    variables = scale_waits(lambda_client, api, WAIT_SCALE)
    for name, source in SOURCES.items():
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=api["Role"],
            Handler="hook.handler",
            Timeout=30,
            Code={"ZipFile": function_zip({"hook.py": source})},
        )
    yield app
    set_variables(lambda_client, api, variables)


def _events(app: LambdaApp, deployment_id: str) -> dict[str, dict[str, Any]]:
    return {
        event["lifecycleEventName"]: event for event in app.target(deployment_id)["lifecycleEvents"]
    }


def test_a_hook_that_never_answers_fails_after_the_scaled_hook_timeout_and_traffic_goes_back(
    hooks_app: LambdaApp,
) -> None:
    # Given an AfterAllowTraffic hook that never answers
    # When an all-at-once deployment runs
    started = time.monotonic()
    deployment_id, current, target = hooks_app.deploy(
        "CodeDeployDefault.LambdaAllAtOnce", {"AfterAllowTraffic": SILENT_HOOK}
    )
    info, seen = hooks_app.watch(deployment_id)
    elapsed = time.monotonic() - started

    # Then the traffic went to the target, and the deployment failed with TIMEOUT once the hook's
    # (scaled) hour had passed, all traffic back on the current version
    assert {"version": target, "weights": {}} in seen
    assert info["status"] == "Failed", info
    assert info["errorInformation"]["code"] == "TIMEOUT"
    assert elapsed >= HOOK_TIMEOUT_SECONDS
    assert hooks_app.alias() == {"version": current, "weights": {}}
    assert _events(hooks_app, deployment_id)["AfterAllowTraffic"]["status"] == "Failed"


def test_a_hook_function_that_raises_fails_its_event_and_traffic_goes_back(
    hooks_app: LambdaApp,
) -> None:
    # Given an AfterAllowTraffic hook function that raises
    # When an all-at-once deployment runs
    deployment_id, current, _ = hooks_app.deploy(
        "CodeDeployDefault.LambdaAllAtOnce", {"AfterAllowTraffic": RAISING_HOOK}
    )
    info, _ = hooks_app.watch(deployment_id)

    # Then the invocation error failed the event and the deployment; the traffic went back
    # (the alias was on the target version only between AllowTraffic and the hook's failure, too
    # briefly to be sure of seeing it by polling: the AllowTraffic event says it moved)
    assert info["status"] == "Failed", info
    assert info["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    assert hooks_app.alias() == {"version": current, "weights": {}}
    events = _events(hooks_app, deployment_id)
    assert events["AllowTraffic"]["status"] == "Succeeded"
    after = events["AfterAllowTraffic"]
    assert after["status"] == "Failed"
    assert RAISING_HOOK in after["diagnostics"]["message"]


def _yaml(current: str, target: str) -> str:
    return (
        "version: 0.0\n"
        "Resources:\n"
        "  - app:\n"
        "      Type: AWS::Lambda::Function\n"
        "      Properties:\n"
        f"        Name: {FUNCTION}\n"
        f"        Alias: {ALIAS}\n"
        f"        CurrentVersion: {current}\n"
        f"        TargetVersion: {target}\n"
        "Hooks:\n"
        "  - BeforeAllowTraffic: CodeDeployHook_e2e_return\n"
    )


@pytest.mark.parametrize("bundle_type", ["YAML", "JSON"])
def test_an_appspec_kept_in_s3_deploys_like_an_inline_one(
    hooks_app: LambdaApp, bundle_type: str
) -> None:
    # Given the AppSpec as an object of the artifacts bucket
    devstack = hooks_app.devstack
    content, current, target = hooks_app.appspec(
        {"BeforeAllowTraffic": "CodeDeployHook_e2e_return"}
    )
    body = content if bundle_type == "JSON" else _yaml(current, target)
    assert json.loads(content)  # the JSON form is the inline one's
    bucket = devstack.stack_outputs["ArtifactsBucketName"]
    key = f"lambda/appspec-{bundle_type.lower()}-{time.time_ns()}"
    put = devstack.aws_client("s3").put_object(Bucket=bucket, Key=key, Body=body.encode())

    # When a deployment names it
    deployment_id = devstack.codedeploy_client().create_deployment(
        applicationName=hooks_app.application,
        deploymentGroupName=hooks_app.group,
        deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce",
        revision={
            "revisionType": "S3",
            "s3Location": {
                "bucket": bucket,
                "key": key,
                "bundleType": bundle_type,
                "eTag": put["ETag"].strip('"'),
            },
        },
    )["deploymentId"]
    info, _seen = hooks_app.watch(deployment_id)

    # Then it ran its hook and moved the alias to the target version
    assert info["status"] == "Succeeded", info
    assert info["revision"]["s3Location"]["bundleType"] == bundle_type
    assert hooks_app.alias() == {"version": target, "weights": {}}
    assert _events(hooks_app, deployment_id)["BeforeAllowTraffic"]["status"] == "Succeeded"
