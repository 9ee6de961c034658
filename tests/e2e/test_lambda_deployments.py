"""Lambda deployments on the devstack: a real function with two published versions and an alias,
real hook functions run by the devstack's Lambda runtime that answer through
``rollwright.client`` (or by returning their verdict), the stock CodeDeploy client in, the alias's
routing configuration out, watched at every traffic step.

The stack's wait scale is set on the api function for this module (``WAIT_SCALE``, the setting
``rollwright:waitScale`` deploys), so a 5-minute canary waits 6 seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from devstack.lambda_world import (
    api_function,
    appspec_content,
    create_hook_functions,
    create_lambda_group,
    create_versioned_function,
    lambda_appspec,
    scale_waits,
    set_variables,
)
from devstack.state import DevstackState

WAIT_SCALE = "0.02"
RUN_TIMEOUT = 150.0
FUNCTION = "e2e-lambda-app"
ALIAS = "live"
APP_SOURCE = "def handler(event, context):\n    return {'version': '%s'}\n"
# Hooks answer through the Rollwright API with the one-line change the README shows; the
# "return" hook only returns its verdict.
HOOK_SOURCE = """\
import os
from rollwright.client import codedeploy_client

def handler(event, context):
    verdict = os.environ["VERDICT"]
    if os.environ.get("ANSWER") == "return":
        return {"status": verdict}
    codedeploy = codedeploy_client(event["RollwrightApiUrl"])
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=verdict,
    )
    return {"answered": verdict}
"""
HOOKS = {
    "CodeDeployHook_e2e_ok": {"VERDICT": "Succeeded"},
    "CodeDeployHook_e2e_fail": {"VERDICT": "Failed"},
    "CodeDeployHook_e2e_return": {"VERDICT": "Succeeded", "ANSWER": "return"},
}


@dataclass
class LambdaApp:
    devstack: DevstackState
    application: str = "e2e-lambda"
    group: str = "e2e-lambda-group"
    aliases: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lambda_client(self) -> Any:
        return self.devstack.aws_client("lambda")

    def alias(self) -> dict[str, Any]:
        found = self.lambda_client.get_alias(FunctionName=FUNCTION, Name=ALIAS)
        weights = (found.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        return {"version": found["FunctionVersion"], "weights": dict(weights)}

    def appspec(self, hooks: dict[str, str]) -> tuple[str, str, str]:
        current = self.alias()["version"]
        target = "2" if current == "1" else "1"
        content = lambda_appspec(
            function=FUNCTION, alias=ALIAS, current=current, target=target, hooks=hooks
        )
        return content, current, target

    def deploy(self, config: str, hooks: dict[str, str]) -> tuple[str, str, str]:
        content, current, target = self.appspec(hooks)
        deployment_id = self.devstack.codedeploy_client().create_deployment(
            applicationName=self.application,
            deploymentGroupName=self.group,
            deploymentConfigName=config,
            revision=appspec_content(content),
        )["deploymentId"]
        return deployment_id, current, target

    def watch(self, deployment_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Poll the alias until the deployment ends: its final info and every alias state."""
        codedeploy = self.devstack.codedeploy_client()
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            state = self.alias()
            if not seen or seen[-1] != state:
                seen.append(state)
            info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
            if info["status"] in ("Succeeded", "Failed", "Stopped"):
                final = self.alias()
                if seen[-1] != final:
                    seen.append(final)
                return info, seen
            time.sleep(0.2)
        raise AssertionError(f"{deployment_id} did not end within {RUN_TIMEOUT} s")

    def target(self, deployment_id: str) -> dict[str, Any]:
        codedeploy = self.devstack.codedeploy_client()
        (target_id,) = codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
        (target,) = codedeploy.batch_get_deployment_targets(
            deploymentId=deployment_id, targetIds=[target_id]
        )["deploymentTargets"]
        assert target["deploymentTargetType"] == "LambdaTarget"
        return dict(target["lambdaTarget"])


@pytest.fixture(scope="module")
def app(devstack: DevstackState) -> Iterator[LambdaApp]:
    lambda_client = devstack.aws_client("lambda")
    api = api_function(lambda_client)
    variables = scale_waits(lambda_client, api, WAIT_SCALE)
    role = api["Role"]
    create_versioned_function(
        lambda_client, role, function=FUNCTION, alias=ALIAS, source=APP_SOURCE
    )
    create_hook_functions(lambda_client, role, HOOK_SOURCE, HOOKS)
    lambda_app = LambdaApp(devstack)
    create_lambda_group(
        devstack.codedeploy_client(),
        application=lambda_app.application,
        group=lambda_app.group,
        role=role,
    )
    yield lambda_app
    set_variables(lambda_client, api, variables)


def _weights(seen: list[dict[str, Any]], target: str) -> list[float]:
    return [state["weights"].get(target, 0.0) for state in seen if state["weights"]]


