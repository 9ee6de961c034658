"""An EC2 blue/green deployment, run as Server rollout *passes* and waits.

A blue/green deployment is the in-place Server rollout (``server_rollout``: host segments, task
tokens, report handling, the dead-host sweep) run several times over one deployment, once per
*pass*, with the steps of ``blue_green_plan.deployment_steps`` between them:

- a pass is one rollout over the instances of one label, each running the agent segments of one
  ``LabelPhase`` (install; the allow-traffic or block-traffic events around the control plane's
  AllowTraffic/BlockTraffic). ``rollout_pass`` plans it: which instances, their segments, and
  the counters that govern it (the install follows the in-place rules over the green fleet; a
  traffic pass moves ``reroute_window`` instances at a time; deregistering blue needs every
  instance, so one failure fails it);
- the ready wait and the termination wait are Step Functions task-token waits, answered by
  ContinueDeployment (or a stop) and timed out by the state machine;
- terminating blue is one call.

``BlueGreenRollout.next_step`` is the workflow's ``blueGreenNext`` step: after each pass or wait
it reads how that ended and begins the next step (or sends the workflow to ``finish``). Each pass
keeps what the earlier ones did on the target items (statuses, events) and carries their counts
into the deployment's overview.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from rollwright.blue_green import (
    BlueGreenFleets,
    InstanceLabel,
    LabelPhase,
    phase_segments,
)
from rollwright.blue_green_adoption import CopiedAutoScalingGroup, GreenFleet
from rollwright.blue_green_fleet import AutoScalingGroupCopies, auto_scaling_group_copy, copy_name
from rollwright.blue_green_plan import BlueGreenStep
from rollwright.blue_green_rerouting import reroute_window
from rollwright.blue_green_targets import TargetInstances
from rollwright.blue_green_waits import BlueGreenWait, ready_wait_expired
from rollwright.deployment_configs import MinimumHealthyHosts
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent
from rollwright.lifecycle_segments import SegmentActor
from rollwright.minimum_healthy_hosts import plan_health
from rollwright.rollout import InstanceStatus
from rollwright.rollout_counters import (
    SUCCEEDED,
    RolloutCounters,
    RolloutErrorCode,
    RolloutOutcome,
    initial_counters,
)

TIMEOUT_ERROR = "States.Timeout"

_PASSES: dict[BlueGreenStep, tuple[InstanceLabel, LabelPhase]] = {
    BlueGreenStep.INSTALL_GREEN: (InstanceLabel.GREEN, LabelPhase.INSTALL),
    BlueGreenStep.ALLOW_TRAFFIC_GREEN: (InstanceLabel.GREEN, LabelPhase.ALLOW_TRAFFIC),
    BlueGreenStep.BLOCK_TRAFFIC_BLUE: (InstanceLabel.BLUE, LabelPhase.BLOCK_TRAFFIC),
    BlueGreenStep.ALLOW_TRAFFIC_BLUE: (InstanceLabel.BLUE, LabelPhase.ALLOW_TRAFFIC),
    BlueGreenStep.BLOCK_TRAFFIC_GREEN: (InstanceLabel.GREEN, LabelPhase.BLOCK_TRAFFIC),
}
_WAITS = {
    BlueGreenStep.READY_WAIT: BlueGreenWait.READY,
    BlueGreenStep.TERMINATION_WAIT: BlueGreenWait.TERMINATION,
}
_INSTALLED = frozenset({InstanceStatus.SUCCEEDED, InstanceStatus.READY})
_BEFORE_REROUTING = frozenset(
    {BlueGreenStep.PROVISION_GREEN, BlueGreenStep.INSTALL_GREEN, BlueGreenStep.READY_WAIT}
)


def is_pass(step: BlueGreenStep) -> bool:
    return step in _PASSES


@dataclass(frozen=True)
class RolloutPass:
    """One pass: its hosts in order (position i is ``hosts[i]``), the agent segments each runs,
    the rollout counters it starts with, and the statuses of the deployment's other instances,
    which the overview carries while the pass runs."""

    step: BlueGreenStep
    hosts: tuple[str, ...]
    segments: tuple[tuple[LifecycleEvent, ...], ...]
    counters: RolloutCounters
    unhealthy_total: int
    carried: Mapping[InstanceStatus, int]


def agent_segments_of(phase: LabelPhase) -> tuple[tuple[LifecycleEvent, ...], ...]:
    return tuple(s.events for s in phase_segments(phase) if s.actor is SegmentActor.AGENT)


def rollout_pass(
    step: BlueGreenStep,
    rule: MinimumHealthyHosts,
    fleets: BlueGreenFleets,
    statuses: Mapping[str, InstanceStatus],
) -> RolloutPass:
    """The pass of ``step``. Green's install follows the in-place rules (the window and the stop
    rule over the green fleet); green takes traffic only where it installed; a traffic pass
    moves ``reroute_window`` instances at a time and needs the rule's minimum of successes, but
    deregistering blue needs all of them (reference §8: one failed deregistration fails the
    deployment)."""
    label, phase = _PASSES[step]
    fleet = fleets.green if label is InstanceLabel.GREEN else fleets.blue
    if step is BlueGreenStep.ALLOW_TRAFFIC_GREEN:
        fleet = tuple(h for h in fleet if statuses.get(h) in _INSTALLED)
    total = len(fleet)
    health = plan_health(rule, total)
    if phase is LabelPhase.INSTALL:
        counters = initial_counters(health, healthy=total, unhealthy=0)
        unhealthy_total = 0
    else:
        # Instances in a traffic pass are not serving yet (or are leaving): the stop rule over
        # healthy instances does not apply, only the window and the success rule.
        minimum = total if step is BlueGreenStep.BLOCK_TRAFFIC_BLUE else health.minimum
        counters = RolloutCounters(
            minimum=minimum,
            window=reroute_window(rule, total),
            pending_healthy=0,
            pending_unhealthy=total,
        )
        unhealthy_total = total
    others = [h for h in (*fleets.green, *fleets.blue) if h not in set(fleet)]
    carried = Counter(statuses.get(h, InstanceStatus.PENDING) for h in others)
    return RolloutPass(step, fleet, agent_segments_of(phase), counters, unhealthy_total, carried)


# --- the workflow's step between passes --------------------------------------------------------


@dataclass(frozen=True)
class BlueGreenState:
    """What ``next_step`` reads of a blue/green deployment."""

    deployment_id: str
    steps: tuple[BlueGreenStep, ...]
    step_index: int  # the step under way (or just ended); -1 before the first
    fleets: BlueGreenFleets
    rule: MinimumHealthyHosts
    statuses: Mapping[str, InstanceStatus]  # every instance's target status
    status: DeploymentStatus
    outcome: RolloutOutcome | None
    ready_wait_seconds: int
    termination_wait_seconds: int
    ready_wait_minutes: int = 0
    application_name: str = ""
    deployment_group_name: str = ""
    copy_source: str | None = None  # COPY_AUTO_SCALING_GROUP: the group copied
    target_instances: TargetInstances | None = None  # DISCOVER_EXISTING: what selected green
    delete_copy: str | None = None  # a rollback: the copy it deletes
    stop: RolloutOutcome | None = None  # how a recorded stop (StopDeployment, alarm) ends it

    @property
    def copy(self) -> str | None:
        """The name of this deployment's Auto Scaling group copy, if it makes one."""
        if self.copy_source is None:
            return None
        return copy_name(self.deployment_group_name, self.deployment_id)

    @property
    def green_fleet(self) -> GreenFleet | None:
        """What the deployment group adopts when the deployment succeeds: the copy, or the
        instances ``targetInstances`` selects; None for a rollback (``blue_green_adoption``)."""
        if self.copy_source is not None and self.copy is not None:
            return CopiedAutoScalingGroup(self.copy_source, self.copy)
        return self.target_instances

    @property
    def current(self) -> BlueGreenStep | None:
        return self.steps[self.step_index] if self.step_index >= 0 else None


