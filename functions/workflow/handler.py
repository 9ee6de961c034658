"""Workflow function: Step Functions Task states call it with ``{"action": <step>, ...}``.

``begin`` (the Lambda and ECS platforms); for Server deployments ``rollout`` (every wait for the
hosts, with the wait's ``taskToken``: it begins the deployment if it has not begun), ``sweep``,
``blueGreenNext`` and ``blueGreenWait`` (EC2 blue/green: ``blue_green_steps``) and ``finish``
(with the workflow's ``error``, if it failed, and the ``stateMachineArn`` a rollback deployment
is started on); for Lambda deployments ``lambdaPlan``,
``lambdaHook`` (with ``event`` and the wait's ``taskToken``), ``lambdaShift`` (with ``step``) and
``lambdaFinish`` (with ``error``); for ECS deployments the ``ecs…`` steps of ``ecs_steps``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters.auto_scaling_copies import AutoScalingCopies
from functions.adapters.blue_green_records import BlueGreenRecords
from functions.adapters.blue_instances import Ec2BlueInstances
from functions.adapters.cloudwatch_alarms import CloudWatchAlarms
from functions.adapters.concurrent_calls import ConcurrentCalls
from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.host_queues import HostQueues
from functions.adapters.instance_records import DynamoInstanceRecords
from functions.adapters.load_balancers import ElasticLoadBalancers
from functions.adapters.rollout_items import milliseconds
from functions.adapters.rollout_records import RolloutRecords
from functions.adapters.task_tokens import TaskTokens
from functions.adapters.traffic_step_records import TrafficStepRecords
from functions.api.deployment_stops import deployment_stops
from functions.composition import codedeploy_services, lambda_rollout
from functions.ecs_composition import ecs_rollout
from functions.workflow import steps
from functions.workflow.auto_scaling_end import AutoScalingEnd, send_heartbeats
from functions.workflow.blue_green_steps import BlueGreenSteps
from functions.workflow.bookkeeping import FinishBookkeeping
from functions.workflow.ecs_steps import ECS_STEPS
from rollwright.alarm_watch import alarm_to_stop
from rollwright.blue_green_adoption import DeploymentGroupAdoption
from rollwright.blue_green_rollout import BlueGreenRollout
from rollwright.deployment_rollbacks import DeploymentRollbacks
from rollwright.ecs_rollout import EcsRollout
from rollwright.lambda_rollout import LambdaRollout
from rollwright.lifecycle import LifecycleEvent
from rollwright.operations.shapes import CodeDeployServices
from rollwright.rollout_store import DeploymentRecord
from rollwright.server_rollout import ServerRollout
from rollwright.traffic_steps import TrafficSteps

logger = Logger()
# The hosts of a claimed window start this many at a time (``ConcurrentCalls``).
HOST_STARTS_AT_ONCE = 8
_table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
_records = DeploymentRecords(_table)
_rollout_records = RolloutRecords(_table)
_alarms = CloudWatchAlarms(boto3.client("cloudwatch"))
_stops = deployment_stops()
_tokens = TaskTokens(boto3.client("stepfunctions"))
_server_rollout = ServerRollout(
    _rollout_records,
    HostQueues(boto3.client("sqs"), queue_prefix=os.environ["HOST_QUEUE_PREFIX"]),
    _tokens,
    TrafficSteps(
        TrafficStepRecords(_table),
        ElasticLoadBalancers(boto3.client("elb"), boto3.client("elbv2")),
        sleep=time.sleep,
    ),
    start_hosts=ConcurrentCalls(HOST_STARTS_AT_ONCE),
)


@cache
def _blue_green_rollout(function_arn: str) -> BlueGreenRollout:
    return BlueGreenRollout(
        BlueGreenRecords(_table),
        Ec2BlueInstances(boto3.client("ec2")),
        copies=AutoScalingCopies(boto3.client("autoscaling")),
        # The Server machine is not needed: adopting the green fleet starts no deployment.
        adoption=DeploymentGroupAdoption(_services(function_arn, "").deployment_groups),
        clock=time.time,
    )


_blue_green = BlueGreenSteps(BlueGreenRecords(_table), _blue_green_rollout, _tokens)


def _rollout(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A Server wait for the hosts (``steps.rollout_wait``)."""
    deployment_id = event["deploymentId"]

    def before_first_pass() -> bool:
        deployment = _rollout_records.deployment(deployment_id)
        return deployment is not None and deployment.before_first_pass

    return steps.rollout_wait(
        _records,
        deployment_id,
        event["taskToken"],
        tokens=_tokens,
        before_first_pass=before_first_pass,
        dispatch=lambda: _dispatch(event, context),
    )


@cache
def _services(function_arn: str, server_state_machine_arn: str) -> CodeDeployServices:
    return codedeploy_services(function_arn, server_state_machine_arn=server_state_machine_arn)


