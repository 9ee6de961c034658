"""The agent Lambda handler: ping answers the caller identity; other routes are 404."""

from __future__ import annotations

import json

import functions.agent.handler as agent_handler
from functions.agent.handler import handler
from rollwright.server_rollout import ServerRollout
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


class _UntouchableStore:
    """A store that fails the test if anything reads or writes it."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the store was used: {name}")


HOST_ARN = "arn:aws:sts::123456789012:assumed-role/Rollwright-HostRole/host-7"


def _post(path: str, body: bytes, caller_arn: str = HOST_ARN) -> dict:
    agent_handler._rollout = ServerRollout(
        _UntouchableStore(), _UntouchableStore(), _UntouchableStore()
    )
    try:
        event = proxy_event(
            path=path,
            headers={"Content-Type": "application/json"},
            body=body,
            caller_arn=caller_arn,
        )
        return handler(event, FakeLambdaContext())
    finally:
        agent_handler._rollout = None


REPORT = {
    "commandId": "d-1.host-7.0",
    "deploymentId": "d-1",
    "hostId": "host-7",
    "lifecycleEvent": "ValidateService",
    "outcome": "Succeeded",
    "at": 1.0,
}


def test_a_body_that_is_not_json_is_400_and_changes_nothing() -> None:
    answer = _post("/agent/v1/events", b"{not json")
    assert answer["statusCode"] == 400
    assert "not JSON" in json.loads(answer["body"])["message"]


def test_a_malformed_report_is_400_naming_the_member() -> None:
    answer = _post("/agent/v1/events", json.dumps({**REPORT, "outcome": "Done"}).encode())
    assert answer["statusCode"] == 400
    assert "'Done' is not a EventOutcome" in json.loads(answer["body"])["message"]


def test_a_report_about_another_host_is_403_and_changes_nothing() -> None:
    body = json.dumps({**REPORT, "hostId": "host-8"}).encode()
    assert _post("/agent/v1/events", body)["statusCode"] == 403


def test_a_report_from_a_caller_that_is_no_host_is_403() -> None:
    body = json.dumps(REPORT).encode()
    assert _post("/agent/v1/events", body, caller_arn=CALLER_ARN)["statusCode"] == 403


def test_a_heartbeat_about_another_host_is_403() -> None:
    body = json.dumps({"commandId": "c", "deploymentId": "d-1", "hostId": "host-8"}).encode()
    assert _post("/agent/v1/heartbeat", body)["statusCode"] == 403


def _batch(*reports: dict) -> bytes:
    return json.dumps({"reports": list(reports)}).encode()


START = {**REPORT, "outcome": "InProgress", "at": 0.5}


def test_a_batch_with_one_malformed_report_is_400_naming_it_and_changes_nothing() -> None:
    answer = _post("/agent/v1.1/events", _batch(START, {**REPORT, "outcome": "Done"}))
    assert answer["statusCode"] == 400
    assert "reports[1]" in json.loads(answer["body"])["message"]


def test_a_batch_of_two_hosts_is_400_and_changes_nothing() -> None:
    answer = _post("/agent/v1.1/events", _batch(START, {**REPORT, "hostId": "host-8"}))
    assert answer["statusCode"] == 400
    assert "mixes hosts" in json.loads(answer["body"])["message"]


def test_a_batch_about_another_host_is_403_and_changes_nothing() -> None:
    other = {**REPORT, "hostId": "host-8"}
    assert _post("/agent/v1.1/events", _batch({**other, "at": 0.5}, other))["statusCode"] == 403
