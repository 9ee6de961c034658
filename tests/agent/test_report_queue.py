"""Event reports behind the hooks (protocol 1.1): queued at once, delivered in order, what
queued up while a request was in flight sent as one batch, and a linger that a flush cuts short."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.credentials import Credentials

from agent.backoff import ErrorBackoff
from agent.report_queue import EventReportQueue
from agent.reporter import AgentApiReporter
from rollwright.agent_protocol import EventOutcome, EventReport, event_report_document
from rollwright.lifecycle import LifecycleEvent
from tests.agent.local_http import RecordedRequest, local_server

HOST = Credentials("ASIAHOSTSESSION", "host-secret", "host-session-token")
EVENTS = (
    LifecycleEvent.BEFORE_INSTALL,
    LifecycleEvent.INSTALL,
    LifecycleEvent.AFTER_INSTALL,
)


def _reports() -> list[EventReport]:
    reports, at = [], 1_700_000_000.0
    for event in EVENTS:
        for outcome in (EventOutcome.IN_PROGRESS, EventOutcome.SUCCEEDED):
            at += 0.125
            reports.append(EventReport("cmd-1", "d-ABCDEF123", "i-0abc", event, outcome, at=at))
    return reports


class _GatedApi:
    """Holds the first request until ``open`` is set; answers 404 on ``missing`` paths."""

    def __init__(self, missing: tuple[str, ...] = ()) -> None:
        self.open = threading.Event()
        self.first_arrived = threading.Event()
        self.accepted: list[tuple[str, object]] = []
        self._missing = missing

    def answer(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        self.first_arrived.set()
        assert self.open.wait(10), "the test never opened the API"
        if request.path in self._missing:
            return 404, {}, b'{"message": "No agent route"}'
        self.accepted.append((request.path, request.json()))
        return 200, {"Content-Type": "application/json"}, b"{}"


@contextmanager
def _queue(api: _GatedApi, *, linger_seconds: float = 0.0) -> Iterator[EventReportQueue]:
    with local_server(api.answer) as server:
        reporter = AgentApiReporter(
            api_url=server.url,
            credentials=HOST,
            region="us-east-1",
            retry_seconds=5,
            backoff=ErrorBackoff(cap_seconds=0.05),
        )
        yield EventReportQueue(reporter, linger_seconds=linger_seconds)


def test_reports_queued_while_one_is_in_flight_go_as_one_batch_in_order():
    api = _GatedApi()
    first, *rest = _reports()
    with _queue(api) as queue:
        # Given a report in flight that the API holds
        queue.report(first)
        assert api.first_arrived.wait(10)
        # When more are reported meanwhile (each returns at once), and the API answers
        for report in rest:
            queue.report(report)
        api.open.set()
        assert queue.flush(timeout=10)
    # Then the held one went alone and the rest as one batch, in order, with their own times
    assert api.accepted == [
        ("/agent/v1/events", event_report_document(first)),
        ("/agent/v1.1/events", {"reports": [event_report_document(r) for r in rest]}),
    ]


def test_flush_waits_for_the_report_in_flight():
    api = _GatedApi()
    with _queue(api) as queue:
        queue.report(_reports()[0])
        assert api.first_arrived.wait(10)
        assert not queue.flush(timeout=0.2)
        api.open.set()
        assert queue.flush(timeout=10)
    assert len(api.accepted) == 1


def test_a_control_plane_without_the_batch_route_gets_the_reports_one_by_one():
    # Given an agent API of protocol 1 (no batch route)
    api = _GatedApi(missing=("/agent/v1.1/events",))
    first, *rest = _reports()
    with _queue(api) as queue:
        queue.report(first)
        assert api.first_arrived.wait(10)
        for report in rest:
            queue.report(report)
        api.open.set()
        assert queue.flush(timeout=10)
    # Then every report still arrives, alone and in order
    assert api.accepted == [("/agent/v1/events", event_report_document(r)) for r in _reports()]


def test_reports_of_quick_events_linger_into_one_batch_that_a_flush_sends_at_once():
    # Given a queue whose reports linger far longer than the test may take, and an open API
    api = _GatedApi()
    api.open.set()
    with _queue(api, linger_seconds=3600) as queue:
        # When a command's events are reported one after another and the command ends (flush)
        for report in _reports():
            queue.report(report)
        assert queue.flush(timeout=10)
    # Then they went at the flush, in one request, in order
    assert api.accepted == [
        ("/agent/v1.1/events", {"reports": [event_report_document(r) for r in _reports()]})
    ]


def test_a_lingering_report_goes_by_itself_once_its_linger_ran_out():
    # Given a queue with a short linger and an open API
    api = _GatedApi()
    api.open.set()
    with _queue(api, linger_seconds=0.05) as queue:
        # When an event start is reported and nobody flushes
        queue.report(_reports()[0])
        # Then it is delivered all the same
        assert api.first_arrived.wait(10)
        assert queue.flush(timeout=10)
    assert api.accepted == [("/agent/v1/events", event_report_document(_reports()[0]))]


def test_a_shutdown_request_sends_what_lingers_without_a_flush():
    # Given a queue whose reports linger far longer than the test may take, and a report in it
    api = _GatedApi()
    api.open.set()
    with _queue(api, linger_seconds=3600) as queue:
        queue.report(_reports()[0])
        # When the agent is asked to shut down (a second signal could follow at any moment)
        queue.stop_lingering()
        # Then the report goes at once, without waiting for a flush
        assert api.first_arrived.wait(10)
        assert queue.flush(timeout=10)
