"""CloudWatch alarm states for the workflow's alarm polling (``rollwright.alarm_watch``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rollwright.alarm_events import AlarmState
from rollwright.alarm_watch import AlarmReadError

DESCRIBE_ALARMS_MAX_NAMES = 100


class CloudWatchAlarms:
    def __init__(self, cloudwatch: Any) -> None:
        self._cloudwatch = cloudwatch

    def states(self, alarm_names: Sequence[str]) -> Mapping[str, AlarmState]:
        """Metric and composite alarms alike; an alarm that does not exist is left out."""
        states: dict[str, AlarmState] = {}
        names = list(alarm_names)
        for start in range(0, len(names), DESCRIBE_ALARMS_MAX_NAMES):
            try:
                pages = self._cloudwatch.get_paginator("describe_alarms").paginate(
                    AlarmNames=names[start : start + DESCRIBE_ALARMS_MAX_NAMES],
                    AlarmTypes=["MetricAlarm", "CompositeAlarm"],
                )
                for page in pages:
                    for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                        states[alarm["AlarmName"]] = AlarmState(alarm["StateValue"])
            except (ClientError, BotoCoreError) as error:
                raise AlarmReadError(str(error)) from error
        return states
