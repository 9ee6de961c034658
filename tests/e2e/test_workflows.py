"""The real state machines on the devstack: moto runs our ASL, which calls our workflow function."""

import time
import uuid

import pytest

STATE_MACHINES = ["ServerStateMachineArn", "LambdaStateMachineArn", "EcsStateMachineArn"]


def _run(devstack, state_machine_arn, deployment_id, timeout=60.0):
    stepfunctions = devstack.aws_client("stepfunctions")
    execution_arn = stepfunctions.start_execution(
        stateMachineArn=state_machine_arn,
        name=f"{deployment_id}-{uuid.uuid4().hex[:8]}",
        input=f'{{"deploymentId": "{deployment_id}"}}',
    )["executionArn"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = stepfunctions.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING":
            return execution
        time.sleep(0.2)
    raise AssertionError(f"{execution_arn} still running after {timeout}s")


def _deployment_id():
    return "d-" + uuid.uuid4().hex[:9].upper()


# Each machine's begin step moving a created deployment on is covered where the machine goes on:
# tests/e2e/test_server_rollout.py, test_lambda_deployments.py and test_ecs_deployments.py.
@pytest.mark.parametrize("output", STATE_MACHINES)
def test_a_workflow_for_a_missing_deployment_fails(devstack, output):
    execution = _run(devstack, devstack.stack_outputs[output], _deployment_id())
    assert execution["status"] == "FAILED"
    assert execution.get("error") == "DeploymentStartFailed"
