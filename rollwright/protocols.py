"""The two wire protocols of the CodeDeploy API: AWS JSON 1.1 and Smithy RPC v2 CBOR.

botocore's CodeDeploy model lists both (``protocols: ["smithy-rpc-v2-cbor", "json"]``); a client
picks one, and the answer (success or error) goes back in the protocol of the request.

* JSON 1.1: ``POST /`` with ``X-Amz-Target: CodeDeploy_20141006.<Operation>``, JSON bodies,
  timestamps as epoch-seconds numbers, blobs as base64 strings. Errors are
  ``{"__type": <name>, "message": ...}`` plus the ``x-amzn-ErrorType`` header.
* RPC v2 CBOR: ``POST .../service/CodeDeploy_20141006/operation/<Operation>`` with
  ``smithy-protocol: rpc-v2-cbor``, CBOR bodies, timestamps as tag 1, blobs as byte strings.
  Errors are a CBOR map ``{"__type": <shape id>, "message": ...}``.

Results are plain dicts in the model's member names whose leaves may be ``datetime`` or
``bytes``; each protocol gives those their wire form here.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from rollwright import cbor
from rollwright.errors import CodeDeployError, SerializationException, UnknownOperationException

SERVICE_TARGET_PREFIX = "CodeDeploy_20141006"
# The Smithy namespace of CodeDeploy's shapes; RPC v2 errors name the error by its shape id.
SHAPE_NAMESPACE = "com.amazonaws.codedeploy"

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
CBOR_CONTENT_TYPE = "application/cbor"

# A bound of ours, not CodeDeploy's: far above any request the model describes (a batch of 100
# names, a deployment group with every list full), far below API Gateway's 10 MB, so a body no
# client needs is refused before it is parsed.
MAX_REQUEST_BODY_BYTES = 1024 * 1024

_CBOR_PATH = re.compile(r"/service/(?P<service>[^/]+)/operation/(?P<operation>[^/]+)/?$")
_OPERATION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,127}")


class WireProtocol(StrEnum):
    """The names botocore gives the protocols in a service model's ``protocols`` list."""

    JSON_1_1 = "json"
    RPC_V2_CBOR = "smithy-rpc-v2-cbor"


@dataclass(frozen=True)
class HttpRequest:
    """What the API needs of an HTTP request. Header names are lower case."""

    path: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class ApiCall:
    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    binary: bool = False


def protocol_of(request: HttpRequest) -> WireProtocol:
    """Which protocol the request speaks, so that even an unreadable request is answered in it."""
    if _CBOR_PATH.search(request.path) or "smithy-protocol" in request.headers:
        return WireProtocol.RPC_V2_CBOR
    return WireProtocol.JSON_1_1


def read_call(protocol: WireProtocol, request: HttpRequest) -> ApiCall:
    if protocol is WireProtocol.RPC_V2_CBOR:
        return ApiCall(_cbor_operation(request.path), _cbor_params(_bounded(request.body)))
    return ApiCall(_json_operation(request.headers), _json_params(_bounded(request.body)))


def _bounded(body: bytes) -> bytes:
    if len(body) > MAX_REQUEST_BODY_BYTES:
        raise SerializationException(
            f"The request body is {len(body)} bytes; the API reads at most "
            f"{MAX_REQUEST_BODY_BYTES}."
        )
    return body


def write_result(protocol: WireProtocol, result: Mapping[str, Any]) -> HttpResponse:
    if protocol is WireProtocol.RPC_V2_CBOR:
        return HttpResponse(200, cbor.encode(result), _cbor_headers(), binary=True)
    return HttpResponse(200, _json_bytes(result), {"Content-Type": JSON_CONTENT_TYPE})


def write_error(protocol: WireProtocol, error: CodeDeployError) -> HttpResponse:
    if protocol is WireProtocol.RPC_V2_CBOR:
        body = {"__type": f"{SHAPE_NAMESPACE}#{error.name}", "message": error.message}
        return HttpResponse(error.http_status, cbor.encode(body), _cbor_headers(), binary=True)
    return HttpResponse(
        error.http_status,
        _json_bytes({"__type": error.name, "message": error.message}),
        {"Content-Type": JSON_CONTENT_TYPE, "x-amzn-ErrorType": error.name},
    )


def _checked_operation(service: str, operation: str) -> str:
    if service != SERVICE_TARGET_PREFIX or not _OPERATION_NAME.fullmatch(operation):
        raise UnknownOperationException(f"Unknown operation: {service}.{operation}")
    return operation


def _json_operation(headers: Mapping[str, str]) -> str:
    target = headers.get("x-amz-target")
    if not target:
        raise UnknownOperationException("Missing X-Amz-Target header")
    service, _, operation = target.partition(".")
    return _checked_operation(service, operation)


def _cbor_operation(path: str) -> str:
    match = _CBOR_PATH.search(path)
    if match is None:
        raise UnknownOperationException(f"No operation at path {path}")
    return _checked_operation(match["service"], match["operation"])


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _json_params(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        params = json.loads(body, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise SerializationException("The request body is not valid JSON") from error
    except RecursionError as error:
        # json nests on the C stack; deep enough, it runs out before it finds an error.
        raise SerializationException(_too_deep()) from error
    if _depth(params) > cbor.MAX_DEPTH:
        raise SerializationException(_too_deep())
    return _as_structure(params)


def _too_deep() -> str:
    return f"The request body nests deeper than {cbor.MAX_DEPTH} levels"


def _depth(document: object) -> int:
    """How deeply ``document`` nests, walked without recursion; the same bound as CBOR's, so a
    document is refused alike in both protocols."""
    deepest, pending = 0, [(document, 0)]
    while pending:
        value, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return deepest


def _cbor_params(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        params = cbor.decode(body)
    except cbor.CborDecodeError as error:
        raise SerializationException(f"The request body is not valid CBOR: {error}") from error
    return _as_structure(params)


def _as_structure(params: object) -> dict[str, Any]:
    if not isinstance(params, dict) or not all(isinstance(key, str) for key in params):
        raise SerializationException("The request body must be a structure")
    return params


def _cbor_headers() -> dict[str, str]:
    return {"Content-Type": CBOR_CONTENT_TYPE, "smithy-protocol": "rpc-v2-cbor"}


def _json_leaf(value: object) -> object:
    if isinstance(value, datetime):
        seconds = value.timestamp()
        return int(seconds) if value.microsecond == 0 else seconds
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} has no JSON form")


def _json_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, default=_json_leaf, separators=(",", ":")).encode("utf-8")
