"""Alarm function: EventBridge delivers every CloudWatch ``Alarm State Change`` here.

It records each alarm's newest state in the state table, where the workflow and the CLI read it,
and, when the alarm is in ALARM, stops every running deployment that watches it
(``alarm_watchers.py``; ``rollwright.alarm_watch``) through StopDeployment's service, whatever
its compute platform (``rollwright.deployment_stops``): a Server deployment ends Stopped with
ALARM_ACTIVE once its running hosts finish their segment, and is rolled back if its configuration
says so; a Lambda deployment ends Stopped with ALARM_ACTIVE at once, its traffic back on the
original version.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters.alarm_states import AlarmStates
from functions.adapters.alarm_watchers import watchers
from functions.composition import codedeploy_services
from rollwright.alarm_events import AlarmState, MalformedAlarmEventError, read_alarm_state_change
from rollwright.deployment_stops import DeploymentStops

logger = Logger()
metrics = Metrics()
_table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
_alarm_states = AlarmStates(_table)


@cache
def _stops(function_arn: str) -> DeploymentStops:
    """StopDeployment's service with every platform's stops, built once per environment."""
    return codedeploy_services(
        function_arn,
        server_state_machine_arn=os.environ["SERVER_STATE_MACHINE_ARN"],
        lambda_state_machine_arn=os.environ.get("LAMBDA_STATE_MACHINE_ARN"),
        ecs_state_machine_arn=os.environ.get("ECS_STATE_MACHINE_ARN"),
    ).deployment_stops


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Built on every environment's first event, whatever its state: the first ALARM then stops
    # its deployments without paying for the services' clients (about a second on a cold start).
    stops = _stops(context.invoked_function_arn)
    try:
        change = read_alarm_state_change(event)
    except MalformedAlarmEventError as error:
        # A retry cannot make a malformed event readable: drop it, loudly.
        logger.error("dropped an unreadable alarm event", extra={"reason": str(error)})
        return {"recorded": False, "reason": str(error)}
    recorded = _alarm_states.record(change)
    logger.info(
        "alarm state change",
        extra={"alarm": change.alarm_name, "state": change.state, "recorded": recorded},
    )
    if change.entered_alarm:
        metrics.add_metric(name="AlarmsEntered", unit=MetricUnit.Count, value=1)
    stopped: list[str] = []
    if change.state is AlarmState.ALARM:
        stopped = [
            deployment_id
            for deployment_id in watchers(_table, change.alarm_name)
            if stops.stop_on_alarm(deployment_id, change.alarm_name)
        ]
        if stopped:
            logger.info("deployments stopped by the alarm", extra={"deployments": stopped})
            metrics.add_metric(name="DeploymentsStoppedByAlarm", unit=MetricUnit.Count, value=1)
    return {
        "recorded": recorded,
        "alarmName": change.alarm_name,
        "state": change.state.value,
        "stopped": stopped,
    }
