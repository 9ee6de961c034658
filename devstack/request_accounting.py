"""Counts every AWS request the gateway serves, by service and operation.

The counts are the basis of the cost model, so requests made by Lambda functions and by moto's Step
Functions interpreter count too: they all come through the gateway.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote

import botocore.session

# Credential-scope signing names that differ from the botocore service name.
SIGNING_NAME_SERVICES = {
    "states": "stepfunctions",
    "monitoring": "cloudwatch",
    "email": "ses",
    "elasticloadbalancing": "elbv2",
    "execute-api": "execute-api",
}
# JSON-protocol target prefixes whose service shares another service's signing name.
TARGET_PREFIX_SERVICES = {"DynamoDBStreams_20120810": "dynamodbstreams"}
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_UNKNOWN = "Unknown"


@dataclass(frozen=True)
class AwsOperation:
    service: str
    operation: str


@dataclass(frozen=True)
class _RestRoute:
    pattern: re.Pattern[str]
    method: str
    required_query: frozenset[str]
    literal_weight: int
    operation: str


def signing_scope(authorization: str, query: str) -> tuple[str, str] | None:
    """The (region, service) of a SigV4 credential scope, from the header or a presigned query."""
    match = _CREDENTIAL_SCOPE.search(authorization)
    if match:
        return match.group(1), match.group(2)
    credential = parse_qs(query).get("X-Amz-Credential")
    if credential:
        parts = credential[0].split("/")
        if len(parts) >= 4:
            return parts[2], parts[3]
    return None


def identify_operation(
    *, method: str, path: str, query: str, headers: dict[str, str], body: bytes
) -> AwsOperation:
    """Name the AWS operation of a request the way the service's botocore model names it."""
    scope = signing_scope(headers.get("authorization", ""), query)
    signing_name = scope[1] if scope else _UNKNOWN
    service = SIGNING_NAME_SERVICES.get(signing_name, signing_name)
    target = headers.get("x-amz-target", "")
    if target:
        prefix, _, operation = target.rpartition(".")
        return AwsOperation(TARGET_PREFIX_SERVICES.get(prefix, service), operation)
    action = _query_action(query, headers, body)
    if action:
        return AwsOperation(service, action)
    if path.startswith("/2015-03-31/functions/") and path.endswith("/invocations"):
        return AwsOperation("lambda", "Invoke")
    return AwsOperation(service, _rest_operation(service, method, path, query))


def _query_action(query: str, headers: dict[str, str], body: bytes) -> str | None:
    actions = parse_qs(query).get("Action")
    if actions:
        return actions[0]
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        actions = parse_qs(body.decode("utf-8", errors="replace")).get("Action")
        if actions:
            return actions[0]
    return None


def _rest_operation(service: str, method: str, path: str, query: str) -> str:
    query_keys = set(parse_qs(query, keep_blank_values=True))
    best: _RestRoute | None = None
    for route in _rest_routes(service):
        if route.method != method or not route.required_query <= query_keys:
            continue
        if route.pattern.match(unquote(path)) and (
            best is None or route.literal_weight > best.literal_weight
        ):
            best = route
    return best.operation if best else f"{method} {path}"


@lru_cache(maxsize=64)
def _rest_routes(service: str) -> tuple[_RestRoute, ...]:
    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri_path, _, uri_query = http.get("requestUri", "/").partition("?")
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", "(.+)", re.escape(uri_path))
        pattern = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", pattern)
        required = frozenset(part.split("=")[0] for part in uri_query.split("&") if part)
        literal = len(re.sub(r"\{[^}]+\}", "", uri_path)) + 10 * len(required)
        routes.append(
            _RestRoute(
                pattern=re.compile(f"^{pattern.rstrip('/')}/?$"),
                method=http.get("method", "POST"),
                required_query=required,
                literal_weight=literal,
                operation=name,
            )
        )
    return tuple(routes)


class RequestCounter:
    """Thread-safe counts of AWS operations, grouped by service."""

    def __init__(self) -> None:
        self._counts: Counter[AwsOperation] = Counter()
        self._lock = threading.Lock()

    def count(self, operation: AwsOperation) -> None:
        with self._lock:
            self._counts[operation] += 1

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            counts = dict(self._counts)
        services: dict[str, dict[str, int]] = {}
        for operation, number in sorted(counts.items(), key=lambda item: repr(item[0])):
            services.setdefault(operation.service, {})[operation.operation] = number
        return {
            "total": sum(counts.values()),
            "services": {
                name: {"total": sum(ops.values()), "operations": ops}
                for name, ops in services.items()
            },
        }
