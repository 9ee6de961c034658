"""Bad input over HTTP: requests generated from botocore's CodeDeploy model, sent to the devstack.

Every operation the API serves is exercised with valid requests and with requests carrying one
defect (tests/e2e/model_requests.py), in JSON 1.1 and RPC v2 CBOR, through API Gateway emulation,
SigV4 and the real api function. The answers must follow tests/e2e/model_answers.py, and a
rejected call must leave the state table exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings

from devstack.state import DevstackState
from rollwright.operations import OPERATIONS
from rollwright.protocols import JSON_CONTENT_TYPE, WireProtocol
from tests.e2e.api_endpoint import CodeDeployEndpoint, Key, StateTable, parsed_output
from tests.e2e.model_answers import expected_errors, output_problems
from tests.e2e.model_requests import (
    ACCOUNT,
    KNOWN_APPLICATION,
    KNOWN_DEPLOYMENT_GROUP,
    ModelRequest,
    encode,
    model_requests,
    modeled_errors,
    operation_model,
)

GENERATED_CASES = 500
# API Gateway's payload limit (REST APIs: 10 MB) and the api function's own bound on a body.
API_GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024
REQUEST_BODY_LIMIT = 1024 * 1024

Snapshot = dict[Key, dict[str, Any]]


@pytest.fixture(scope="module")
def endpoint(devstack: DevstackState) -> CodeDeployEndpoint:
    return CodeDeployEndpoint(devstack)


@pytest.fixture(scope="module")
def table(devstack: DevstackState) -> StateTable:
    return StateTable(devstack)


@pytest.fixture(scope="module")
def targets(devstack: DevstackState) -> Iterator[None]:
    """The things generated requests may name: an application and, once the API serves
    deployment groups, a group of it. Names the test never creates stand for unknown targets."""
    codedeploy = devstack.codedeploy_client()
    codedeploy.create_application(applicationName=KNOWN_APPLICATION)
    if "CreateDeploymentGroup" in OPERATIONS:
        try:
            codedeploy.create_deployment_group(
                applicationName=KNOWN_APPLICATION,
                deploymentGroupName=KNOWN_DEPLOYMENT_GROUP,
                serviceRoleArn=f"arn:aws:iam::{ACCOUNT}:role/fuzz-service-role",
            )
        except ClientError as refused:
            # Still covered: requests then name a group that does not exist.
            print(f"no deployment group for the property test: {refused}")
    yield
    if "DeleteDeploymentGroup" in OPERATIONS:
        codedeploy.delete_deployment_group(
            applicationName=KNOWN_APPLICATION, deploymentGroupName=KNOWN_DEPLOYMENT_GROUP
        )
    codedeploy.delete_application(applicationName=KNOWN_APPLICATION)


@pytest.fixture(scope="module")
def baseline(targets: None, table: StateTable) -> Snapshot:
    return table.items()


@settings(
    max_examples=GENERATED_CASES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(generated=model_requests(sorted(OPERATIONS)))
def test_every_generated_request_gets_the_answer_the_model_gives_it(
    endpoint: CodeDeployEndpoint, table: StateTable, baseline: Snapshot, generated: ModelRequest
) -> None:
    # Given a request generated from the model, valid or with one defect
    # When it is sent, signed, to the API
    answer = endpoint.call(generated.operation, generated.protocol, generated.body)

    # Then the answer is never a fault and always readable
    context = f"{generated.describe()}\n  answered {answer.describe()}"
    assert answer.status < 500, context
    assert answer.document is not None, context
    if generated.valid and answer.status == 200:
        # and a success is the operation's output shape, as botocore reads it
        parsed_output(generated.operation, generated.protocol, answer)
        output = operation_model(generated.operation).output_shape
        assert output_problems(output, answer.document, generated.protocol) == [], context
        table.restore(table.items(), baseline)
        return
    # and a refusal is a 400 naming an exception that fits the request
    assert answer.status == 400, context
    assert answer.error in expected_errors(generated), (
        f"{context}\n  expected one of {sorted(expected_errors(generated))}"
    )
    # and the refused call changed nothing
    assert table.items() == baseline, context


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_an_unknown_operation_is_refused_with_unknown_operation_exception(
    endpoint: CodeDeployEndpoint, table: StateTable, protocol: WireProtocol
) -> None:
    # Given an operation CodeDeploy does not have
    before = table.items()

    # When it is called
    answer = endpoint.call("LaunchRockets", protocol, b"")

    # Then the answer is UnknownOperationException, and nothing changed
    assert (answer.status, answer.error) == (400, "UnknownOperationException")
    assert table.items() == before


@pytest.mark.parametrize(
    "target",
    ["CodeDeploy_20141006", "CodeDeploy_20141006.", "Lambda_20150331.ListFunctions", ""],
)
def test_a_json_request_without_a_codedeploy_target_is_an_unknown_operation(
    devstack: DevstackState, endpoint: CodeDeployEndpoint, target: str
) -> None:
    # Given an X-Amz-Target that names no CodeDeploy operation (or none at all)
    headers = {"Content-Type": JSON_CONTENT_TYPE}
    if target:
        headers["X-Amz-Target"] = target

    # When the request is sent
    answer = endpoint.post(f"{devstack.api_url}/", b"{}", headers)

    # Then the answer is UnknownOperationException
    assert (answer.status, answer.error) == (400, "UnknownOperationException")


def test_a_cbor_request_for_another_service_is_an_unknown_operation(
    devstack: DevstackState, endpoint: CodeDeployEndpoint
) -> None:
    # Given an RPC v2 CBOR path naming another service
    url = f"{devstack.api_url}/service/Lambda_20150331/operation/ListApplications"

    # When the request is sent
    answer = endpoint.post(
        url,
        b"",
        {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
        protocol=WireProtocol.RPC_V2_CBOR,
    )

    # Then the answer is UnknownOperationException
    assert (answer.status, answer.error) == (400, "UnknownOperationException")


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_a_body_larger_than_the_api_reads_is_a_serialization_exception(
    endpoint: CodeDeployEndpoint, table: StateTable, protocol: WireProtocol
) -> None:
    # Given a body over the api function's limit but under API Gateway's
    before = table.items()
    body = _padded_create_application(protocol, REQUEST_BODY_LIMIT + 1)

    # When it is sent
    answer = endpoint.call("CreateApplication", protocol, body)

    # Then the function refuses it without reading it, and nothing changed
    assert (answer.status, answer.error) == (400, "SerializationException")
    assert table.items() == before


def test_a_body_larger_than_api_gateway_takes_is_refused_with_413(
    endpoint: CodeDeployEndpoint, table: StateTable
) -> None:
    # Given a body over API Gateway's 10 MB payload limit
    before = table.items()
    body = _padded_create_application(WireProtocol.JSON_1_1, API_GATEWAY_PAYLOAD_LIMIT + 1)

    # When it is sent
    answer = endpoint.call("CreateApplication", WireProtocol.JSON_1_1, body)

    # Then API Gateway answers as it does, and nothing changed
    assert answer.status == 413
    assert answer.document == {"message": "Request Too Long"}
    assert table.items() == before


def test_a_valid_request_refused_by_its_operation_names_a_modeled_exception(
    endpoint: CodeDeployEndpoint, table: StateTable, targets: None
) -> None:
    # Given an application that exists (the oracle's "modeled error" branch, pinned down)
    before = table.items()
    body = b'{"applicationName": "%s"}' % KNOWN_APPLICATION.encode()

    # When it is created again
    answer = endpoint.call("CreateApplication", WireProtocol.JSON_1_1, body)

    # Then the refusal names the modeled exception
    assert answer.error == "ApplicationAlreadyExistsException"
    assert answer.error in modeled_errors("CreateApplication")
    assert table.items() == before


def _padded_create_application(protocol: WireProtocol, size: int) -> bytes:
    """A CreateApplication body of exactly ``size`` bytes, padded by an unknown member."""
    empty = encode(protocol, {"applicationName": "padded", "padding": ""})
    # The padding's own length header grows in CBOR; aim a little short, then pad exactly.
    padding = "x" * (size - len(empty) - 8)
    body = encode(protocol, {"applicationName": "padded", "padding": padding})
    padding += "x" * (size - len(body))
    body = encode(protocol, {"applicationName": "padded", "padding": padding})
    assert len(body) == size
    return body
