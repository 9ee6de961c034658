"""The six functions: one runtime, architecture, layer and logging; only the variables they use."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App

from app import cdk_json_context, host_limits
from rollwright.deployment_plan import HostLimits
from stacks.python_function import POWERTOOLS_VERSION
from tests.infrastructure.conftest import SynthesizedStack

HANDLERS = {
    "api": "functions.api.handler.handler",
    "agent": "functions.agent.handler.handler",
    "workflow": "functions.workflow.handler.handler",
    "alarm": "functions.alarm.handler.handler",
    "notify": "functions.notify.handler.handler",
    "hook-runner": "functions.hook_runner.handler.handler",
    "auto-scaling": "functions.auto_scaling.handler.handler",
}
POWERTOOLS_VARIABLES = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}
STATE_MACHINE_VARIABLES = {
    "SERVER_STATE_MACHINE_ARN",
    "LAMBDA_STATE_MACHINE_ARN",
    "ECS_STATE_MACHINE_ARN",
}
HOST_LIMIT_VARIABLES = {
    "HOST_START_SECONDS",
    "HOST_HEARTBEAT_SECONDS",
    "HOST_SWEEP_INTERVAL_SECONDS",
}
EXPECTED_VARIABLES = {
    "api": {
        "TABLE_NAME",
        "ARTIFACTS_BUCKET",
        "HOST_QUEUE_PREFIX",
        *STATE_MACHINE_VARIABLES,
        *HOST_LIMIT_VARIABLES,
        "WAIT_SCALE",
    },
    "agent": {"TABLE_NAME", "AGENT_LOG_GROUP", "HOST_QUEUE_PREFIX"},
    "workflow": {
        "TABLE_NAME",
        "HOST_QUEUE_PREFIX",
        "AGENT_LOG_GROUP",
        "HOOK_RUNNER_FUNCTION",
        *HOST_LIMIT_VARIABLES,
        "WAIT_SCALE",  # the lifecycle action heartbeat interval (auto_scaling_heartbeats)
    },
    "alarm": {"TABLE_NAME", "HOST_QUEUE_PREFIX", *STATE_MACHINE_VARIABLES},
    "notify": {"TABLE_NAME"},
    "hook-runner": {"TABLE_NAME", "API_URL"},
    "auto-scaling": {
        "TABLE_NAME",
        "HOST_QUEUE_PREFIX",
        *STATE_MACHINE_VARIABLES,
        *HOST_LIMIT_VARIABLES,
    },
}


def test_there_are_exactly_the_contract_functions(synthesized: SynthesizedStack) -> None:
    # Given the stack / When listing its functions
    # Then api, agent, workflow, alarm, notify, hook-runner, auto-scaling
    handlers = {
        function["Properties"]["Handler"]
        for function in synthesized.template.find_resources("AWS::Lambda::Function").values()
    }
    assert handlers == set(HANDLERS.values())


@pytest.mark.parametrize("name", HANDLERS)
def test_function_runs_python_312_on_arm64_with_json_logs(
    synthesized: SynthesizedStack, name: str
) -> None:
    # Given a function / When reading runtime, architecture and logging
    # Then python3.12, arm64, JSON logs to its own log group
    function = synthesized.function_named(HANDLERS[name])
    assert function["Runtime"] == "python3.12"
    assert function["Architectures"] == ["arm64"]
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert "Ref" in function["LoggingConfig"]["LogGroup"]


@pytest.mark.parametrize("name", HANDLERS)
def test_function_uses_the_public_powertools_v3_layer(
    synthesized: SynthesizedStack, name: str
) -> None:
    # Given a function / When reading its layers / Then it is AWS's Powertools v3 arm64 layer
    (layer,) = synthesized.function_named(HANDLERS[name])["Layers"]
    # (resolved from AWS's public parameter for the pinned Powertools release)
    assert layer == (
        f"{{{{resolve:ssm:/aws/service/powertools/python/arm64/python3.12/{POWERTOOLS_VERSION}}}}}"
    )


@pytest.mark.parametrize("name", HANDLERS)
def test_function_gets_only_the_variables_it_uses(synthesized: SynthesizedStack, name: str) -> None:
    # Given a function / When reading its environment
    # Then it holds its contract variables and the Powertools settings, nothing else
    variables = synthesized.function_named(HANDLERS[name])["Environment"]["Variables"]
    assert set(variables) == EXPECTED_VARIABLES[name] | POWERTOOLS_VARIABLES
    assert variables["POWERTOOLS_SERVICE_NAME"] == name
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Rollwright"
    if "HOST_QUEUE_PREFIX" in variables:
        assert variables["HOST_QUEUE_PREFIX"] == "rollwright-host-"


@pytest.mark.parametrize("name", ["api", "workflow"])
def test_the_functions_that_create_deployments_get_the_host_limits_of_the_context(
    synthesized: SynthesizedStack, name: str
) -> None:
    # Given cdk.json's host limits / When reading a deployment-creating function's environment
    variables = synthesized.function_named(HANDLERS[name])["Environment"]["Variables"]
    # Then they are there, and a dead host fails within two minutes (limit + one sweep)
    start, heartbeat, sweep = (
        int(variables[f"HOST_{name}_SECONDS"]) for name in ("START", "HEARTBEAT", "SWEEP_INTERVAL")
    )
    assert (start, heartbeat, sweep) == (90, 90, 20)
    assert max(start, heartbeat) + sweep <= 120


def test_host_limits_are_read_from_the_context() -> None:
    app = App(context={**cdk_json_context(), "rollwright:hostHeartbeatSeconds": "45"})
    assert host_limits(app) == HostLimits(start_seconds=90, heartbeat_seconds=45)


def test_alarm_function_failures_go_to_a_dead_letter_queue(
    synthesized: SynthesizedStack,
) -> None:
    # Given the alarm function (invoked asynchronously) / When reading its dead-letter config
    # Then failed invocations go to the encrypted, TLS-only queue
    target = synthesized.function_named(HANDLERS["alarm"])["DeadLetterConfig"]["TargetArn"]
    queue_id = target["Fn::GetAtt"][0]
    queue = synthesized.resources[queue_id]
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    policies = synthesized.template.find_resources("AWS::SQS::QueuePolicy")
    statements = [
        statement
        for policy in policies.values()
        if {"Ref": queue_id} in policy["Properties"]["Queues"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(
        statement["Effect"] == "Deny"
        and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for statement in statements
    )


def test_code_asset_holds_only_the_functions_and_rollwright_packages(
    synthesized: SynthesizedStack,
) -> None:
    # Given the functions' code asset in the cloud assembly / When listing it
    # Then it holds functions/ and rollwright/ and no caches, tests or virtual environments
    code = synthesized.function_named(HANDLERS["api"])["Code"]
    asset = synthesized.outdir / f"asset.{code['S3Key'].removesuffix('.zip')}"
    assert sorted(path.name for path in asset.iterdir()) == ["functions", "rollwright"]
    assert (asset / "functions" / "workflow" / "handler.py").is_file()
    unwanted = [
        path
        for path in Path(asset).rglob("*")
        if path.name == "__pycache__" or path.suffix in {".pyc", ".pyo"} or path.name == ".venv"
    ]
    assert unwanted == []


def test_every_function_shares_one_code_asset(synthesized: SynthesizedStack) -> None:
    # Given the five functions / When reading their code / Then one asset serves them all
    keys = {synthesized.function_named(handler)["Code"]["S3Key"] for handler in HANDLERS.values()}
    assert len(keys) == 1
