"""The wire protocols, checked against botocore's own serializers and parsers for CodeDeploy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.parsers import JSONParser, RpcV2CBORParser
from botocore.serialize import JSONSerializer, RpcV2CBORSerializer

from rollwright import cbor
from rollwright.errors import (
    ApplicationDoesNotExistException,
    SerializationException,
    UnknownOperationException,
)
from rollwright.protocols import (
    HttpRequest,
    WireProtocol,
    protocol_of,
    read_call,
    write_error,
    write_result,
)

MODEL = botocore.session.get_session().get_service_model("codedeploy")
CREATED = datetime(2026, 11, 27, 22, 0, 0, 250000, tzinfo=UTC)
INFO = {
    "applicationId": "2c7d1f1e-2f8e-4c35-9f59-4d8c2f3a0c11",
    "applicationName": "shop",
    "createTime": CREATED,
    "linkedToGitHub": False,
    "computePlatform": "Server",
}
SERIALIZERS = {WireProtocol.JSON_1_1: JSONSerializer, WireProtocol.RPC_V2_CBOR: RpcV2CBORSerializer}
PARSERS = {WireProtocol.JSON_1_1: JSONParser, WireProtocol.RPC_V2_CBOR: RpcV2CBORParser}


def botocore_request(protocol: WireProtocol, operation: str, params: dict[str, Any]) -> HttpRequest:
    """The request the stock client sends for ``operation``, as API Gateway passes it on."""
    serialized = SERIALIZERS[protocol]().serialize_to_request(
        params, MODEL.operation_model(operation)
    )
    headers = {name.lower(): value for name, value in serialized["headers"].items()}
    body = serialized["body"]
    return HttpRequest(
        path=serialized["url_path"],
        headers=headers,
        body=body if isinstance(body, bytes) else body.encode(),
    )


def botocore_parse(protocol: WireProtocol, operation: str, response: Any) -> dict[str, Any]:
    raw = {
        "status_code": response.status,
        "headers": {name.lower(): value for name, value in response.headers.items()},
        "body": response.body,
    }
    return PARSERS[protocol]().parse(raw, MODEL.operation_model(operation).output_shape)


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_a_botocore_request_is_read_as_its_operation_and_params(protocol: WireProtocol) -> None:
    # Given the stock client's serialization of CreateApplication
    params = {
        "applicationName": "shop",
        "computePlatform": "Lambda",
        "tags": [{"Key": "team", "Value": "payments"}],
    }
    request = botocore_request(protocol, "CreateApplication", params)
    # When the API reads it
    detected = protocol_of(request)
    call = read_call(detected, request)
    # Then the protocol, operation and params are the client's
    assert detected is protocol
    assert call.operation == "CreateApplication"
    assert call.params == params


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_a_request_without_members_reads_as_no_params(protocol: WireProtocol) -> None:
    request = botocore_request(protocol, "ListApplications", {})
    assert read_call(protocol, request).params == {}


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_an_empty_body_reads_as_no_params(protocol: WireProtocol) -> None:
    request = botocore_request(protocol, "ListApplications", {})
    empty = HttpRequest(path=request.path, headers=request.headers, body=b"")
    assert read_call(protocol, empty).params == {}


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_botocore_parses_a_result_with_its_timestamp(protocol: WireProtocol) -> None:
    # Given a GetApplication result encoded in the protocol
    response = write_result(protocol, {"application": INFO})
    # When botocore parses it with the model's output shape
    parsed = botocore_parse(protocol, "GetApplication", response)
    # Then every member, the timestamp included, comes back
    application = parsed["application"]
    assert application["createTime"] == CREATED
    assert {k: v for k, v in application.items() if k != "createTime"} == {
        k: v for k, v in INFO.items() if k != "createTime"
    }


def test_json_timestamps_are_epoch_seconds_numbers() -> None:
    response = write_result(WireProtocol.JSON_1_1, {"application": INFO})
    assert json.loads(response.body)["application"]["createTime"] == CREATED.timestamp()
    assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert not response.binary


def test_cbor_timestamps_are_tag_1() -> None:
    response = write_result(WireProtocol.RPC_V2_CBOR, {"when": CREATED})
    assert response.body[: len(b"\xa1dwhen")] == b"\xa1dwhen"
    assert response.body[len(b"\xa1dwhen")] == 0xC1  # tag 1
    assert response.headers == {
        "Content-Type": "application/cbor",
        "smithy-protocol": "rpc-v2-cbor",
    }
    assert response.binary


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_botocore_reads_an_error_as_its_code_and_message(protocol: WireProtocol) -> None:
    # Given a CodeDeploy error encoded in the protocol
    response = write_error(protocol, ApplicationDoesNotExistException("No application shop"))
    # When botocore parses the error response
    parsed = botocore_parse(protocol, "GetApplication", response)
    # Then it names the exception and carries the message
    assert response.status == 400
    assert parsed["Error"] == {
        "Code": "ApplicationDoesNotExistException",
        "Message": "No application shop",
    }


def test_a_json_error_names_the_exception_in_body_and_header() -> None:
    response = write_error(WireProtocol.JSON_1_1, ApplicationDoesNotExistException("gone"))
    assert json.loads(response.body) == {
        "__type": "ApplicationDoesNotExistException",
        "message": "gone",
    }
    assert response.headers["x-amzn-ErrorType"] == "ApplicationDoesNotExistException"


def test_a_cbor_error_names_the_exception_by_shape_id() -> None:
    response = write_error(WireProtocol.RPC_V2_CBOR, ApplicationDoesNotExistException("gone"))
    assert cbor.decode(response.body) == {
        "__type": "com.amazonaws.codedeploy#ApplicationDoesNotExistException",
        "message": "gone",
    }
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/", {"x-amz-target": "CodeDeploy_20141006.ListApplications"}, WireProtocol.JSON_1_1),
        ("/", {}, WireProtocol.JSON_1_1),
        (
            "/service/CodeDeploy_20141006/operation/ListApplications",
            {},
            WireProtocol.RPC_V2_CBOR,
        ),
        ("/anything", {"smithy-protocol": "rpc-v2-cbor"}, WireProtocol.RPC_V2_CBOR),
    ],
)
def test_the_protocol_is_chosen_by_path_and_headers(
    path: str, headers: dict[str, str], expected: WireProtocol
) -> None:
    assert protocol_of(HttpRequest(path=path, headers=headers, body=b"")) is expected


@pytest.mark.parametrize(
    ("protocol", "path", "headers"),
    [
        (WireProtocol.JSON_1_1, "/", {}),
        (WireProtocol.JSON_1_1, "/", {"x-amz-target": "DynamoDB_20120810.ListTables"}),
        (WireProtocol.JSON_1_1, "/", {"x-amz-target": "CodeDeploy_20141006."}),
        (WireProtocol.RPC_V2_CBOR, "/service/Other_2020/operation/ListThings", {}),
        (WireProtocol.RPC_V2_CBOR, "/service/CodeDeploy_20141006/operation/Bad-Name", {}),
        (WireProtocol.RPC_V2_CBOR, "/not/a/service/path", {"smithy-protocol": "rpc-v2-cbor"}),
    ],
)
def test_a_request_naming_no_codedeploy_operation_is_unknown(
    protocol: WireProtocol, path: str, headers: dict[str, str]
) -> None:
    with pytest.raises(UnknownOperationException):
        read_call(protocol, HttpRequest(path=path, headers=headers, body=b"{}"))


@pytest.mark.parametrize(
    ("protocol", "body"),
    [
        (WireProtocol.JSON_1_1, b"{not json"),
        (WireProtocol.JSON_1_1, b"[1, 2]"),
        (WireProtocol.JSON_1_1, b'{"a": NaN}'),
        (WireProtocol.JSON_1_1, b"\xff\xfe"),
        (WireProtocol.RPC_V2_CBOR, b"\x83\x01"),
        (WireProtocol.RPC_V2_CBOR, b"\x82\x01\x02"),
        (WireProtocol.RPC_V2_CBOR, b"\xa1\x01\x02"),
    ],
)
def test_a_malformed_body_is_a_serialization_exception(protocol: WireProtocol, body: bytes) -> None:
    request = HttpRequest(
        path="/service/CodeDeploy_20141006/operation/ListApplications",
        headers={"x-amz-target": "CodeDeploy_20141006.ListApplications"},
        body=body,
    )
    with pytest.raises(SerializationException):
        read_call(protocol, request)
