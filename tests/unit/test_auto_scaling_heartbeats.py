"""Heartbeats keep a launch or termination deployment's lifecycle action alive."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from rollwright.auto_scaling_heartbeats import (
    HeldAction,
    LifecycleHeartbeats,
    heartbeat_due,
    heartbeat_interval_seconds,
)
from rollwright.auto_scaling_launches import LifecycleAction, LifecycleTransition

ACTION = LifecycleAction(
    "web-asg", "launch-hook", "i-1", "token-1", LifecycleTransition.LAUNCHING, "dg-1"
)


@dataclass
class Records:
    held: dict[str, HeldAction] = field(default_factory=dict)

    def held_action(self, instance_id: str) -> HeldAction | None:
        return self.held.get(instance_id)

    def record_heartbeat_at(self, instance_id: str, at: float, *, previous: float) -> bool:
        held = self.held.get(instance_id)
        if held is None or held.last_heartbeat_at != previous:
            return False
        self.held[instance_id] = HeldAction(held.action, at)
        return True


@dataclass
class Sent:
    heartbeats: list[str] = field(default_factory=list)

    def record_heartbeat(self, action: LifecycleAction) -> None:
        self.heartbeats.append(action.instance_id)


def _heartbeats(held_at: float = 1000.0) -> tuple[LifecycleHeartbeats, Records, Sent]:
    records, sent = Records({"i-1": HeldAction(ACTION, held_at)}), Sent()
    return LifecycleHeartbeats(records, sent, interval_seconds=300), records, sent


def test_codedeploys_five_minutes_are_scaled_by_the_wait_scale_to_at_least_a_second():
    assert heartbeat_interval_seconds() == 300
    assert heartbeat_interval_seconds(0.01) == 3
    assert heartbeat_interval_seconds(0.0001) == 1


def test_a_wait_scale_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="positive"):
        heartbeat_interval_seconds(0)


@pytest.mark.parametrize(("now", "due"), [(1299.9, False), (1300.0, True), (2000.0, True)])
def test_a_heartbeat_is_due_once_the_interval_has_passed(now: float, due: bool):
    assert heartbeat_due(last_heartbeat_at=1000.0, now=now, interval_seconds=300) is due


def test_a_launch_held_longer_than_the_interval_gets_a_heartbeat():
    # Given an instance held for 5 minutes by its launch deployment
    heartbeats, records, sent = _heartbeats(held_at=1000.0)
    # When the sweep looks / Then one heartbeat is recorded and its time kept
    assert heartbeats.beat("autoscaling", ["i-1"], now=1300.0) == ["i-1"]
    assert sent.heartbeats == ["i-1"]
    assert records.held["i-1"].last_heartbeat_at == 1300.0


def test_no_heartbeat_before_the_interval_has_passed_since_the_last_one():
    # Given a heartbeat recorded at 1300
    heartbeats, _, sent = _heartbeats(held_at=1000.0)
    heartbeats.beat("autoscaling", ["i-1"], now=1300.0)
    # When sweeps look again before 1600 / Then nothing more is sent; at 1600 the next one is
    assert heartbeats.beat("autoscaling", ["i-1"], now=1599.0) == []
    assert heartbeats.beat("autoscaling", ["i-1"], now=1600.0) == ["i-1"]
    assert sent.heartbeats == ["i-1", "i-1"]


def test_a_termination_deployment_keeps_its_action_alive_too():
    heartbeats, _, sent = _heartbeats(held_at=1000.0)
    assert heartbeats.beat("autoscalingTermination", ["i-1"], now=1400.0) == ["i-1"]
    assert sent.heartbeats == ["i-1"]


def test_a_user_deployment_sends_no_heartbeat():
    # Given a held instance that a user deployment happens to target / When it is swept
    heartbeats, _, sent = _heartbeats(held_at=1000.0)
    # Then nothing: only the deployment the action is held for keeps it alive
    assert heartbeats.beat("user", ["i-1"], now=5000.0) == []
    assert sent.heartbeats == []


def test_an_instance_no_longer_held_gets_no_heartbeat():
    heartbeats, _, sent = _heartbeats()
    assert heartbeats.beat("autoscaling", ["i-gone"], now=5000.0) == []
    assert sent.heartbeats == []


@dataclass
class StaleRecords(Records):
    """Answers the time a sweep read before another sweep replaced it."""

    read_at: float = 0.0

    def held_action(self, instance_id: str) -> HeldAction | None:
        held = super().held_action(instance_id)
        return None if held is None else HeldAction(held.action, self.read_at)


def test_of_two_sweeps_that_find_a_heartbeat_due_only_the_first_sends_it():
    # Given a heartbeat another sweep recorded at 1300, after this sweep read the time 1000
    records, sent = StaleRecords({"i-1": HeldAction(ACTION, 1300.0)}, read_at=1000.0), Sent()
    late = LifecycleHeartbeats(records, sent, interval_seconds=300)
    # When this sweep tries with the time it read / Then it sends nothing
    assert late.beat("autoscaling", ["i-1"], now=1301.0) == []
    assert sent.heartbeats == []
