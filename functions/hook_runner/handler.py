"""Hook runner: invoked asynchronously by a traffic workflow's hook step (Lambda's ``lambdaHook``,
ECS's ``ecsHook``) with ``{"deploymentId", "event"}``; invokes the event's hook function once with
CodeDeploy's payload (and the Rollwright API URL) and takes a ``{"status": "Succeeded" |
"Failed"}`` return value, or the function's failure, as the hook's verdict
(``TrafficRollout.run_hook``)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters.ecs_deployment_records import DynamoEcsDeployments
from functions.composition import codedeploy_services, lambda_rollout
from functions.ecs_composition import ecs_rollout
from rollwright.applications import ComputePlatform
from rollwright.ecs_rollout import EcsRollout
from rollwright.lambda_rollout import LambdaRollout
from rollwright.lifecycle import LifecycleEvent

logger = Logger()
# Any traffic deployment store answers the platform of a deployment.
_deployments = DynamoEcsDeployments(boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"]))


@cache
def _rollout(function_arn: str, platform: ComputePlatform) -> LambdaRollout | EcsRollout:
    services = codedeploy_services(function_arn, server_state_machine_arn="")
    if platform is ComputePlatform.ECS:
        return ecs_rollout(services.deployment_groups, services.revisions)
    return lambda_rollout(services.deployment_groups, services.revisions)


def _platform(deployment_id: str) -> ComputePlatform:
    return _deployments.compute_platform(deployment_id) or ComputePlatform.LAMBDA


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(deployment_id=event.get("deploymentId"), event=event.get("event"))
    deployment_id = str(event["deploymentId"])
    result = _rollout(context.invoked_function_arn, _platform(deployment_id)).run_hook(
        deployment_id, LifecycleEvent(event["event"]), os.environ["API_URL"]
    )
    logger.info("hook run", extra={"result": result})
    return result
