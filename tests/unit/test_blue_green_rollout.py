"""The passes of an EC2 blue/green deployment (``rollout_pass``) and the step that moves it from
one to the next (``BlueGreenRollout.next_step``), with an in-memory store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pytest

from rollwright.blue_green import blue_green_fleets
from rollwright.blue_green_adoption import CopiedAutoScalingGroup, GreenFleet
from rollwright.blue_green_fleet import AutoScalingGroupCopy, AutoScalingGroupSize
from rollwright.blue_green_plan import ROLLBACK_STEPS, BlueGreenStep
from rollwright.blue_green_rollout import (
    PROVISION_TIMEOUT_SECONDS,
    BlueGreenRollout,
    BlueGreenState,
    RolloutPass,
    rollout_pass,
)
from rollwright.blue_green_targets import TargetInstances
from rollwright.blue_green_waits import BlueGreenWait
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_group_settings import TagFilter, TagFilterType
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent
from rollwright.rollout import InstanceStatus
from rollwright.rollout_counters import (
    FAILED_HEALTH_CONSTRAINTS,
    STOPPED_MANUALLY,
    SUCCEEDED,
    RolloutErrorCode,
    RolloutOutcome,
)

ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)
HALF = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 50)
FLEETS = blue_green_fleets(("b1", "b2", "b3"), ("g1", "g2", "g3", "g4"))
PENDING = dict.fromkeys(("b1", "b2", "b3", "g1", "g2", "g3", "g4"), InstanceStatus.PENDING)


def test_green_installs_under_the_in_place_rules_of_the_green_fleet() -> None:
    # When the install pass of four green instances is planned, HalfAtATime
    planned = rollout_pass(BlueGreenStep.INSTALL_GREEN, HALF, FLEETS, PENDING)
    # Then it runs the install events on green only, two at a time, under the stop rule
    assert planned.hosts == ("g1", "g2", "g3", "g4")
    assert planned.segments == (
        (
            LifecycleEvent.APPLICATION_STOP,
            LifecycleEvent.DOWNLOAD_BUNDLE,
            LifecycleEvent.BEFORE_INSTALL,
            LifecycleEvent.INSTALL,
            LifecycleEvent.AFTER_INSTALL,
            LifecycleEvent.APPLICATION_START,
            LifecycleEvent.VALIDATE_SERVICE,
        ),
    )
    assert (planned.counters.minimum, planned.counters.window) == (2, 2)
    assert planned.counters.pending_healthy == 4
    # And blue waits, counted in the overview as Pending
    assert planned.carried == {InstanceStatus.PENDING: 3}


def test_only_green_instances_that_installed_take_traffic() -> None:
    statuses = {**PENDING, "g1": InstanceStatus.SUCCEEDED, "g2": InstanceStatus.FAILED}
    statuses |= {"g3": InstanceStatus.READY, "g4": InstanceStatus.SUCCEEDED}
    planned = rollout_pass(BlueGreenStep.ALLOW_TRAFFIC_GREEN, ONE_AT_A_TIME, FLEETS, statuses)
    assert planned.hosts == ("g1", "g3", "g4")
    assert planned.segments == (
        (LifecycleEvent.BEFORE_ALLOW_TRAFFIC,),
        (LifecycleEvent.AFTER_ALLOW_TRAFFIC,),
    )
    assert planned.carried == {InstanceStatus.FAILED: 1, InstanceStatus.PENDING: 3}


def test_deregistering_blue_needs_every_blue_instance() -> None:
    planned = rollout_pass(BlueGreenStep.BLOCK_TRAFFIC_BLUE, HALF, FLEETS, PENDING)
    assert planned.hosts == ("b1", "b2", "b3")
    assert planned.counters.minimum == 3  # one failed deregistration fails the deployment
    assert planned.counters.window == 1  # HalfAtATime of 3: ceil(1.5) = 2 stay, 1 moves
    assert planned.unhealthy_total == 3  # no stop rule: blue is leaving, not serving more


# --- next_step ----------------------------------------------------------------------------------


@dataclass
class Store:
    state: BlueGreenState
    calls: list[tuple[str, int]] = field(default_factory=list)
    passes: list[RolloutPass] = field(default_factory=list)
    ended: list[RolloutOutcome] = field(default_factory=list)

    def blue_green(self, deployment_id: str) -> BlueGreenState:
        return self.state

    def begin_pass(self, deployment_id: str, index: int, rollout: RolloutPass) -> None:
        self.calls.append(("pass", index))
        self.passes.append(rollout)
        self.state = replace(self.state, step_index=index, outcome=None)

    def begin_wait(
        self, deployment_id: str, index: int, wait: BlueGreenWait, ready: Sequence[str]
    ) -> None:
        self.calls.append((f"wait-{wait.value}", index))
        self.state = replace(self.state, step_index=index, outcome=None)

    def pass_step(self, deployment_id: str, index: int) -> None:
        self.calls.append(("step", index))
        self.state = replace(self.state, step_index=index)

    def end(self, deployment_id: str, outcome: RolloutOutcome) -> None:
        self.ended.append(outcome)

    def provisioning_since(self, deployment_id: str, now: float) -> float:
        self.since = getattr(self, "since", now)
        return float(self.since)

    def add_green(self, deployment_id: str, index: int, instances: Sequence[str]) -> None:
        self.calls.append(("green", index))
        self.state = replace(self.state, step_index=index)


@dataclass
class Blue:
    terminated: list[str] = field(default_factory=list)

    def terminate(self, instance_ids: Sequence[str]) -> None:
        self.terminated += instance_ids


STEPS = (
    BlueGreenStep.INSTALL_GREEN,
    BlueGreenStep.READY_WAIT,
    BlueGreenStep.ALLOW_TRAFFIC_GREEN,
    BlueGreenStep.BLOCK_TRAFFIC_BLUE,
    BlueGreenStep.TERMINATION_WAIT,
    BlueGreenStep.TERMINATE_BLUE,
)


def _state(step_index: int, outcome: RolloutOutcome | None, **changes: object) -> BlueGreenState:
    state = BlueGreenState(
        deployment_id="d-1",
        steps=STEPS,
        step_index=step_index,
        fleets=FLEETS,
        rule=ONE_AT_A_TIME,
        statuses=PENDING,
        status=DeploymentStatus.IN_PROGRESS,
        outcome=outcome,
        ready_wait_seconds=30,
        termination_wait_seconds=0,
        ready_wait_minutes=30,
    )
    return replace(state, **changes)  # type: ignore[arg-type]


def test_a_succeeded_install_goes_on_to_the_ready_wait() -> None:
    store = Store(_state(0, SUCCEEDED))
    answer = BlueGreenRollout(store, Blue()).next_step("d-1", {"Error": "Rollwright.RolloutEnded"})
    assert (answer["next"], answer["waitSeconds"]) == ("Wait", 30)
    assert store.calls == [("wait-Ready", 1)]


def test_a_failed_pass_sends_the_workflow_to_finish_with_nothing_more_done() -> None:
    store, blue = Store(_state(0, FAILED_HEALTH_CONSTRAINTS)), Blue()
    answer = BlueGreenRollout(store, blue).next_step("d-1", {"Error": "Rollwright.RolloutEnded"})
    assert answer["next"] == "Finish"
    assert store.calls == []
    assert blue.terminated == []


def test_a_rollout_phase_that_failed_without_an_outcome_finishes_with_its_error() -> None:
    store = Store(_state(0, None))
    error = {"Error": "States.Timeout"}
    answer = BlueGreenRollout(store, Blue()).next_step("d-1", error)
    assert (answer["next"], answer["error"]) == ("Finish", error)
    assert store.ended == []


def test_a_ready_wait_that_timed_out_ends_stopped() -> None:
    store = Store(_state(1, None, status=DeploymentStatus.READY))
    answer = BlueGreenRollout(store, Blue()).next_step("d-1", {"Error": "States.Timeout"})
    assert answer["next"] == "Finish"
    (ended,) = store.ended
    assert ended.status is DeploymentStatus.STOPPED
    assert "30 minutes" in ended.message


def test_a_zero_termination_wait_terminates_blue_at_once_and_succeeds() -> None:
    store, blue = Store(_state(3, SUCCEEDED)), Blue()
    answer = BlueGreenRollout(store, blue).next_step("d-1", {"Error": "Rollwright.RolloutEnded"})
    assert answer["next"] == "Finish"
    assert blue.terminated == ["b1", "b2", "b3"]
    assert store.calls == [("step", 4), ("step", 5)]
    assert store.ended == [SUCCEEDED]


def test_a_pass_without_instances_is_passed_over() -> None:
    # Given a group that had no original instances
    fleets = blue_green_fleets((), ("g1",))
    store = Store(_state(2, SUCCEEDED, fleets=fleets, statuses={"g1": InstanceStatus.SUCCEEDED}))
    store.state = replace(store.state, termination_wait_seconds=60)
    answer = BlueGreenRollout(store, Blue()).next_step("d-1", {"Error": ""})
    # Then deregistering blue is passed over and the termination wait begins
    assert answer["next"] == "Wait"
    assert store.calls == [("step", 3), ("wait-Termination", 4)]


# --- the group adopts the green fleet ----------------------------------------------------------

GREEN_TARGETS = TargetInstances(
    tag_filters=(TagFilter("color", "green", TagFilterType.KEY_AND_VALUE),)
)


def test_a_succeeded_discovered_deployment_hands_its_target_instances_to_the_group() -> None:
    # Given a DISCOVER_EXISTING deployment whose blue instances were deregistered
    store, adoption = Store(_state(3, SUCCEEDED, target_instances=GREEN_TARGETS)), Adoption()
    rollout = BlueGreenRollout(store, Blue(), adoption=adoption)
    # When its last step has run
    assert rollout.next_step("d-1", {"Error": ""})["next"] == "Finish"
    # Then the group adopts the instances its targetInstances selects, and it succeeds
    assert adoption.adopted == [GREEN_TARGETS]
    assert store.ended == [SUCCEEDED]


def test_a_deployment_waiting_to_terminate_blue_has_not_handed_green_to_the_group_yet() -> None:
    store, adoption = Store(_state(3, SUCCEEDED, target_instances=GREEN_TARGETS)), Adoption()
    store.state = replace(store.state, termination_wait_seconds=60)
    rollout = BlueGreenRollout(store, Blue(), adoption=adoption)
    assert rollout.next_step("d-1", {"Error": ""})["next"] == "Wait"
    assert adoption.adopted == []


@pytest.mark.parametrize(
    ("state", "error"),
    [
        (_state(3, FAILED_HEALTH_CONSTRAINTS), ""),  # blue's deregistration failed
        (_state(2, SUCCEEDED, stop=STOPPED_MANUALLY), ""),  # stopped between two passes
        (_state(1, None, status=DeploymentStatus.READY), "States.Timeout"),  # the ready wait
    ],
    ids=["failed", "stopped", "ready-wait-timed-out"],
)
def test_a_deployment_that_does_not_succeed_leaves_the_group_alone(
    state: BlueGreenState, error: str
) -> None:
    store, adoption = Store(replace(state, target_instances=GREEN_TARGETS)), Adoption()
    rollout = BlueGreenRollout(store, Blue(), adoption=adoption)
    assert rollout.next_step("d-1", {"Error": error})["next"] == "Finish"
    (ended,) = store.ended
    assert ended.status is not DeploymentStatus.SUCCEEDED
    assert adoption.adopted == []


def test_a_succeeded_rollback_leaves_the_group_alone() -> None:
    # Given a rollback whose traffic is back on blue (it carries no targetInstances)
    store, adoption = Store(_state(1, SUCCEEDED, steps=ROLLBACK_STEPS)), Adoption()
    rollout = BlueGreenRollout(store, Blue(), adoption=adoption)
    assert rollout.next_step("d-2", {"Error": ""})["next"] == "Finish"
    assert store.ended == [SUCCEEDED]
    assert adoption.adopted == []


# --- a copied Auto Scaling group ------------------------------------------------------------------


@dataclass
class Copies:
    launched: tuple[str, ...] = ()
    created: list[AutoScalingGroupCopy] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    attached: list[tuple[str, str]] = field(default_factory=list)

    def size(self, name: str) -> AutoScalingGroupSize:
        return AutoScalingGroupSize(minimum=1, maximum=4, desired=3)

    def healthy_count(self, name: str) -> int:
        return 2

    def create(self, copy: AutoScalingGroupCopy) -> None:
        self.created.append(copy)

    def instances(self, name: str) -> tuple[str, ...]:
        return self.launched

    def delete(self, name: str) -> None:
        self.deleted.append(name)

    def attach_load_balancers(self, source: str, copy: str) -> None:
        self.attached.append((source, copy))


@dataclass
class Adoption:
    adopted: list[GreenFleet] = field(default_factory=list)

    def adopt(self, application_name: str, group_name: str, green: GreenFleet) -> None:
        self.adopted.append(green)


COPY_STEPS = (BlueGreenStep.PROVISION_GREEN, *STEPS)
COPY = "CodeDeploy_web_d-1"


def _copy_state(step_index: int, outcome: RolloutOutcome | None) -> BlueGreenState:
    return _state(
        step_index,
        outcome,
        steps=COPY_STEPS,
        fleets=blue_green_fleets(("b1", "b2"), ()),
        deployment_group_name="web",
        copy_source="web-asg",
    )


def test_a_copy_sized_to_the_healthy_instances_is_polled_until_its_instances_are_in_service():
    # Given a COPY_AUTO_SCALING_GROUP deployment whose copy has launched one of two instances
    store, copies = Store(_copy_state(-1, None)), Copies(launched=("g1",))
    rollout = BlueGreenRollout(store, Blue(), copies=copies)
    # When its first step runs
    answer = rollout.next_step("d-1", {"Error": ""})
    # Then the copy, named as CodeDeploy names it and sized to the two healthy originals, is
    # made, and the workflow looks again shortly
    (copy,) = copies.created
    assert (copy.name, copy.source, copy.size.desired) == (COPY, "web-asg", 2)
    assert answer["next"] == "Poll"
    assert store.calls == []
    # When both instances are in service
    copies.launched = ("g1", "g2")
    answer = rollout.next_step("d-1", {"Error": ""})
    # Then they are the green fleet, and green's install begins
    assert answer["next"] == "Rollout"
    assert store.calls == [("green", 0), ("pass", 1)]
    assert store.passes[0].hosts == ("g1", "g2")


def test_a_copy_whose_install_failed_is_deleted():
    store, copies = Store(_copy_state(1, FAILED_HEALTH_CONSTRAINTS)), Copies()
    answer = BlueGreenRollout(store, Blue(), copies=copies).next_step("d-1", {"Error": ""})
    assert answer["next"] == "Finish"
    assert copies.deleted == [COPY]


def test_a_successful_copy_replaces_the_original_group_which_terminate_deletes():
    # Given a copy deployment whose blue instances were deregistered; TERMINATE, no wait
    store, copies, adoption, blue = Store(_copy_state(4, SUCCEEDED)), Copies(), Adoption(), Blue()
    rollout = BlueGreenRollout(store, blue, copies=copies, adoption=adoption)
    assert rollout.next_step("d-1", {"Error": ""})["next"] == "Finish"
    # Then the original group is deleted (its instances with it) and the copy is the group's
    assert copies.deleted == ["web-asg"]
    assert blue.terminated == []
    assert adoption.adopted == [CopiedAutoScalingGroup("web-asg", COPY)]
    assert store.ended == [SUCCEEDED]


def test_a_rollback_of_a_copy_deletes_it_once_traffic_is_back_on_blue():
    steps = (*ROLLBACK_STEPS, BlueGreenStep.DELETE_GREEN_COPY)
    state = _state(1, SUCCEEDED, steps=steps, delete_copy=COPY)
    store, copies = Store(state), Copies()
    assert BlueGreenRollout(store, Blue(), copies=copies).next_step("d-2", None)["next"] == "Finish"
    assert copies.deleted == [COPY]
    assert store.ended == [SUCCEEDED]


def test_a_copy_whose_instances_never_come_into_service_is_deleted_and_the_deployment_fails():
    # Given a copy that launches none of its instances
    store, copies = Store(_copy_state(-1, None)), Copies(launched=())
    now = [1000.0]
    rollout = BlueGreenRollout(store, Blue(), copies=copies, clock=lambda: now[0])
    assert rollout.next_step("d-1", {"Error": ""})["next"] == "Poll"
    # When its provisioning has lasted longer than allowed
    now[0] += PROVISION_TIMEOUT_SECONDS + 1
    answer = rollout.next_step("d-1", {"Error": ""})
    # Then the copy is deleted and the deployment fails with TIMEOUT
    assert answer["next"] == "Finish"
    assert copies.deleted == [COPY]
    (ended,) = store.ended
    assert (ended.status, ended.error_code) == (DeploymentStatus.FAILED, RolloutErrorCode.TIMEOUT)


def test_a_copy_takes_the_load_balancers_only_once_rerouting_has_succeeded():
    # Given a copy deployment whose green instances have just taken traffic
    store, copies = Store(_copy_state(3, SUCCEEDED)), Copies()
    rollout = BlueGreenRollout(store, Blue(), copies=copies)
    # When the next step begins (blue's deregistration)
    assert rollout.next_step("d-1", {"Error": ""})["next"] == "Rollout"
    # Then the copy has not been attached to the original's load balancers yet
    assert copies.attached == []
    # When blue's deregistration has succeeded
    store.state = _copy_state(4, SUCCEEDED)
    rollout.next_step("d-1", {"Error": ""})
    # Then the copy is attached to the original group's load balancers and target groups
    assert copies.attached == [("web-asg", COPY)]
    assert copies.deleted == ["web-asg"]
