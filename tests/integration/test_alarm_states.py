from functions.adapters.alarm_states import AlarmStates
from rollwright.alarm_events import AlarmState, AlarmStateChange
from tests.integration.state_table import state_table

__all__ = ["state_table"]


def _change(state: AlarmState, at: str) -> AlarmStateChange:
    return AlarmStateChange(
        alarm_name="errors",
        alarm_arn="arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors",
        state=state,
        previous_state=AlarmState.OK,
        reason="threshold crossed",
        timestamp=at,
    )


def test_the_first_state_change_of_an_alarm_is_recorded(state_table):
    states = AlarmStates(state_table)
    assert states.record(_change(AlarmState.ALARM, "2026-11-27T10:00:00.000+0000"))
    assert states.latest("errors")["state"] == "ALARM"


def test_a_newer_state_change_replaces_the_older(state_table):
    states = AlarmStates(state_table)
    states.record(_change(AlarmState.ALARM, "2026-11-27T10:00:00.000+0000"))
    assert states.record(_change(AlarmState.OK, "2026-11-27T10:05:00.000+0000"))
    assert states.latest("errors")["state"] == "OK"


def test_a_late_older_state_change_is_ignored(state_table):
    # Given an alarm whose newest recorded change is OK at 10:05
    states = AlarmStates(state_table)
    states.record(_change(AlarmState.OK, "2026-11-27T10:05:00.000+0000"))
    # When an older ALARM change arrives late
    recorded = states.record(_change(AlarmState.ALARM, "2026-11-27T10:00:00.000+0000"))
    # Then the newer state stays
    assert not recorded
    assert states.latest("errors")["state"] == "OK"
