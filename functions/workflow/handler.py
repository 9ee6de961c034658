"""Workflow function: Step Functions Task states call it with ``{"action": <step>, ...}``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters.deployment_records import DeploymentRecords
from functions.workflow import steps

logger = Logger()
_records = DeploymentRecords(boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"]))

_STEPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "begin": lambda event: steps.begin(_records, event["deploymentId"]),
}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("action")
    step = _STEPS.get(str(action))
    if step is None:
        # An unknown action is a bug in the state machine definition: fail the Task loudly.
        raise ValueError(f"Unknown workflow action {action!r}; known: {sorted(_STEPS)}")
    logger.append_keys(deployment_id=event.get("deploymentId"), action=action)
    result = step(event)
    logger.info("workflow step done", extra={"result": result})
    return result
