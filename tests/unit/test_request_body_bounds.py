"""What the API reads of a body: at most MAX_REQUEST_BODY_BYTES, nested at most cbor.MAX_DEPTH."""

from __future__ import annotations

import json

import pytest

from rollwright import cbor
from rollwright.errors import SerializationException
from rollwright.protocols import (
    MAX_REQUEST_BODY_BYTES,
    HttpRequest,
    WireProtocol,
    read_call,
)

JSON_HEADERS = {"x-amz-target": "CodeDeploy_20141006.CreateApplication"}
CBOR_PATH = "/service/CodeDeploy_20141006/operation/CreateApplication"


def json_request(body: bytes) -> HttpRequest:
    return HttpRequest(path="/", headers=JSON_HEADERS, body=body)


def padded_json(size: int) -> bytes:
    empty = json.dumps({"applicationName": "shop", "padding": ""}).encode()
    return json.dumps({"applicationName": "shop", "padding": "x" * (size - len(empty))}).encode()


def test_a_json_body_at_the_limit_is_read() -> None:
    # Given a body of exactly the limit
    body = padded_json(MAX_REQUEST_BODY_BYTES)
    assert len(body) == MAX_REQUEST_BODY_BYTES

    # When it is read
    call = read_call(WireProtocol.JSON_1_1, json_request(body))

    # Then its members are there
    assert call.params["applicationName"] == "shop"


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_a_body_over_the_limit_is_a_serialization_exception(protocol: WireProtocol) -> None:
    # Given a body one byte over the limit
    body = padded_json(MAX_REQUEST_BODY_BYTES + 1)
    request = (
        HttpRequest(path=CBOR_PATH, headers={}, body=body)
        if protocol is WireProtocol.RPC_V2_CBOR
        else json_request(body)
    )

    # When it is read, then it is refused before it is parsed, naming the limit
    with pytest.raises(SerializationException, match=str(MAX_REQUEST_BODY_BYTES)):
        read_call(protocol, request)


def test_json_nested_beyond_the_interpreters_stack_is_a_serialization_exception() -> None:
    # Given JSON nested far deeper than Python's recursion limit
    body = b'{"applicationName":' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    # When it is read, then it is a client error, not a RecursionError (a fault)
    with pytest.raises(SerializationException, match="nests deeper"):
        read_call(WireProtocol.JSON_1_1, json_request(body))


def test_json_is_held_to_the_nesting_bound_of_cbor() -> None:
    # Given the same document one level too deep, in both protocols
    document: object = "leaf"
    for _ in range(cbor.MAX_DEPTH):
        document = [document]
    json_body = json.dumps({"tags": document}).encode()
    # (cbor.encode refuses to write it, so the CBOR is spelled out: {"tags": [[...["leaf"]...]]})
    cbor_body = b"\xa1\x64tags" + b"\x81" * cbor.MAX_DEPTH + b"\x64leaf"

    # When each protocol reads it, then both refuse it
    with pytest.raises(SerializationException, match="nests deeper"):
        read_call(WireProtocol.JSON_1_1, json_request(json_body))
    with pytest.raises(SerializationException, match="nesting deeper"):
        read_call(WireProtocol.RPC_V2_CBOR, HttpRequest(path=CBOR_PATH, headers={}, body=cbor_body))


def test_json_at_the_nesting_bound_is_read() -> None:
    # Given a document exactly as deep as the bound
    document: object = "leaf"
    for _ in range(cbor.MAX_DEPTH - 1):
        document = [document]

    # When it is read, then it is accepted
    call = read_call(WireProtocol.JSON_1_1, json_request(json.dumps({"tags": document}).encode()))
    assert "tags" in call.params
