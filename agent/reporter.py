"""Event reports and heartbeats to the agent API, signed as the host.

``POST <api_url>/agent/v1/events`` carries an ``EventReport``, ``POST <api_url>/agent/v1.1/events``
an ``EventReportBatch`` (``report_batch``; the daemon sends through ``agent.report_queue``) and
``POST <api_url>/agent/v1/heartbeat`` a ``Heartbeat``, all as the JSON documents of
``rollwright.agent_protocol``, SigV4-signed for ``execute-api`` with the host session's credentials
(API Gateway's IAM auth; the agent function then checks that the report names the calling host).

An event report is retried with capped backoff on network errors and 5xx answers for up to
``retry_seconds``: losing an event's end would leave the control plane waiting for it. A 4xx is
never retried (the same request would be refused again); it is logged. A heartbeat is sent once:
the next one follows an interval later. Neither raises: a report that cannot be delivered must not
abort the hooks on the host, and the control plane's heartbeat timeout covers the silence.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import BotoCoreError, ClientError

from agent.backoff import ErrorBackoff
from rollwright.agent_protocol import (
    EventReport,
    EventReportBatch,
    Heartbeat,
    event_report_batch_document,
    event_report_document,
    heartbeat_document,
)

logger = logging.getLogger(__name__)

EVENTS_PATH = "/agent/v1/events"
EVENT_BATCH_PATH = "/agent/v1.1/events"
_NOT_FOUND = 404
HEARTBEAT_PATH = "/agent/v1/heartbeat"
REQUEST_TIMEOUT_SECONDS = 30.0
ANSWER_EXCERPT_CHARS = 300


@dataclass(frozen=True)
class DeliveryProblem:
    status: int | None  # the HTTP status, when the API answered
    detail: str

    def __str__(self) -> str:
        return f"{self.status} {self.detail}" if self.status is not None else self.detail


class AgentApiReporter:
    """The executor's ``EventReporter``, and the heartbeat sender, over the agent API."""

    def __init__(
        self,
        *,
        api_url: str,
        credentials: Any,
        region: str,
        retry_seconds: float = 600.0,
        backoff: ErrorBackoff | None = None,
        user_agent: str = "rollwright-agent",
    ) -> None:
        self._api_url = api_url.rstrip("/")
        # botocore credentials (refreshable ones refresh themselves on get_frozen_credentials)
        self._credentials = credentials
        self._region = region
        self._retry_seconds = retry_seconds
        self._backoff = backoff or ErrorBackoff()
        self._user_agent = user_agent

    def report(self, report: EventReport) -> None:
        self._post(
            EVENTS_PATH,
            event_report_document(report),
            what=f"{report.lifecycle_event} {report.outcome} of command {report.command_id}",
            retry=True,
        )

    def report_batch(self, reports: list[EventReport]) -> None:
        """Several reports of this host, oldest first: one request (protocol 1.1), or one each
        when there is one, or when the API does not know the batch route (404: a control plane
        of protocol 1; its own 404s are answered again per report, and logged)."""
        if len(reports) > 1:
            problem = self._post(
                EVENT_BATCH_PATH,
                event_report_batch_document(EventReportBatch(tuple(reports))),
                what=f"batch of {len(reports)} event reports",
                retry=True,
                quiet_status=_NOT_FOUND,
            )
            if problem is None or problem.status != _NOT_FOUND:
                return
        for report in reports:
            self.report(report)

    def heartbeat(self, heartbeat: Heartbeat) -> None:
        self._post(
            HEARTBEAT_PATH,
            heartbeat_document(heartbeat),
            what=f"heartbeat of command {heartbeat.command_id}",
            retry=False,
        )

    def _post(
        self,
        path: str,
        document: dict[str, Any],
        *,
        what: str,
        retry: bool,
        quiet_status: int | None = None,
    ) -> DeliveryProblem | None:
        """Deliver, retrying as the module says; ``None`` once delivered, else the last problem
        (logged, unless its status is ``quiet_status``: the caller handles that one)."""
        body = json.dumps(document, separators=(",", ":")).encode("utf-8")
        give_up_at = time.monotonic() + self._retry_seconds
        self._backoff.reset()
        while True:
            problem = self.send(path, body)
            if problem is None:
                return None
            if problem.status is not None and 400 <= problem.status < 500:
                if problem.status != quiet_status:
                    logger.error("the agent API refused the %s: %s", what, problem)
                return problem
            delay = self._backoff.next_delay()
            if not retry or time.monotonic() + delay > give_up_at:
                logger.error("could not deliver the %s: %s", what, problem)
                return problem
            logger.warning(
                "could not deliver the %s (%s); retrying in %.1f s", what, problem, delay
            )
            if self._backoff.stopped_during(delay):
                logger.error("shutting down; the %s was not delivered", what)
                return problem

    def send(self, path: str, body: bytes) -> DeliveryProblem | None:
        """POST one signed request to ``<api_url><path>``: ``None`` when accepted, else what went
        wrong."""
        url = self._api_url + path
        try:
            headers = self._signed_headers(url, body)
        except (BotoCoreError, ClientError) as error:
            return DeliveryProblem(None, f"no credentials to sign with: {error}")
        # The URL is the configured agent API, checked to be http(s) when the config was read.
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310 (the configured agent API)
                response.read()
                return None
        except urllib.error.HTTPError as error:
            answer = error.read(ANSWER_EXCERPT_CHARS).decode("utf-8", errors="replace")
            return DeliveryProblem(error.code, answer)
        except (urllib.error.URLError, OSError) as error:
            return DeliveryProblem(None, f"network error: {error}")

    def _signed_headers(self, url: str, body: bytes) -> dict[str, str]:
        request = AWSRequest(
            method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
        )
        SigV4Auth(self._credentials.get_frozen_credentials(), "execute-api", self._region).add_auth(
            request
        )
        headers = {name: str(value) for name, value in request.headers.items()}
        # Not part of the signature (SigV4 skips User-Agent), so it may follow signing.
        headers["User-Agent"] = self._user_agent
        return headers
