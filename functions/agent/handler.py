"""The agent API (``POST /agent/{proxy+}``): ``/agent/v1/events`` (a host's event report),
``/agent/v1.1/events`` (a batch of them, protocol 1.1), ``/agent/v1/heartbeat`` and
``/agent/v1/ping`` (the caller identity API Gateway saw).

A report or heartbeat counts only from the host it names: the caller must be a session of the
host role whose session name is the report's ``hostId`` (403 otherwise; for a batch, every
report's). A malformed body is a 400 with the reason. In both cases nothing is changed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters.host_queues import HostQueues
from functions.adapters.load_balancers import ElasticLoadBalancers
from functions.adapters.rollout_records import RolloutRecords
from functions.adapters.task_tokens import TaskTokens
from functions.adapters.traffic_step_records import TrafficStepRecords
from rollwright.agent_protocol import (
    InvalidAgentMessageError,
    read_event_report,
    read_event_report_batch,
    read_heartbeat,
)
from rollwright.host_ids import host_id_of_caller
from rollwright.server_rollout import ReportAnswer, ServerRollout
from rollwright.traffic_steps import TrafficSteps

logger = Logger()
_rollout: ServerRollout | None = None


def rollout() -> ServerRollout:
    """Built on first use, so that the ping route needs no AWS clients."""
    global _rollout  # noqa: PLW0603 (one per Lambda environment)
    if _rollout is None:
        table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
        _rollout = ServerRollout(
            RolloutRecords(table),
            HostQueues(boto3.client("sqs"), queue_prefix=os.environ["HOST_QUEUE_PREFIX"]),
            TaskTokens(boto3.client("stepfunctions")),
            TrafficSteps(
                TrafficStepRecords(table),
                ElasticLoadBalancers(boto3.client("elb"), boto3.client("elbv2")),
                sleep=time.sleep,
            ),
        )
    return _rollout


def _events(caller: str | None, document: Any) -> ReportAnswer:
    report = read_event_report(document)
    logger.append_keys(deployment_id=report.deployment_id, host_id=report.host_id)
    return rollout().on_event_report(caller or "", report, now=time.time())


def _event_batch(caller: str | None, document: Any) -> ReportAnswer:
    batch = read_event_report_batch(document)
    logger.append_keys(host_id=batch.host_id, reports=len(batch.reports))
    return rollout().on_event_reports(caller or "", batch.reports, now=time.time())


def _heartbeat(caller: str | None, document: Any) -> ReportAnswer:
    heartbeat = read_heartbeat(document)
    return rollout().on_heartbeat(caller or "", heartbeat, now=time.time())


_ROUTES: dict[str, Callable[[str | None, Any], ReportAnswer]] = {
    "/agent/v1/events": _events,
    "/agent/v1.1/events": _event_batch,
    "/agent/v1/heartbeat": _heartbeat,
}

_MESSAGES = {
    ReportAnswer.ACCEPTED: "accepted",
    ReportAnswer.FORBIDDEN: "The caller is not the host this message is about.",
    ReportAnswer.NOT_FOUND: "The host is not a target of this deployment.",
}


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=APIGatewayProxyEvent)
def handler(event: APIGatewayProxyEvent, context: LambdaContext) -> dict[str, Any]:
    caller = ((event.get("requestContext") or {}).get("identity") or {}).get("userArn")
    method, path = event.get("httpMethod"), (event.get("path") or "/").rstrip("/")
    logger.append_keys(caller=caller, path=path)
    if method == "POST" and path == "/agent/v1/ping":
        return _json(200, {"callerArn": caller})
    route = _ROUTES.get(path)
    if method != "POST" or route is None:
        return _json(404, {"message": f"No agent route {method} {path}"})
    try:
        document = json.loads(event.decoded_body or "")
    except ValueError as error:
        return _json(400, {"message": f"The body is not JSON: {error}"})
    try:
        answer = route(host_id_of_caller(caller), document)
    except InvalidAgentMessageError as error:
        return _json(400, {"message": str(error)})
    if answer is not ReportAnswer.ACCEPTED:
        logger.warning("agent message refused", extra={"answer": answer.name})
    return _json(answer.value, {"message": _MESSAGES[answer]})


def _json(status: int, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(document),
    }
