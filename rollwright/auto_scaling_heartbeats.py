"""Heartbeats for the lifecycle actions that launch and termination deployments hold.

An instance held by a lifecycle hook waits only for the hook's heartbeat timeout; CodeDeploy
keeps it waiting while its deployment runs by recording a heartbeat (Auto Scaling's
``RecordLifecycleActionHeartbeat``) every 5 minutes (reference §2). Rollwright does it from the
Server workflow's sweep, which runs every few seconds while a deployment waits for its hosts: a
heartbeat is due once ``interval_seconds`` have passed since the action was held or since its
last heartbeat. The interval is CodeDeploy's 5 minutes times the stack's wait scale (at least
1 s), so the devstack can run it in seconds. Of two sweeps that find a heartbeat due, the one
that records its time first (a conditional write on the previous time) sends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rollwright.auto_scaling_launches import LifecycleAction
from rollwright.rollback import AUTO_SCALING_CREATORS

CODEDEPLOY_HEARTBEAT_SECONDS = 300


def heartbeat_interval_seconds(wait_scale: float = 1.0) -> float:
    """CodeDeploy's interval under the stack's wait scale; at least a second."""
    if not wait_scale > 0:
        raise ValueError("the wait scale is a positive number")
    return max(1.0, CODEDEPLOY_HEARTBEAT_SECONDS * wait_scale)


def heartbeat_due(*, last_heartbeat_at: float, now: float, interval_seconds: float) -> bool:
    """Whether a held action's next heartbeat is due (times in epoch seconds)."""
    return now - last_heartbeat_at >= interval_seconds


@dataclass(frozen=True)
class HeldAction:
    action: LifecycleAction
    last_heartbeat_at: float  # when it was held, or when its last heartbeat was recorded


class HeartbeatRecords(Protocol):
    def held_action(self, instance_id: str) -> HeldAction | None:
        """The instance's held action and the time of its last heartbeat, if it is held."""

    def record_heartbeat_at(self, instance_id: str, at: float, *, previous: float) -> bool:
        """Set the last heartbeat's time to ``at`` if it is still ``previous``; False if another
        sweep did it first or the action was released."""


class ActionHeartbeats(Protocol):
    def record_heartbeat(self, action: LifecycleAction) -> None:
        """RecordLifecycleActionHeartbeat; an action that is gone already is not an error."""


class LifecycleHeartbeats:
    def __init__(
        self, records: HeartbeatRecords, actions: ActionHeartbeats, *, interval_seconds: float
    ) -> None:
        self._records = records
        self._actions = actions
        self._interval = interval_seconds

    def beat(self, creator: str, instance_ids: Iterable[str], *, now: float) -> list[str]:
        """Send the heartbeats due for a running deployment's held instances; which were sent.
        Only a launch or termination deployment holds an action."""
        if creator not in AUTO_SCALING_CREATORS:
            return []
        sent = []
        for instance_id in instance_ids:
            held = self._records.held_action(instance_id)
            if held is None or not heartbeat_due(
                last_heartbeat_at=held.last_heartbeat_at, now=now, interval_seconds=self._interval
            ):
                continue
            if self._records.record_heartbeat_at(instance_id, now, previous=held.last_heartbeat_at):
                self._actions.record_heartbeat(held.action)
                sent.append(instance_id)
        return sent
