"""The real synthesized Rollwright template deploys on the devstack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devstack import launcher
from devstack.state import DevstackState
from tests.integration.devstack.conftest import free_port

CDK_OUT = Path(__file__).resolve().parents[3] / "cdk.out"
pytestmark = pytest.mark.skipif(
    not (CDK_OUT / "manifest.json").exists(),
    reason="cdk.out is absent: synthesize with `python app.py` (make test does)",
)


@pytest.fixture(scope="module")
def rollwright(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevstackState]:
    state_dir = tmp_path_factory.mktemp("rollwright")
    state = launcher.start(state_dir, free_port(), template_dir=CDK_OUT)
    yield state
    launcher.stop(state_dir)


def test_the_stack_outputs_name_the_contracted_resources(rollwright: DevstackState) -> None:
    # Given the real template deployed
    # When its outputs are read
    outputs = rollwright.stack_outputs

    # Then every contracted output is there and the API URL is the gateway's
    for name in (
        "ApiUrl",
        "TableName",
        "ServerStateMachineArn",
        "LambdaStateMachineArn",
        "EcsStateMachineArn",
        "ArtifactsBucketName",
    ):
        assert outputs.get(name), name
    assert rollwright.api_url == outputs["ApiUrl"]
    assert outputs["ApiUrl"].startswith(f"{rollwright.aws_endpoint_url}/_api/")
    assert outputs["ApiUrl"].endswith("/v1")


def test_the_state_table_exists(rollwright: DevstackState) -> None:
    # Given the real template deployed
    # When the table is described
    table = rollwright.aws_client("dynamodb").describe_table(
        TableName=rollwright.stack_outputs["TableName"]
    )["Table"]

    # Then it has the contracted key
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "pk": "HASH",
        "sk": "RANGE",
    }


def test_the_state_machines_exist(rollwright: DevstackState) -> None:
    # Given the real template deployed
    client = rollwright.aws_client("stepfunctions")

    # When the state machines are described
    # Then all three exist
    for output in ("ServerStateMachineArn", "LambdaStateMachineArn", "EcsStateMachineArn"):
        arn = rollwright.stack_outputs[output]
        assert client.describe_state_machine(stateMachineArn=arn)["stateMachineArn"] == arn


def test_the_functions_exist_without_layers(rollwright: DevstackState) -> None:
    # Given the real template deployed
    # When the functions are listed
    functions = rollwright.aws_client("lambda").list_functions()["Functions"]

    # Then the stack's Python functions are there
    names = [function["FunctionName"] for function in functions]
    assert len([name for name in names if name.startswith("Rollwright-")]) >= 4


def test_the_api_routes_are_served(rollwright: DevstackState) -> None:
    # Given the real template deployed
    # When an unsigned request reaches the CodeDeploy JSON route
    response = requests.post(rollwright.api_url + "/", data=b"{}", timeout=10)

    # Then the route exists and demands SigV4 (as API Gateway does for AWS_IAM)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
