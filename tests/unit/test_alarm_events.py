import pytest

from rollwright.alarm_events import AlarmState, MalformedAlarmEventError, read_alarm_state_change


def _event(**detail_overrides):
    detail = {
        "alarmName": "errors",
        "state": {
            "value": "ALARM",
            "reason": "1 datapoint > 0",
            "timestamp": "2026-11-27T10:00:00",
        },
        "previousState": {"value": "OK"},
    }
    detail.update(detail_overrides)
    return {
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "resources": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors"],
        "time": "2026-11-27T10:00:01Z",
        "detail": detail,
    }


def test_an_alarm_entering_alarm_is_read():
    change = read_alarm_state_change(_event())
    assert change.alarm_name == "errors"
    assert change.state is AlarmState.ALARM
    assert change.previous_state is AlarmState.OK
    assert change.entered_alarm
    assert change.alarm_arn.endswith(":alarm:errors")


def test_an_alarm_staying_in_alarm_has_not_entered_it():
    change = read_alarm_state_change(_event(previousState={"value": "ALARM"}))
    assert not change.entered_alarm


def test_an_event_from_another_source_is_refused():
    event = _event()
    event["source"] = "aws.ec2"
    with pytest.raises(MalformedAlarmEventError):
        read_alarm_state_change(event)


def test_an_unknown_state_is_refused():
    with pytest.raises(MalformedAlarmEventError, match="unknown alarm state"):
        read_alarm_state_change(_event(state={"value": "PANIC"}))


def test_an_event_without_alarm_name_is_refused():
    with pytest.raises(MalformedAlarmEventError):
        read_alarm_state_change(_event(alarmName=""))
