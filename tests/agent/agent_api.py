"""A local agent API for agent tests: checks each request's SigV4 signature against the one set of
credentials it knows, answers from a script of statuses, and keeps the accepted documents."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from tests.agent.local_http import RecordedRequest, local_server

AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/execute-api/"
    r"aws4_request, SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


class _SignedHeadersOnly(SigV4Auth):
    def __init__(self, credentials: Credentials, region: str, signed: list[str]) -> None:
        super().__init__(credentials, "execute-api", region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name in self._signed:
            headers[name] = request.headers[name]
        return headers


def signature_problem(request: RecordedRequest, credentials: Credentials) -> str | None:
    """Why ``request`` is not signed by ``credentials`` for execute-api, or ``None``."""
    match = AUTHORIZATION.match(request.headers.get("authorization", ""))
    if match is None:
        return "no SigV4 execute-api authorization header"
    if match["key"] != credentials.access_key:
        return f"signed with {match['key']}"
    if credentials.token and request.headers.get("x-amz-security-token") != credentials.token:
        return "no session token"
    signed = match["signed"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return f"host and x-amz-date are not signed: {signed}"
    rebuilt = AWSRequest(
        method=request.method,
        url=f"http://{request.headers['host']}{request.path}",
        headers=request.headers,
        data=request.body,
    )
    rebuilt.context["timestamp"] = request.headers["x-amz-date"]
    signer = _SignedHeadersOnly(credentials, match["region"], signed)
    expected = signer.signature(
        signer.string_to_sign(rebuilt, signer.canonical_request(rebuilt)), rebuilt
    )
    return None if hmac.compare_digest(expected, match["signature"]) else "signature mismatch"


@dataclass
class AgentApi:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in turn; 200 once used up
    accepted: list[tuple[str, object]] = field(default_factory=list)  # (path, document)
    refused: list[str] = field(default_factory=list)
    attempts: int = 0


@contextmanager
def agent_api(credentials: Credentials) -> Iterator[AgentApi]:
    api = AgentApi(url="")

    def answer(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        api.attempts += 1
        problem = signature_problem(request, credentials)
        if problem is not None:
            api.refused.append(problem)
            return 403, {}, problem.encode()
        status = api.statuses.pop(0) if api.statuses else 200
        if status == 200:
            path = request.path.removeprefix("/v1")
            api.accepted.append((path, request.json()))
        return status, {"Content-Type": "application/json"}, b"{}"

    with local_server(answer) as server:
        api.url = server.url + "/v1"
        yield api
