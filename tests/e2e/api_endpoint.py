"""Raw, signed HTTP requests to the devstack's CodeDeploy API, and the state table around them.

The stock client would refuse to send most bad input (botocore validates parameters), so these
requests are built by hand: JSON 1.1 to ``POST <api_url>/`` with ``X-Amz-Target``, RPC v2 CBOR to
``POST <api_url>/service/CodeDeploy_20141006/operation/<Op>``, SigV4-signed for ``execute-api``
as the operator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import create_parser

from devstack.state import DevstackState
from rollwright import cbor
from rollwright.protocols import (
    CBOR_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    SERVICE_TARGET_PREFIX,
    WireProtocol,
)
from tests.e2e.model_requests import operation_model, service_model

Key = tuple[str, str]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    document: dict[str, Any] | None  # the decoded body; None when it is not a readable map
    error: str | None  # the exception name, as botocore's parser reads it

    def describe(self) -> str:
        shown = repr(self.document if self.document is not None else self.body[:300])
        return f"HTTP {self.status} {shown[:600]}"


class CodeDeployEndpoint:
    def __init__(self, devstack: DevstackState) -> None:
        self._api_url = devstack.api_url
        self._region = devstack.region
        self._credentials = Credentials(devstack.access_key_id, devstack.secret_access_key)
        self._http = requests.Session()

    def call(self, operation: str, protocol: WireProtocol, body: bytes) -> Answer:
        """Send ``body`` as ``operation`` in ``protocol``; parse the answer as botocore would."""
        if protocol is WireProtocol.RPC_V2_CBOR:
            url = f"{self._api_url}/service/{SERVICE_TARGET_PREFIX}/operation/{operation}"
            headers = {
                "Content-Type": CBOR_CONTENT_TYPE,
                "Accept": CBOR_CONTENT_TYPE,
                "smithy-protocol": "rpc-v2-cbor",
            }
        else:
            url = f"{self._api_url}/"
            headers = {
                "Content-Type": JSON_CONTENT_TYPE,
                "X-Amz-Target": f"{SERVICE_TARGET_PREFIX}.{operation}",
            }
        return self.post(url, body, headers, operation=operation, protocol=protocol)

    def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        operation: str | None = None,
        protocol: WireProtocol = WireProtocol.JSON_1_1,
    ) -> Answer:
        signed = AWSRequest(method="POST", url=url, data=body, headers=headers)
        SigV4Auth(self._credentials, "execute-api", self._region).add_auth(signed)
        response = self._http.post(url, data=body, headers=dict(signed.headers.items()), timeout=60)
        answer_headers = dict(response.headers.items())
        document = _decoded(answer_headers.get("Content-Type", ""), response.content)
        error = None
        if response.status_code != 200 and document is not None:
            error = _error_name(protocol, operation, response, answer_headers)
        return Answer(response.status_code, answer_headers, response.content, document, error)


def parsed_output(operation: str, protocol: WireProtocol, answer: Answer) -> dict[str, Any]:
    """The success answer through botocore's own parser, against the operation's output shape."""
    parser = create_parser(protocol.value)
    response = {"status_code": answer.status, "headers": answer.headers, "body": answer.body}
    parsed: dict[str, Any] = parser.parse(response, operation_model(operation).output_shape)
    return parsed


def _decoded(content_type: str, body: bytes) -> dict[str, Any] | None:
    try:
        if content_type.startswith(CBOR_CONTENT_TYPE):
            document = cbor.decode(body)
        else:
            document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _error_name(
    protocol: WireProtocol,
    operation: str | None,
    response: requests.Response,
    headers: dict[str, str],
) -> str | None:
    parser = create_parser(protocol.value)
    known = operation in service_model().operation_names
    shape = operation_model(operation).output_shape if operation and known else None
    raw = {"status_code": response.status_code, "headers": headers, "body": response.content}
    # An answer botocore's parser cannot read has no exception name; the test reports it.
    try:
        parsed = parser.parse(raw, shape)
    except Exception:
        return None
    code = parsed.get("Error", {}).get("Code")
    return str(code) if code else None


class StateTable:
    """The stack's DynamoDB table, read whole: the property test keeps it small."""

    def __init__(self, devstack: DevstackState) -> None:
        self._dynamodb = devstack.aws_client("dynamodb")
        self._name = devstack.stack_outputs["TableName"]

    def items(self) -> dict[Key, dict[str, Any]]:
        found: dict[Key, dict[str, Any]] = {}
        arguments: dict[str, Any] = {"TableName": self._name, "ConsistentRead": True}
        while True:
            page = self._dynamodb.scan(**arguments)
            for item in page["Items"]:
                found[(item["pk"]["S"], item["sk"]["S"])] = item
            if "LastEvaluatedKey" not in page:
                return found
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def restore(
        self, current: dict[Key, dict[str, Any]], wanted: dict[Key, dict[str, Any]]
    ) -> None:
        """Put the table back as ``wanted`` after a call that changed it."""
        for key in current.keys() - wanted.keys():
            self._dynamodb.delete_item(
                TableName=self._name, Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}}
            )
        for key, item in wanted.items():
            if current.get(key) != item:
                self._dynamodb.put_item(TableName=self._name, Item=item)
