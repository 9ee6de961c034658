"""`CloudWatch Alarm State Change` events, which moto does not emit when an alarm changes state."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devstack import moto_emulator
from devstack.settings import ACCOUNT_ID, REGION

DETAIL_TYPE = "CloudWatch Alarm State Change"
SOURCE = "aws.cloudwatch"


@dataclass(frozen=True)
class AlarmState:
    value: str
    reason: str
    reason_data: str
    timestamp: datetime

    @classmethod
    def of(cls, alarm: Any) -> AlarmState:
        return cls(
            value=alarm.state_value,
            reason=alarm.state_reason,
            reason_data=alarm.state_reason_data or "",
            timestamp=alarm.state_updated_timestamp,
        )

    def to_detail(self) -> dict[str, str]:
        detail = {
            "value": self.value,
            "reason": self.reason,
            "timestamp": self.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
        }
        if self.reason_data and self.reason_data != "{}":
            detail["reasonData"] = self.reason_data
        return detail


class AlarmStateEvents:
    """Compares alarm states around a CloudWatch call and puts an event for each change."""

    operations = frozenset({"SetAlarmState", "PutMetricAlarm", "PutCompositeAlarm"})

    def __init__(self) -> None:
        # One alarm-changing call at a time, so each change is compared (and emitted) once.
        self._lock = threading.Lock()

    @contextmanager
    def watch(self, region: str | None, account_id: str = ACCOUNT_ID) -> Iterator[None]:
        region = region or REGION
        with self._lock:
            before = self._states(account_id, region)
            yield
            alarms = moto_emulator.cloudwatch_alarms(account_id, region)
            for name, alarm in alarms.items():
                current = AlarmState.of(alarm)
                previous = before.get(name)
                # A new alarm is silent, as in AWS (moto creates it in OK, not INSUFFICIENT_DATA).
                if previous is None or previous.value == current.value:
                    continue
                self._put_event(account_id, region, alarm, current, previous)

    def _states(self, account_id: str, region: str) -> dict[str, AlarmState]:
        alarms = moto_emulator.cloudwatch_alarms(account_id, region)
        return {name: AlarmState.of(alarm) for name, alarm in alarms.items()}

    def _put_event(
        self,
        account_id: str,
        region: str,
        alarm: Any,
        current: AlarmState,
        previous: AlarmState,
    ) -> None:
        detail = {
            "alarmName": alarm.name,
            "state": current.to_detail(),
            "previousState": previous.to_detail(),
            "configuration": _configuration(alarm),
        }
        moto_emulator.events_backend(account_id, region).put_events(
            [
                {
                    "Source": SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": json.dumps(detail),
                    "Resources": [alarm.alarm_arn],
                }
            ]
        )


def _configuration(alarm: Any) -> dict[str, Any]:
    configuration: dict[str, Any] = {"description": alarm.description or ""}
    if alarm.metric_name:
        configuration["metrics"] = [
            {
                "id": "m1",
                "metricStat": {
                    "metric": {
                        "namespace": alarm.namespace,
                        "name": alarm.metric_name,
                        "dimensions": {d.name: d.value for d in alarm.dimensions},
                    },
                    "period": alarm.period,
                    "stat": alarm.statistic or alarm.extended_statistic,
                },
                "returnData": True,
            }
        ]
    else:
        configuration["metrics"] = [
            {"id": query.id, "expression": query.expression, "returnData": query.return_data}
            if query.expression
            else {"id": query.id, "returnData": query.return_data}
            for query in alarm.metric_data_queries
        ]
    return configuration
