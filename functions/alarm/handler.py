"""Alarm function: EventBridge delivers every CloudWatch ``Alarm State Change`` here.

It records each alarm's newest state in the state table, where the workflow and the CLI read it.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters.alarm_states import AlarmStates
from rollwright.alarm_events import MalformedAlarmEventError, read_alarm_state_change

logger = Logger()
metrics = Metrics()
_alarm_states = AlarmStates(boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"]))


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
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
    return {"recorded": recorded, "alarmName": change.alarm_name, "state": change.state.value}