class BlueGreenStore(Protocol):
    def blue_green(self, deployment_id: str) -> BlueGreenState | None: ...

    def begin_pass(self, deployment_id: str, index: int, rollout: RolloutPass) -> None:
        """Make step ``index`` the deployment's rollout: the pass's hosts Pending with its
        segments at positions 0.., its counters, no outcome, no task token."""
        ...

    def begin_wait(
        self, deployment_id: str, index: int, wait: BlueGreenWait, ready: Sequence[str]
    ) -> None:
        """Make step ``index`` a wait: no outcome; for the ready wait the deployment and the
        ``ready`` instances are Ready; for the termination wait
        ``instanceTerminationWaitTimeStarted`` is true."""
        ...

    def pass_step(self, deployment_id: str, index: int) -> None:
        """Step ``index`` (one without a rollout or a wait) is done."""
        ...

    def provisioning_since(self, deployment_id: str, now: float) -> float:
        """When the copy's provisioning began: ``now`` the first time this is asked."""
        ...

    def add_green(self, deployment_id: str, index: int, instances: Sequence[str]) -> None:
        """The copy's instances are the green fleet (labelled targets, Pending); step
        ``index`` (provisioning) is done."""
        ...

    def end(self, deployment_id: str, outcome: RolloutOutcome) -> None:
        """Record ``outcome`` unless one is recorded, and the status InProgress again (a ready
        wait's Ready), so ``finish`` records the final status."""
        ...


