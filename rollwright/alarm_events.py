"""CloudWatch ``Alarm State Change`` events, as EventBridge delivers them, read into values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class AlarmState(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class MalformedAlarmEventError(ValueError):
    """The event is not a CloudWatch alarm state change this service can read."""


@dataclass(frozen=True)
class AlarmStateChange:
    alarm_name: str
    alarm_arn: str
    state: AlarmState
    previous_state: AlarmState | None
    reason: str
    timestamp: str

    @property
    def entered_alarm(self) -> bool:
        return self.state is AlarmState.ALARM and self.previous_state is not AlarmState.ALARM


def read_alarm_state_change(event: dict[str, Any]) -> AlarmStateChange:
    """Read an EventBridge event of source ``aws.cloudwatch``.

    Raises MalformedAlarmEventError when the event is not an alarm state change.
    """
    if event.get("source") != "aws.cloudwatch" or (
        event.get("detail-type") != "CloudWatch Alarm State Change"
    ):
        raise MalformedAlarmEventError(
            f"not a CloudWatch alarm state change: {event.get('source')!r} "
            f"{event.get('detail-type')!r}"
        )
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise MalformedAlarmEventError("the event has no detail")
    name = detail.get("alarmName")
    state = detail.get("state")
    if not isinstance(name, str) or not name or not isinstance(state, dict):
        raise MalformedAlarmEventError("the detail has no alarmName or state")
    previous = detail.get("previousState")
    resources = event.get("resources") or []
    return AlarmStateChange(
        alarm_name=name,
        alarm_arn=str(resources[0]) if resources else "",
        state=_state(state.get("value")),
        previous_state=_state(previous.get("value")) if isinstance(previous, dict) else None,
        reason=str(state.get("reason", "")),
        timestamp=str(state.get("timestamp", event.get("time", ""))),
    )


def _state(value: object) -> AlarmState:
    try:
        return AlarmState(str(value))
    except ValueError:
        raise MalformedAlarmEventError(f"unknown alarm state {value!r}") from None
