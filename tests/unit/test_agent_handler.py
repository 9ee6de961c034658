"""The agent Lambda handler: ping answers the caller identity; other routes are 404."""

from __future__ import annotations

import json

from functions.agent.handler import handler
from tests.fakes.api_gateway import CALLER_ARN, proxy_event
from tests.fakes.lambda_context import FakeLambdaContext


def test_ping_answers_the_caller_identity() -> None:
    answer = handler(proxy_event(path="/agent/v1/ping", headers={}, body=b""), FakeLambdaContext())
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"callerArn": CALLER_ARN}


def test_an_unknown_agent_route_is_404_json() -> None:
    answer = handler(proxy_event(path="/agent/v1/nope", headers={}, body=b""), FakeLambdaContext())
    assert answer["statusCode"] == 404
    assert answer["headers"]["Content-Type"] == "application/json"
    assert "nope" in json.loads(answer["body"])["message"]