class BlueInstances(Protocol):
    def terminate(self, instance_ids: Sequence[str]) -> None:
        """Terminate the instances (EC2 TerminateInstances); already terminated ones are fine."""
        ...


class GreenFleetAdoption(Protocol):
    def adopt(self, application_name: str, deployment_group_name: str, green: GreenFleet) -> None:
        """The deployment group selects ``green`` (its blue instances no longer); adopting
        again changes nothing."""
        ...


# How often provisioning looks whether the copy's instances are in service, and how long it
# waits for them before the deployment fails (our choice: `docs/decisions.md`).
PROVISION_POLL_SECONDS = 2
PROVISION_TIMEOUT_SECONDS = 30 * 60


class BlueGreenRollout:
    def __init__(
        self,
        store: BlueGreenStore,
        blue: BlueInstances,
        *,
        copies: AutoScalingGroupCopies | None = None,
        adoption: GreenFleetAdoption | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """``clock`` (epoch seconds) bounds a copy's provisioning; without one it is unbounded."""
        self._store = store
        self._blue = blue
        self._copies = copies
        self._adoption = adoption
        self._clock = clock

    def next_step(self, deployment_id: str, error: Mapping[str, Any] | None) -> dict[str, Any]:
        """After the current step ended (a pass's rollout, a wait's answer or timeout): begin
        the next step and say what the workflow does next (``Rollout``, ``Wait`` for
        ``waitSeconds``, or ``Finish``)."""
        state = self._store.blue_green(deployment_id)
        finish = {
            "deploymentId": deployment_id,
            "blueGreen": True,
            "next": "Finish",
            "error": dict(error or {"Error": ""}),
        }
        if state is None:
            return finish
        current = state.current
        if current is not None and is_pass(current) and state.outcome is None:
            # The rollout phase itself failed (its timeout, say): finish reads the error.
            return finish
        ended = self._ended(state, error)
        if ended is not None:
            if state.copy is not None and current in _BEFORE_REROUTING:
                # Nothing serves from the copy yet: it goes (after rerouting, the rollback
                # deletes it once traffic is back on blue).
                self._copies_port().delete(state.copy)
            self._store.end(deployment_id, ended)
            return finish
        for index in range(state.step_index + 1, len(state.steps)):
            began = self._begin(state, index)
            if isinstance(began, dict):
                return {**finish, **began, "error": {"Error": ""}}
            state = began
        if state.steps and state.steps[-1] is BlueGreenStep.BLOCK_TRAFFIC_BLUE:
            self._rerouted(state)
        green = state.green_fleet
        if green is not None and self._adoption is not None:
            self._adoption.adopt(state.application_name, state.deployment_group_name, green)
        self._store.end(deployment_id, SUCCEEDED)
        return finish

    def _begin(self, state: BlueGreenState, index: int) -> dict[str, Any] | BlueGreenState:
        """Begin step ``index``: what the workflow waits for (``next`` and ``waitSeconds``), or,
        for a step done at once, the state to go on from."""
        step, deployment_id = state.steps[index], state.deployment_id
        if index > 0 and state.steps[index - 1] is BlueGreenStep.BLOCK_TRAFFIC_BLUE:
            self._rerouted(state)
        if step is BlueGreenStep.PROVISION_GREEN:
            green = self._provisioned(state)
            if green is None:
                return self._still_provisioning(state)
            self._store.add_green(deployment_id, index, green)
            fleets = BlueGreenFleets(blue=state.fleets.blue, green=tuple(sorted(green)))
            statuses = {**state.statuses, **dict.fromkeys(green, InstanceStatus.PENDING)}
            return replace(state, fleets=fleets, statuses=statuses)
        if is_pass(step):
            rollout = rollout_pass(step, state.rule, state.fleets, state.statuses)
            if rollout.hosts:
                self._store.begin_pass(deployment_id, index, rollout)
                return {"next": "Rollout"}
            # Nothing to move (a group without original instances, say): passed over.
        elif step in _WAITS:
            wait = _WAITS[step]
            # Step Functions times a wait out after a whole second at least; a termination
            # wait of zero terminates at once.
            seconds = (
                max(state.ready_wait_seconds, 1)
                if wait is BlueGreenWait.READY
                else state.termination_wait_seconds
            )
            if seconds:
                ready = [h for h in state.fleets.green if state.statuses.get(h) in _INSTALLED]
                self._store.begin_wait(deployment_id, index, wait, ready)
                return {"next": "Wait", "waitSeconds": seconds}
        elif step is BlueGreenStep.TERMINATE_BLUE:
            if state.copy_source is not None:
                # Terminated instances of a group would be replaced: the group goes.
                self._copies_port().delete(state.copy_source)
            else:
                self._blue.terminate(state.fleets.blue)
        elif step is BlueGreenStep.DELETE_GREEN_COPY and state.delete_copy is not None:
            self._copies_port().delete(state.delete_copy)
        self._store.pass_step(deployment_id, index)
        return state

    def _rerouted(self, state: BlueGreenState) -> None:
        """Rerouting succeeded (green serves, blue does not): a copy now takes the original
        group's load balancers and target groups, so the instances Auto Scaling launches into it
        from now on serve. It was created without them, so that Auto Scaling did not register
        green before AllowTraffic. Attaching again (a retried step) changes nothing."""
        if state.copy_source is not None and state.copy is not None:
            self._copies_port().attach_load_balancers(state.copy_source, state.copy)

    def _copies_port(self) -> AutoScalingGroupCopies:
        if self._copies is None:
            raise LookupError("this workflow has no Auto Scaling group copies to act on")
        return self._copies

    def _still_provisioning(self, state: BlueGreenState) -> dict[str, Any]:
        """Look again shortly, unless the copy has had its time: then it goes and the
        deployment fails."""
        if self._clock is not None:
            now = self._clock()
            since = self._store.provisioning_since(state.deployment_id, now)
            if now - since > PROVISION_TIMEOUT_SECONDS:
                assert state.copy is not None
                self._copies_port().delete(state.copy)
                minutes = PROVISION_TIMEOUT_SECONDS // 60
                self._store.end(
                    state.deployment_id,
                    RolloutOutcome(
                        DeploymentStatus.FAILED,
                        RolloutErrorCode.TIMEOUT,
                        f"The Auto Scaling group copy {state.copy} did not have its instances "
                        f"in service within {minutes} minutes; it was deleted.",
                    ),
                )
                return {"next": "Finish"}
        return {"next": "Poll", "waitSeconds": PROVISION_POLL_SECONDS}

    def _provisioned(self, state: BlueGreenState) -> tuple[str, ...] | None:
        """Create the copy (again: a retried or repeated step finds it) and answer its
        instances once as many are in service as it was sized for; None while it launches."""
        copies = self._copies_port()
        assert state.copy_source is not None
        copy = auto_scaling_group_copy(
            source=state.copy_source,
            source_size=copies.size(state.copy_source),
            healthy_instances=copies.healthy_count(state.copy_source),
            deployment_group_name=state.deployment_group_name,
            deployment_id=state.deployment_id,
        )
        copies.create(copy)
        instances = copies.instances(copy.name)
        return instances if len(instances) >= copy.size.desired else None

    @staticmethod
    def _ended(state: BlueGreenState, error: Mapping[str, Any] | None) -> RolloutOutcome | None:
        """How the deployment ends with the step that just ended, or None to go on."""
        current = state.current
        if state.outcome is not None and state.outcome.status is not DeploymentStatus.SUCCEEDED:
            return state.outcome  # a pass failed, or a stop ended a pass or a wait
        if state.stop is not None:
            # Stopped between two steps (a pass's rollout had ended, the next had not begun).
            return state.stop
        timed_out = str((error or {}).get("Error", "")) == TIMEOUT_ERROR
        if current is BlueGreenStep.READY_WAIT and timed_out:
            expired = ready_wait_expired(state.ready_wait_minutes)
            return RolloutOutcome(expired.status, RolloutErrorCode.TIMEOUT, expired.message)
        return None
