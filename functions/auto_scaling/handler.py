"""Auto Scaling function: EventBridge delivers the lifecycle actions of Rollwright's hooks here.

``EC2 Instance-launch Lifecycle Action`` (source ``aws.autoscaling``): the launched instance gets
its deployment group's last successful revision (a launch deployment, creator ``autoscaling``),
and the workflow's finish step completes the action; ``EC2 Instance-terminate Lifecycle Action``:
a termination deployment (creator ``autoscalingTermination``), whose end completes the action
``CONTINUE`` (``rollwright.auto_scaling_launches``).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.composition import auto_scaling_launches
from rollwright.auto_scaling_launches import AutoScalingLaunches, lifecycle_action

logger = Logger()


@cache
def _launches(function_arn: str) -> AutoScalingLaunches:
    launches: AutoScalingLaunches = auto_scaling_launches(
        function_arn,
        boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"]),
        server_state_machine_arn=os.environ["SERVER_STATE_MACHINE_ARN"],
    )
    return launches


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        action = lifecycle_action(event.get("detail") or {})
    except ValueError as error:
        # A retry cannot make it readable: drop it, loudly.
        logger.error("dropped an unreadable lifecycle event", extra={"reason": str(error)})
        return {"handled": False, "reason": str(error)}
    logger.append_keys(instance_id=action.instance_id, hook=action.hook_name)
    outcome = _launches(context.invoked_function_arn).on_lifecycle_action(action)
    result: dict[str, Any] = {"handled": True, "instanceId": action.instance_id}
    if outcome.deployment_id is not None:
        result["deploymentId"] = outcome.deployment_id
    if outcome.completed is not None:
        result["completed"] = outcome.completed.value
        result["reason"] = outcome.reason
    logger.info("lifecycle action handled", extra=result)
    return result
