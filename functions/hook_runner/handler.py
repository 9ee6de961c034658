"""Hook runner: invoked asynchronously by the Lambda workflow's ``lambdaHook`` step with
``{"deploymentId", "event"}``; invokes the event's hook function once with CodeDeploy's payload
(and the Rollwright API URL) and takes a ``{"status": "Succeeded" | "Failed"}`` return value, or the
function's failure, as the hook's verdict (``LambdaRollout.run_hook``)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.composition import codedeploy_services, lambda_rollout
from rollwright.lambda_rollout import LambdaRollout
from rollwright.lifecycle import LifecycleEvent

logger = Logger()


@cache
def _rollout(function_arn: str) -> LambdaRollout:
    services = codedeploy_services(function_arn, server_state_machine_arn="")
    return lambda_rollout(services.deployment_groups, services.revisions)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(deployment_id=event.get("deploymentId"), event=event.get("event"))
    result = _rollout(context.invoked_function_arn).run_hook(
        str(event["deploymentId"]), LifecycleEvent(event["event"]), os.environ["API_URL"]
    )
    logger.info("hook run", extra={"result": result})
    return result
