"""Which alarms a deployment watches, and when they stop it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from rollwright.alarm_events import AlarmState
from rollwright.alarm_watch import AlarmReadError, alarm_to_stop, watched_alarms
from rollwright.deployment_group_settings import AlarmConfiguration

GROUP = AlarmConfiguration(True, False, ("errors", "latency"))
OVERRIDE = AlarmConfiguration(True, False, ("canary",))


class Reader:
    def __init__(self, states: Mapping[str, AlarmState] | None = None) -> None:
        self.known = states
        self.asked: list[list[str]] = []

    def states(self, alarm_names: Sequence[str]) -> Mapping[str, AlarmState]:
        self.asked.append(list(alarm_names))
        if self.known is None:
            raise AlarmReadError("CloudWatch is unavailable")
        return {name: state for name, state in self.known.items() if name in alarm_names}


def test_the_override_wins_and_a_rollback_watches_nothing() -> None:
    assert watched_alarms(GROUP, None, is_rollback=False) == GROUP
    assert watched_alarms(GROUP, OVERRIDE, is_rollback=False) == OVERRIDE
    disabled = AlarmConfiguration(False, False, ("errors",))
    assert watched_alarms(GROUP, disabled, is_rollback=False) is None
    assert watched_alarms(GROUP, OVERRIDE, is_rollback=True) is None
    assert watched_alarms(AlarmConfiguration(True, False, ()), None, is_rollback=False) is None


def test_an_alarm_in_alarm_stops_and_ok_ones_do_not() -> None:
    ok = {"errors": AlarmState.OK, "latency": AlarmState.INSUFFICIENT_DATA}
    assert alarm_to_stop(GROUP, Reader(ok)) is None
    firing = {"errors": AlarmState.ALARM, "latency": AlarmState.ALARM}
    assert alarm_to_stop(GROUP, Reader(firing)) == "errors, latency"
    assert alarm_to_stop(None, Reader(firing)) is None


@pytest.mark.parametrize("ignore", [False, True])
def test_an_unreadable_or_missing_alarm_stops_unless_poll_failures_are_ignored(
    ignore: bool,
) -> None:
    alarms = AlarmConfiguration(True, ignore, ("errors", "latency"))
    unreadable = alarm_to_stop(alarms, Reader(None))
    missing = alarm_to_stop(alarms, Reader({"errors": AlarmState.OK}))
    if ignore:
        assert (unreadable, missing) == (None, None)
    else:
        assert unreadable is not None
        assert "could not be read" in unreadable
        assert missing == "latency (no such alarm)"
    # An alarm in ALARM stops whatever the setting
    firing = Reader({"errors": AlarmState.ALARM})
    assert alarm_to_stop(alarms, firing) == "errors"
