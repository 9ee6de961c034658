"""Event reports and heartbeats, SigV4-signed, against a local agent API that checks signatures."""

import threading
import time

from botocore.credentials import Credentials

from agent.backoff import ErrorBackoff
from agent.reporter import AgentApiReporter
from rollwright.agent_protocol import (
    EventOutcome,
    EventReport,
    Heartbeat,
    event_report_document,
    heartbeat_document,
)
from rollwright.lifecycle import LifecycleEvent
from tests.agent.agent_api import agent_api

HOST = Credentials("ASIAHOSTSESSION", "host-secret", "host-session-token")
REPORT = EventReport(
    command_id="cmd-1",
    deployment_id="d-ABCDEF123",
    host_id="i-0abc",
    lifecycle_event=LifecycleEvent.AFTER_INSTALL,
    outcome=EventOutcome.SUCCEEDED,
    at=1_700_000_000.5,
)


def _reporter(api, credentials=HOST, retry_seconds=30.0, stop=None):
    # A small cap keeps retries quick in tests; the growth is the real one.
    return AgentApiReporter(
        api_url=api.url,
        credentials=credentials,
        region="us-east-1",
        retry_seconds=retry_seconds,
        backoff=ErrorBackoff(cap_seconds=0.05, stop=stop),
    )


def test_an_event_report_is_posted_signed_as_the_host():
    with agent_api(HOST) as api:
        _reporter(api).report(REPORT)
    assert api.refused == []
    assert api.accepted == [("/agent/v1/events", event_report_document(REPORT))]


def test_a_heartbeat_is_posted_signed_as_the_host():
    heartbeat = Heartbeat("cmd-1", "d-ABCDEF123", "i-0abc", LifecycleEvent.APPLICATION_START)
    with agent_api(HOST) as api:
        _reporter(api).heartbeat(heartbeat)
    assert api.accepted == [("/agent/v1/heartbeat", heartbeat_document(heartbeat))]


def test_a_report_signed_with_other_credentials_fails_the_signature_check():
    # Guards the check itself: the local API would notice a wrong signature
    with agent_api(HOST) as api:
        _reporter(
            api, credentials=Credentials("ASIAHOSTSESSION", "wrong", "host-session-token")
        ).report(REPORT)
    assert api.refused == ["signature mismatch"]
    assert api.accepted == []


def test_server_errors_are_retried_until_the_report_is_accepted():
    # Given an API that fails twice with 5xx
    with agent_api(HOST) as api:
        api.statuses = [503, 500]
        # When a report is sent
        _reporter(api).report(REPORT)
    # Then it is delivered on the third attempt
    assert api.attempts == 3
    assert api.accepted == [("/agent/v1/events", event_report_document(REPORT))]


def test_a_client_error_is_not_retried():
    with agent_api(HOST) as api:
        api.statuses = [404]  # what the control plane answers until it serves the route
        _reporter(api).report(REPORT)
    assert api.attempts == 1
    assert api.accepted == []


def test_a_heartbeat_is_not_retried():
    with agent_api(HOST) as api:
        api.statuses = [503]
        _reporter(api).heartbeat(Heartbeat("cmd-1", "d-ABCDEF123", "i-0abc"))
    assert api.attempts == 1


def test_an_unreachable_api_is_retried_then_given_up_without_raising():
    # Given an API URL where nothing listens
    with agent_api(HOST) as api:
        url = api.url
    reporter = AgentApiReporter(
        api_url=url,
        credentials=HOST,
        region="us-east-1",
        retry_seconds=0.3,
        backoff=ErrorBackoff(cap_seconds=0.05),
    )
    # When a report is sent, it returns after the retry budget instead of raising
    started = time.monotonic()
    reporter.report(REPORT)
    assert time.monotonic() - started < 5


def test_a_shutdown_cuts_retries_short():
    stop = threading.Event()
    stop.set()
    with agent_api(HOST) as api:
        api.statuses = [503] * 50
        _reporter(api, retry_seconds=600, stop=stop).report(REPORT)
    assert api.attempts == 1
