"""The real state machines on the devstack: moto runs our ASL, which calls our workflow function."""

import time
import uuid

import boto3
import pytest

STATE_MACHINES = ["ServerStateMachineArn", "LambdaStateMachineArn", "EcsStateMachineArn"]


@pytest.fixture(scope="module")
def aws(devstack):
    def client(service):
        return boto3.client(
            service,
            endpoint_url=devstack.aws_endpoint_url,
            region_name=devstack.region,
            aws_access_key_id=devstack.access_key_id,
            aws_secret_access_key=devstack.secret_access_key,
        )

    return client


def _run(aws, state_machine_arn, deployment_id, timeout=60.0):
    stepfunctions = aws("stepfunctions")
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


@pytest.mark.parametrize("output", STATE_MACHINES)
def test_a_workflow_moves_a_created_deployment_to_in_progress(devstack, aws, output):
    # Given a created deployment in the stack's table
    table = aws("dynamodb")
    deployment_id = _deployment_id()
    table_name = devstack.stack_outputs["TableName"]
    table.put_item(
        TableName=table_name,
        Item={
            "pk": {"S": f"DEPLOYMENT#{deployment_id}"},
            "sk": {"S": "DEPLOYMENT"},
            "status": {"S": "Created"},
        },
    )
    # When its state machine runs
    execution = _run(aws, devstack.stack_outputs[output], deployment_id)
    # Then the workflow function ran through the local Lambda runtime and moved the status
    assert execution["status"] == "SUCCEEDED", execution
    item = table.get_item(
        TableName=table_name,
        Key={"pk": {"S": f"DEPLOYMENT#{deployment_id}"}, "sk": {"S": "DEPLOYMENT"}},
        ConsistentRead=True,
    )["Item"]
    assert item["status"] == {"S": "InProgress"}


@pytest.mark.parametrize("output", STATE_MACHINES)
def test_a_workflow_for_a_missing_deployment_fails(devstack, aws, output):
    execution = _run(aws, devstack.stack_outputs[output], _deployment_id())
    assert execution["status"] == "FAILED"
    assert execution.get("error") == "DeploymentStartFailed"
