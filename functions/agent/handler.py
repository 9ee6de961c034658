"""The agent API (``POST /agent/{proxy+}``). For now only ``POST /agent/v1/ping``, which answers
with the caller identity API Gateway saw; the agent protocol itself comes later."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=APIGatewayProxyEvent)
def handler(event: APIGatewayProxyEvent, context: LambdaContext) -> dict[str, Any]:
    caller = ((event.get("requestContext") or {}).get("identity") or {}).get("userArn")
    method, path = event.get("httpMethod"), event.get("path") or "/"
    logger.append_keys(caller=caller, path=path)
    if method == "POST" and path.rstrip("/") == "/agent/v1/ping":
        return _json(200, {"callerArn": caller})
    return _json(404, {"message": f"No agent route {method} {path}"})


def _json(status: int, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(document),
    }