def test_a_canary_shifts_ten_percent_then_everything_between_its_hooks(app: LambdaApp):
    # Given the alias on the current version, and hooks that answer Succeeded through the API
    hooks = {
        "BeforeAllowTraffic": "CodeDeployHook_e2e_ok",
        "AfterAllowTraffic": "CodeDeployHook_e2e_ok",
    }

    # When a canary deployment runs
    deployment_id, current, target = app.deploy(
        "CodeDeployDefault.LambdaCanary10Percent5Minutes", hooks
    )
    info, seen = app.watch(deployment_id)

    # Then the alias went from the current version to 10 % on the target, then to the target
    assert info["status"] == "Succeeded", info
    assert seen[0] == {"version": current, "weights": {}}
    assert {"version": current, "weights": {target: 0.1}} in seen
    assert seen[-1]["version"] == target
    assert not seen[-1]["weights"]
    assert _weights(seen, target) == [0.1]
    # and the target reads back as CodeDeploy's LambdaTarget
    assert info["computePlatform"] == "Lambda"
    assert info["deploymentOverview"]["Succeeded"] == 1
    lambda_target = app.target(deployment_id)
    assert lambda_target["targetId"] == f"{FUNCTION}:{ALIAS}"
    assert lambda_target["status"] == "Succeeded"
    assert lambda_target["lambdaFunctionInfo"] == {
        "functionName": FUNCTION,
        "functionAlias": ALIAS,
        "currentVersion": current,
        "targetVersion": target,
        "targetVersionWeight": 1.0,
    }
    assert [(e["lifecycleEventName"], e["status"]) for e in lambda_target["lifecycleEvents"]] == [
        ("BeforeAllowTraffic", "Succeeded"),
        ("AllowTraffic", "Succeeded"),
        ("AfterAllowTraffic", "Succeeded"),
    ]


def test_a_linear_deployment_moves_ten_percent_a_step_with_hooks_that_return_their_verdict(
    app: LambdaApp,
):
    # Given hooks that only return {"status": "Succeeded"}
    hooks = {
        "BeforeAllowTraffic": "CodeDeployHook_e2e_return",
        "AfterAllowTraffic": "CodeDeployHook_e2e_return",
    }

    # When a linear deployment runs
    deployment_id, current, target = app.deploy(
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", hooks
    )
    info, seen = app.watch(deployment_id)

    # Then every step from 10 % to 90 % was seen, in order, and the target took everything
    assert info["status"] == "Succeeded", info
    assert _weights(seen, target) == [round(0.1 * n, 1) for n in range(1, 10)]
    assert all(state["version"] == current for state in seen if state["weights"])
    assert seen[-1] == {"version": target, "weights": {}}


def test_a_failed_before_allow_traffic_hook_leaves_all_traffic_on_the_current_version(
    app: LambdaApp,
):
    # Given a BeforeAllowTraffic hook that answers Failed
    hooks = {"BeforeAllowTraffic": "CodeDeployHook_e2e_fail"}

    # When a canary deployment runs
    deployment_id, current, _ = app.deploy("CodeDeployDefault.LambdaCanary10Percent5Minutes", hooks)
    info, seen = app.watch(deployment_id)

    # Then it failed before any traffic moved
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    assert seen == [{"version": current, "weights": {}}]
    events = {
        e["lifecycleEventName"]: e["status"] for e in app.target(deployment_id)["lifecycleEvents"]
    }
    assert events == {
        "BeforeAllowTraffic": "Failed",
        "AllowTraffic": "Skipped",
        "AfterAllowTraffic": "Skipped",
    }


def test_a_failed_after_allow_traffic_hook_shifts_traffic_back(app: LambdaApp):
    # Given an AfterAllowTraffic hook that answers Failed
    hooks = {"AfterAllowTraffic": "CodeDeployHook_e2e_fail"}

    # When an all-at-once deployment runs
    deployment_id, current, _target = app.deploy("CodeDeployDefault.LambdaAllAtOnce", hooks)
    info, seen = app.watch(deployment_id)

    # Then traffic went to the target, and back to the current version when the hook failed
    assert info["status"] == "Failed"
    assert seen[-1] == {"version": current, "weights": {}}
    assert app.target(deployment_id)["lambdaFunctionInfo"]["targetVersionWeight"] == 0.0


def test_stop_deployment_during_a_canary_puts_traffic_back_at_once(app: LambdaApp):
    # Given a canary waiting between its steps
    deployment_id, current, target = app.deploy(
        "CodeDeployDefault.LambdaCanary10Percent30Minutes", {}
    )
    deadline = time.monotonic() + 60
    while app.alias()["weights"] != {target: 0.1}:
        assert time.monotonic() < deadline, "the canary step never came"
        time.sleep(0.2)

    # When it is stopped
    answer = app.devstack.codedeploy_client().stop_deployment(deploymentId=deployment_id)

    # Then the stop succeeded, the deployment is Stopped and all traffic is on the current version
    assert answer["status"] == "Succeeded"
    info, _seen = app.watch(deployment_id)
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "MANUAL_STOP"
    assert app.alias() == {"version": current, "weights": {}}


def test_hook_verdicts_with_unknown_ids_or_other_statuses_are_refused(app: LambdaApp):
    codedeploy = app.devstack.codedeploy_client()
    deployment_id, _, _ = app.deploy("CodeDeployDefault.LambdaAllAtOnce", {})
    app.watch(deployment_id)
    with pytest.raises(codedeploy.exceptions.InvalidLifecycleEventHookExecutionIdException):
        codedeploy.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId="unknown", status="Failed"
        )
    with pytest.raises(codedeploy.exceptions.InvalidLifecycleEventHookExecutionStatusException):
        codedeploy.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId="x", status="Pending"
        )
