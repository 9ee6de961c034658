"""The api Lambda handler over the in-memory store: API Gateway events in, proxy answers out."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.api import handler as api
from rollwright import cbor
from rollwright.applications import Applications
from tests.fakes.api_gateway import CALLER_ARN, proxy_event
from tests.fakes.application_store import InMemoryApplicationStore
from tests.fakes.lambda_context import FakeLambdaContext
from tests.fakes.services import in_memory_services

CBOR_PATH = "/service/CodeDeploy_20141006/operation/"
NOW = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> InMemoryApplicationStore:
    store = InMemoryApplicationStore()
    applications = Applications(store, clock=lambda: NOW, new_id=lambda: "app-id")
    served = in_memory_services(applications)
    monkeypatch.setattr(api, "services", lambda _function_arn: served)
    return store


def json_call(operation: str, params: dict[str, Any], **headers: str) -> dict[str, Any]:
    event = proxy_event(
        path="/",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"CodeDeploy_20141006.{operation}",
            **headers,
        },
        body=json.dumps(params).encode(),
    )
    return api.handler(event, FakeLambdaContext())


def cbor_call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    event = proxy_event(
        path=CBOR_PATH + operation,
        headers={"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
        body=cbor.encode(params),
    )
    return api.handler(event, FakeLambdaContext())


def cbor_body(answer: dict[str, Any]) -> Any:
    assert answer["isBase64Encoded"] is True
    return cbor.decode(base64.b64decode(answer["body"]))


def test_a_json_request_is_answered_in_json(store: InMemoryApplicationStore) -> None:
    answer = json_call("CreateApplication", {"applicationName": "shop"})
    assert answer["statusCode"] == 200
    assert answer["isBase64Encoded"] is False
    assert answer["headers"]["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(answer["body"]) == {"applicationId": "app-id"}
    assert "shop" in store.snapshot()


def test_a_cbor_request_is_answered_in_base64_cbor(store: InMemoryApplicationStore) -> None:
    cbor_call("CreateApplication", {"applicationName": "shop"})
    answer = cbor_call("GetApplication", {"applicationName": "shop"})
    assert answer["statusCode"] == 200
    assert answer["headers"]["smithy-protocol"] == "rpc-v2-cbor"
    assert cbor_body(answer)["application"]["createTime"] == NOW


def test_header_names_are_read_in_any_case(store: InMemoryApplicationStore) -> None:
    event = proxy_event(
        path="/",
        headers={"x-amz-target": "CodeDeploy_20141006.ListApplications"},
        body=b"{}",
    )
    answer = api.handler(event, FakeLambdaContext())
    assert json.loads(answer["body"]) == {"applications": []}


def test_a_base64_json_body_is_decoded(store: InMemoryApplicationStore) -> None:
    event = proxy_event(
        path="/",
        headers={"X-Amz-Target": "CodeDeploy_20141006.CreateApplication"},
        body=b'{"applicationName": "shop"}',
    )
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    assert api.handler(event, FakeLambdaContext())["statusCode"] == 200
    assert "shop" in store.snapshot()


def test_a_json_error_is_a_400_naming_the_exception(store: InMemoryApplicationStore) -> None:
    answer = json_call("GetApplication", {"applicationName": "ghost"})
    assert answer["statusCode"] == 400
    assert answer["headers"]["x-amzn-ErrorType"] == "ApplicationDoesNotExistException"
    assert json.loads(answer["body"])["__type"] == "ApplicationDoesNotExistException"


def test_a_cbor_error_is_answered_in_cbor(store: InMemoryApplicationStore) -> None:
    answer = cbor_call("GetApplication", {"applicationName": "ghost"})
    assert answer["statusCode"] == 400
    assert cbor_body(answer)["__type"].endswith("#ApplicationDoesNotExistException")


def test_an_unreadable_cbor_body_is_a_serialization_exception_in_cbor(
    store: InMemoryApplicationStore,
) -> None:
    event = proxy_event(
        path=CBOR_PATH + "CreateApplication",
        headers={"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
        body=b"\xa1\x61",
    )
    answer = api.handler(event, FakeLambdaContext())
    assert answer["statusCode"] == 400
    assert cbor_body(answer)["__type"].endswith("#SerializationException")
    assert store.snapshot() == {}


def test_an_unknown_operation_is_refused(store: InMemoryApplicationStore) -> None:
    answer = json_call("LaunchRockets", {})
    assert json.loads(answer["body"])["__type"] == "UnknownOperationException"


def test_an_unexpected_failure_is_a_500_internal_failure(
    monkeypatch: pytest.MonkeyPatch, store: InMemoryApplicationStore
) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "find", broken)
    answer = json_call("GetApplication", {"applicationName": "shop"})
    assert answer["statusCode"] == 500
    body = json.loads(answer["body"])
    assert body["__type"] == "InternalFailure"
    assert "disk on fire" not in body["message"]


def test_the_request_id_is_answered_as_x_amzn_requestid(store: InMemoryApplicationStore) -> None:
    answer = json_call("ListApplications", {})
    assert answer["headers"]["x-amzn-RequestId"]


def test_the_caller_identity_is_logged(
    store: InMemoryApplicationStore,
) -> None:
    # Given the function's log stream
    stream = io.StringIO()
    previous = api.logger.registered_handler.setStream(stream)
    try:
        # When a request is served
        json_call("ListApplications", {})
    finally:
        api.logger.registered_handler.setStream(previous)
    # Then its log record names the caller and the operation
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    served = [r for r in records if r.get("message") == "CodeDeploy request served"]
    assert served
    assert served[0]["caller"] == CALLER_ARN
    assert served[0]["operation"] == "ListApplications"


def test_a_bare_event_is_still_answered_in_json(store: InMemoryApplicationStore) -> None:
    bare = {"path": "/", "httpMethod": "POST", "headers": None, "body": None}
    answer = api.handler(bare, FakeLambdaContext())
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["__type"] == "UnknownOperationException"
