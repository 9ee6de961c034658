"""An in-process API Gateway: botocore requests become REST v1 proxy events for a handler.

``attach(client, handler)`` registers a ``before-send`` hook on a botocore client, so the stock
client's real serializer, signer and parser run and only the network is replaced. The event is
built the way API Gateway builds it: the stage (``/v1``) is stripped from the path, binary
(``application/cbor``) bodies arrive base64-encoded, and the caller identity is in
``requestContext.identity.userArn``.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse

from tests.fakes.lambda_context import FakeLambdaContext

CALLER_ARN = "arn:aws:iam::123456789012:user/pipeline"
STAGE = "v1"
BINARY_MEDIA_TYPES = ("application/cbor",)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def proxy_event(
    *,
    path: str,
    headers: dict[str, str],
    body: bytes,
    caller_arn: str = CALLER_ARN,
) -> dict[str, Any]:
    content_type = headers.get("Content-Type", headers.get("content-type", ""))
    binary = content_type in BINARY_MEDIA_TYPES
    return {
        "resource": "/service/{proxy+}" if path.startswith("/service/") else path,
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "httpMethod": "POST",
            "path": f"/{STAGE}{path}",
            "identity": {"userArn": caller_arn, "sourceIp": "127.0.0.1"},
        },
        "body": base64.b64encode(body).decode("ascii") if binary else body.decode("utf-8"),
        "isBase64Encoded": binary,
    }


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class InProcessApiGateway:
    """Calls ``handler`` for every request a client sends; keeps the events and answers."""

    def __init__(self, handler: Handler, *, caller_arn: str = CALLER_ARN) -> None:
        self._handler = handler
        self._caller_arn = caller_arn
        self.requests: list[Any] = []

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-send.codedeploy", self._send)
        return client

    def _send(self, request: Any, **_: Any) -> AWSResponse:
        self.requests.append(request)
        url = urlsplit(request.url)
        path = url.path.removeprefix(f"/{STAGE}") or "/"
        headers = {
            name: value.decode() if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        event = proxy_event(path=path, headers=headers, body=body, caller_arn=self._caller_arn)
        answer = self._handler(event, FakeLambdaContext())
        raw = answer["body"].encode("utf-8")
        if answer.get("isBase64Encoded"):
            raw = base64.b64decode(raw)
        return AWSResponse(request.url, answer["statusCode"], answer["headers"], _Raw(raw))
