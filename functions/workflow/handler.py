"""Workflow function: Step Functions Task states call it with ``{"action": <step>, ...}``.

``begin`` (every platform); for Server deployments also ``dispatch`` (with the wait's
``taskToken``), ``sweep`` and ``finish`` (with the workflow's ``error``, if it failed).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.host_queues import HostQueues
from functions.adapters.load_balancers import ElasticLoadBalancers
from functions.adapters.rollout_records import RolloutRecords
from functions.adapters.task_tokens import TaskTokens
from functions.adapters.traffic_step_records import TrafficStepRecords
from functions.workflow import steps
from functions.workflow.bookkeeping import FinishBookkeeping
from rollwright.server_rollout import ServerRollout
from rollwright.traffic_steps import TrafficSteps

logger = Logger()
_table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
_records = DeploymentRecords(_table)
_rollout_records = RolloutRecords(_table)
_bookkeeping = FinishBookkeeping()
_rollout = ServerRollout(
    _rollout_records,
    HostQueues(boto3.client("sqs"), queue_prefix=os.environ["HOST_QUEUE_PREFIX"]),
    TaskTokens(boto3.client("stepfunctions")),
    TrafficSteps(
        TrafficStepRecords(_table),
        ElasticLoadBalancers(boto3.client("elb"), boto3.client("elbv2")),
        sleep=time.sleep,
    ),
)


def _finish(event: dict[str, Any]) -> dict[str, Any]:
    """The final status, then what it leaves on the deployment group and the revision."""
    answer = _rollout.finish(event["deploymentId"], error=event.get("error"), now=time.time())
    _bookkeeping.record(_rollout_records.deployment(event["deploymentId"]))
    return answer


_STEPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "begin": lambda event: steps.begin(_records, event["deploymentId"]),
    "dispatch": lambda event: _rollout.dispatch(
        event["deploymentId"], event["taskToken"], now=time.time()
    ),
    "sweep": lambda event: _rollout.sweep(event["deploymentId"], now=time.time()),
    "finish": _finish,
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
