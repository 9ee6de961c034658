"""Which CloudWatch alarms a deployment watches, and whether they stop it (reference §6).

A deployment watches the alarms of its ``overrideAlarmConfiguration`` if CreateDeployment gave
one, else its group's ``alarmConfiguration``; a rollback watches none, so that it can finish while
the alarm that caused it is still in ALARM. Two paths stop a deployment whose alarm fires: the
alarm function, on CloudWatch's state-change event (every running deployment that watches the
alarm), and the workflow, which polls the alarms before the rollout begins and on every sweep
(``alarm_to_stop``), so a lost event only delays the stop. An alarm that cannot be read (CloudWatch
fails, or the alarm does not exist) stops the deployment unless ``ignorePollAlarmFailure``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from rollwright.alarm_events import AlarmState
from rollwright.deployment_group_settings import AlarmConfiguration


class AlarmReadError(Exception):
    """CloudWatch could not be asked for the alarms' states."""


class AlarmReader(Protocol):
    def states(self, alarm_names: Sequence[str]) -> Mapping[str, AlarmState]:
        """The current state of each alarm that exists (AlarmReadError when CloudWatch fails)."""
        ...


def watched_alarms(
    group_alarms: AlarmConfiguration | None,
    override: AlarmConfiguration | None,
    *,
    is_rollback: bool,
) -> AlarmConfiguration | None:
    """The alarm configuration in force for a new deployment; None when it watches no alarm."""
    if is_rollback:
        return None
    chosen = override if override is not None else group_alarms
    if chosen is None or not chosen.enabled or not chosen.alarm_names:
        return None
    return chosen


def alarm_to_stop(alarms: AlarmConfiguration | None, reader: AlarmReader) -> str | None:
    """The alarm(s) that stop the deployment now, as its error message names them; None if none."""
    if alarms is None or not alarms.enabled or not alarms.alarm_names:
        return None
    names = list(alarms.alarm_names)
    try:
        states = reader.states(names)
    except AlarmReadError as error:
        if alarms.ignore_poll_alarm_failure:
            return None
        return f"{', '.join(names)} (their states could not be read: {error})"
    firing = [name for name in names if states.get(name) is AlarmState.ALARM]
    if firing:
        return ", ".join(firing)
    missing = [name for name in names if name not in states]
    if missing and not alarms.ignore_poll_alarm_failure:
        return f"{', '.join(missing)} (no such alarm)"
    return None
