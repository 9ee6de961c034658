"""API Gateway (REST, Lambda proxy) for the deployed template's APIs, at `/_api/<id>/<stage>`."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from devstack import sigv4_verifier
from devstack.lambda_runtime import LambdaRuntime
from devstack.request_accounting import AwsOperation, RequestCounter
from devstack.rest_api import ApiRoute, RestApiDefinition
from devstack.settings import ACCOUNT_ID

PREFIX = "/_api/"
# API Gateway's payload quota for REST APIs (10 MB, not adjustable). Bigger bodies are refused
# before routing or authorization, as 413 with the REQUEST_TOO_LARGE gateway response's message.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


class ApiGatewayEmulator:
    def __init__(self, runtime: LambdaRuntime) -> None:
        self._runtime = runtime
        self._apis: dict[str, RestApiDefinition] = {}
        self._lock = threading.Lock()

    def register(self, api: RestApiDefinition) -> None:
        with self._lock:
            self._apis[api.api_id] = api

    def apis(self) -> list[RestApiDefinition]:
        with self._lock:
            return list(self._apis.values())

    def handle(self, request: Request, requests: RequestCounter) -> Response:
        if len(request.get_data()) > MAX_PAYLOAD_BYTES:
            return Response(
                json.dumps({"message": "Request Too Long"}),
                status=413,
                content_type="application/json",
            )
        api_id, _, rest = request.path[len(PREFIX) :].partition("/")
        stage, _, resource_path = rest.partition("/")
        path = "/" + resource_path
        with self._lock:
            api = self._apis.get(api_id)
        if api is None or api.stage != stage:
            return _gateway_error(403, "ForbiddenException", "Forbidden")
        found = api.route_for(request.method, path)
        requests.count(AwsOperation("execute-api", f"{request.method} {_resource(found)}"))
        if found is None:
            return _gateway_error(
                403, "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        route, path_parameters = found
        caller = None
        if route.authorization_type == "AWS_IAM":
            try:
                caller = sigv4_verifier.verify(_received(request))
            except sigv4_verifier.AuthenticationError as failure:
                return _gateway_error(403, failure.error_type, failure.message)
        if route.integration_type == "MOCK" or route.function_name is None:
            return Response(status=200)
        event = _proxy_event(
            request, api, _MatchedRoute(route, path, path_parameters), caller=caller
        )
        return self._integrate(route, event)

    def _integrate(self, route: ApiRoute, event: dict[str, Any]) -> Response:
        assert route.function_name is not None
        try:
            result = self._runtime.invoke(
                route.function_name, json.dumps(event).encode(), region=route.region
            )
        except Exception:
            return _gateway_error(502, "InternalServerErrorException", "Internal server error")
        if result.failed:
            return _gateway_error(502, "InternalServerErrorException", "Internal server error")
        return _http_response(result.payload)


def _resource(found: tuple[ApiRoute, dict[str, str]] | None) -> str:
    return found[0].resource_path if found else "(no route)"


def _received(request: Request) -> sigv4_verifier.ReceivedRequest:
    raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    raw_path, _, raw_query = raw_uri.partition("?")
    return sigv4_verifier.ReceivedRequest(
        method=request.method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=dict(request.headers.items()),
        body=request.get_data(),
    )


@dataclass(frozen=True)
class _MatchedRoute:
    route: ApiRoute
    path: str  # without the /_api/<id>/<stage> prefix: what API Gateway puts in the event
    path_parameters: dict[str, str]


def _proxy_event(
    request: Request,
    api: RestApiDefinition,
    matched: _MatchedRoute,
    *,
    caller: sigv4_verifier.VerifiedCaller | None,
) -> dict[str, Any]:
    """The REST (v1) Lambda proxy event API Gateway would send for this request."""
    route, path, path_parameters = matched.route, matched.path, matched.path_parameters
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query_pairs = parse_qsl(request.query_string.decode(), keep_blank_values=True)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in query_pairs:
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    body_bytes = request.get_data()
    binary = api.is_binary(request.headers.get("Content-Type", ""))
    if binary:
        body: str | None = base64.b64encode(body_bytes).decode()
    else:
        body = body_bytes.decode("utf-8", errors="replace")
    now = datetime.now(UTC)
    source_ip = request.remote_addr or "127.0.0.1"
    return {
        "resource": route.resource_path,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": api.stage_variables or None,
        "requestContext": {
            "resourceId": route.resource_path,
            "resourcePath": route.resource_path,
            "httpMethod": request.method,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{api.stage}{path}",
            "accountId": caller.account_id if caller else ACCOUNT_ID,
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "stage": api.stage,
            "domainPrefix": api.api_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": caller.account_id if caller else None,
                "cognitoIdentityId": None,
                "caller": caller.access_key_id if caller else None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": caller.access_key_id if caller else None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": caller.user_arn if caller else None,
                "userAgent": request.headers.get("User-Agent"),
                "user": caller.access_key_id if caller else None,
            },
            "domainName": request.host,
            "apiId": api.api_id,
        },
        "body": body or None,
        "isBase64Encoded": binary,
    }


def _http_response(payload: bytes) -> Response:
    try:
        proxy = json.loads(payload or b"null")
    except ValueError:
        proxy = None
    if not isinstance(proxy, dict) or not isinstance(proxy.get("statusCode", 200), int):
        return _gateway_error(502, "InternalServerErrorException", "Internal server error")
    body = proxy.get("body") or ""
    data = base64.b64decode(body) if proxy.get("isBase64Encoded") else str(body).encode()
    response = Response(data, status=int(proxy.get("statusCode", 200)))
    response.headers.remove("Content-Type")
    for name, value in (proxy.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (proxy.get("multiValueHeaders") or {}).items():
        response.headers.remove(name)
        for value in values:
            response.headers.add(name, str(value))
    if "Content-Type" not in response.headers:
        response.headers["Content-Type"] = "application/json"
    return response


def _gateway_error(status: int, error_type: str, message: str) -> Response:
    response = Response(
        json.dumps({"message": message}), status=status, content_type="application/json"
    )
    response.headers["x-amzn-ErrorType"] = error_type
    return response