def _finish(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The final status; then what it leaves on the deployment group, the revision and the
    hosts' records; a launch deployment's lifecycle action; then the automatic rollback, if one
    is due, and the auto-update of outdated Auto Scaling instances, if one is due."""
    deployment_id = event["deploymentId"]
    answer = _server_rollout.finish(deployment_id, error=event.get("error"), now=time.time())
    services = _services(context.invoked_function_arn, event["stateMachineArn"])
    finished = _rollout_records.deployment(deployment_id)
    FinishBookkeeping(services, DynamoInstanceRecords(_table)).record(finished)
    auto_scaling = AutoScalingEnd(finished, context.invoked_function_arn, event["stateMachineArn"])
    auto_scaling.complete_launch()
    rollback = DeploymentRollbacks(services.deployments, services.deployment_groups).after_end(
        deployment_id
    )
    if rollback is not None and rollback.rollback_deployment_id is not None:
        answer["rollbackDeploymentId"] = rollback.rollback_deployment_id
    auto_scaling.update_outdated()
    return answer


def _poll_alarms(deployment_id: str) -> DeploymentRecord | None:
    """Stop the deployment if an alarm it watches is in ALARM (or cannot be read): before its
    first window and on every sweep, in case the alarm's event was lost. The deployment as
    read."""
    deployment = _rollout_records.deployment(deployment_id)
    if deployment is None or deployment.outcome is not None or deployment.stop_requested:
        return deployment
    alarm = alarm_to_stop(deployment.alarms, _alarms)
    if alarm is not None:
        logger.info("an alarm stops the deployment", extra={"alarm": alarm})
        _stops.stop_on_alarm(deployment_id, alarm)
    return deployment


def _dispatch(event: dict[str, Any], _: LambdaContext) -> dict[str, Any]:
    _poll_alarms(event["deploymentId"])
    return _server_rollout.dispatch(
        event["deploymentId"],
        event["taskToken"],
        now=time.time(),
        wait_entered_ms=_entered_ms(event["waitEnteredAt"]),
    )


def _entered_ms(entered_at: str) -> int:
    """``$$.State.EnteredTime`` (ISO 8601; AWS ends it in ``Z``) in epoch milliseconds."""
    return milliseconds(datetime.fromisoformat(entered_at).timestamp())


def _sweep(event: dict[str, Any], _: LambdaContext) -> dict[str, Any]:
    deployment = _poll_alarms(event["deploymentId"])
    # A launch or termination deployment keeps its instance's lifecycle action alive.
    send_heartbeats(deployment, now=time.time())
    return _server_rollout.sweep(event["deploymentId"], now=time.time())


@cache
def _lambda_rollout(function_arn: str) -> LambdaRollout:
    # The Server machine is not needed by these steps (they start no deployment).
    services = _services(function_arn, "")
    return lambda_rollout(
        services.deployment_groups,
        services.revisions,
        runner_function=os.environ["HOOK_RUNNER_FUNCTION"],
        alarms=_alarms,
    )


def _lambda_step(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The Lambda workflow's steps (``rollwright.lambda_rollout``)."""
    rollout, deployment_id = _lambda_rollout(context.invoked_function_arn), event["deploymentId"]
    action = event["action"]
    if action == "lambdaPlan":
        return rollout.plan(deployment_id)
    if action == "lambdaHook":
        return rollout.hook(deployment_id, LifecycleEvent(event["event"]), event["taskToken"])
    if action == "lambdaShift":
        return rollout.shift(deployment_id, int(event["step"]))
    answer = rollout.finish(deployment_id, event.get("error"))
    # The rollback of a Lambda deployment is its traffic shifted back: its rollbackInfo says so.
    services = _services(context.invoked_function_arn, "")
    DeploymentRollbacks(services.deployments, services.deployment_groups).after_end(deployment_id)
    return answer


@cache
def _ecs_rollout(function_arn: str) -> EcsRollout:
    services = _services(function_arn, "")
    return ecs_rollout(
        services.deployment_groups,
        services.revisions,
        runner_function=os.environ["HOOK_RUNNER_FUNCTION"],
        alarms=_alarms,
    )


def _ecs_step(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The ECS workflow's steps (``ecs_steps``, ``rollwright.ecs_rollout``)."""
    answer = ECS_STEPS[event["action"]](_ecs_rollout(context.invoked_function_arn), event)
    if event["action"] == "ecsFinish":
        # As for Lambda: the rollback is the traffic shifted back; its rollbackInfo says so.
        services = _services(context.invoked_function_arn, "")
        rollbacks = DeploymentRollbacks(services.deployments, services.deployment_groups)
        rollbacks.after_end(event["deploymentId"])
    return answer


Step = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
_STEPS: dict[str, Step] = {
    "begin": lambda event, _: steps.begin(_records, event["deploymentId"]),
    "rollout": _rollout,
    "blueGreenNext": lambda event, context: _blue_green.next_step(
        event, context.invoked_function_arn
    ),
    "blueGreenWait": lambda event, _: _blue_green.wait(event),
    "sweep": _sweep,
    "finish": _finish,
    "lambdaPlan": _lambda_step,
    "lambdaHook": _lambda_step,
    "lambdaShift": _lambda_step,
    "lambdaFinish": _lambda_step,
    **dict.fromkeys(ECS_STEPS, _ecs_step),
}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("action")
    step = _STEPS.get(str(action))
    if step is None:
        # An unknown action is a bug in the state machine definition: fail the Task loudly.
        raise ValueError(f"Unknown workflow action {action!r}; known: {sorted(_STEPS)}")
    logger.append_keys(deployment_id=event.get("deploymentId"), action=action)
    result = step(event, context)
    logger.info("workflow step done", extra={"result": result})
    return result
