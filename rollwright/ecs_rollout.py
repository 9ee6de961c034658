"""The ECS workflow's steps: hooks, the replacement task set, test and production traffic, the
termination wait and the end, each retry-safe.

The state machine (``stacks/ecs_workflow.py``) calls them in CodeDeploy's order (reference §5):
``plan`` → ``hook`` BeforeInstall → ``install`` (the replacement task set on the target group the
original does not use, scaled like the original) and ``check_replacement`` until it is steady →
``hook`` AfterInstall → ``allow_test_traffic``
(the test listener to the replacement) → ``hook`` AfterAllowTestTraffic and BeforeAllowTraffic →
``shift`` per traffic step (the production listener's weights) with Wait states between them →
``hook`` AfterAllowTraffic → ``wait_for_termination`` (the replacement becomes PRIMARY; the
original stays for the group's termination wait, which ContinueDeployment(TERMINATION_WAIT) cuts
short) → ``finish`` (the original task set deleted).

Hooks and the end are shared with Lambda (``traffic_rollout``). Carrying out a failure or a stop
puts traffic back at once: both listeners to the original target group, the original PRIMARY
again, the replacement deleted. Before Install there is nothing to undo. Each step that moves
traffic writes first and looks at the outcome again afterwards, so a stop that lands in between
still finds traffic put back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol, Unpack

from rollwright.blue_green_waits import ready_wait_expired
from rollwright.deployment_status import DeploymentStatus
from rollwright.ecs_records import (
    EcsDeploymentRecord,
    EcsServices,
    EcsTraffic,
    ListenerWeights,
    TaskSet,
)
from rollwright.errors import DeploymentIsNotInReadyStateException
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.traffic_records import TrafficOutcome
from rollwright.traffic_rollout import (
    HookEventStore,
    TrafficRollout,
    TrafficRolloutServices,
)

PERCENT = 100
INSTALL_ERROR = "ECS_UPDATE_ERROR"
STEADY_POLLS_PER_TIMEOUT = 240  # every 15 s of an hour's hook timeout


class EcsRolloutStore(HookEventStore[EcsDeploymentRecord], Protocol):
    def record_replacement(self, deployment_id: str, task_set: str, *, now: float) -> bool:
        """The replacement task set's ARN; False once the deployment has an outcome."""

    def start_waiting(self, deployment_id: str, token: str, *, now: float) -> bool:
        """The replacement PRIMARY and the termination wait's token stored; False once the
        deployment has an outcome."""

    def take_waiting_token(self, deployment_id: str) -> str | None:
        """Remove and answer the termination wait's token; None when it is not waiting."""

    def start_ready_wait(self, deployment_id: str, token: str, *, now: float) -> bool:
        """The deployment Ready, the ready wait's token stored; False unless it is InProgress
        with no outcome."""

    def take_ready_token(self, deployment_id: str, *, now: float) -> str | None:
        """The deployment InProgress again and the ready wait's token removed and answered;
        None when it is not in its ready wait."""


def production_weights(traffic: EcsTraffic, weight: Decimal) -> dict[str, int]:
    """The production listener's weights with ``weight`` (0 to 1) on the replacement: whole
    percents, as Elastic Load Balancing takes them; a target group with none is left out."""
    replacement = int((weight * PERCENT).to_integral_value())
    weights = {
        traffic.original_target_group: PERCENT - replacement,
        traffic.replacement_target_group: replacement,
    }
    return {target_group: share for target_group, share in weights.items() if share > 0}


class EcsRollout(TrafficRollout[EcsDeploymentRecord]):
    def __init__(
        self,
        store: EcsRolloutStore,
        services: EcsServices,
        listeners: ListenerWeights,
        **shared: Unpack[TrafficRolloutServices],
    ) -> None:
        super().__init__(store, **shared)
        self._ecs_store = store
        self._services = services
        self._listeners = listeners

    def _state(self, record: EcsDeploymentRecord, step: int) -> dict[str, Any]:
        return {
            "deploymentId": record.deployment_id,
            "hookTimeoutSeconds": record.hook_timeout_seconds,
            "terminationWaitSeconds": record.termination_wait_seconds,
            # The ready wait's timeout (a task timeout of at least 1 s); 0: no ready wait.
            "readyWaitSeconds": (
                0 if record.ready_wait_seconds is None else max(1, record.ready_wait_seconds)
            ),
            "step": step,
            # How often Install asks whether the replacement task set is steady.
            "steadyPollSeconds": max(1, record.hook_timeout_seconds // STEADY_POLLS_PER_TIMEOUT),
        }

    def _traffic(self, record: EcsDeploymentRecord) -> EcsTraffic:
        if record.traffic is None:
            raise ValueError(f"{record.deployment_id} has no target groups to move traffic on")
        return record.traffic

    # --- steps ------------------------------------------------------------------------------

    def plan(self, deployment_id: str) -> dict[str, Any]:
        """What the state machine needs up front: the hook timeout and the termination wait."""
        record = self._record(deployment_id)
        self._poll_alarms(record)
        return self._state(record, 0)

    def install(self, deployment_id: str) -> dict[str, Any]:
        """Install: the replacement task set, on the replacement target group, at the original's
        scale. A retried step finds the task set it created (the client token)."""
        now = self._clock()
        if not self._store.start_event(deployment_id, LifecycleEvent.INSTALL, token=None, now=now):
            raise self._ended(deployment_id)
        record = self._record(deployment_id)
        traffic = self._traffic(record)
        service = self._services.service(record.cluster, record.service)
        original = (
            next(
                (t for t in service.task_sets if t.arn == record.original_task_set),
                None,
            )
            if service is not None
            else None
        )
        task_set = self._services.create_task_set(
            record,
            target_group=traffic.replacement_target_group,
            scale_percent=original.scale_percent if original is not None else float(PERCENT),
        )
        if not self._ecs_store.record_replacement(deployment_id, task_set, now=self._clock()):
            self._services.delete_task_set(record.cluster, record.service, task_set)
            raise self._ended(deployment_id, " during Install")
        return {"installed": task_set}

    def check_replacement(self, deployment_id: str) -> dict[str, Any]:
        """Install ends when the replacement task set is steady (``TaskSet.steady``); the
        workflow asks again every ``steadyPollSeconds``. A replacement that is not steady within
        the hook timeout (an hour, scaled), or is gone, fails the deployment (ECS_UPDATE_ERROR)."""
        record = self._record(deployment_id)
        if record.outcome is not None:
            raise self._ended(deployment_id, " during Install")
        service = self._services.service(record.cluster, record.service)
        replacement = next(
            (
                t
                for t in (service.task_sets if service is not None else ())
                if t.arn == record.replacement_task_set
            ),
            None,
        )
        if replacement is not None and replacement.steady:
            self._store.answer_event(
                deployment_id,
                LifecycleEvent.INSTALL,
                LifecycleEventStatus.SUCCEEDED,
                message="",
                now=self._clock(),
            )
            return {"steady": True}
        started = record.events[LifecycleEvent.INSTALL].start_time
        waited = self._clock() - started.timestamp() if started is not None else 0.0
        if replacement is None or waited >= record.hook_timeout_seconds:
            self._fail_install(record, replacement)
            raise self._ended(deployment_id, " during Install")
        return {"steady": False}

    def _fail_install(self, record: EcsDeploymentRecord, replacement: TaskSet | None) -> None:
        if replacement is None:
            why = f"The replacement task set {record.replacement_task_set} is gone"
        else:
            why = (
                f"The replacement task set {replacement.task_set_id} did not reach a steady "
                f"state ({replacement.running_count} of {replacement.desired_count} tasks "
                f"running, {replacement.stability_status or 'no stability status'}) within "
                f"{record.hook_timeout_seconds} s"
            )
        self._store.answer_event(
            record.deployment_id,
            LifecycleEvent.INSTALL,
            LifecycleEventStatus.FAILED,
            message=why,
            now=self._clock(),
        )
        outcome = TrafficOutcome(DeploymentStatus.FAILED, INSTALL_ERROR, why)
        self._store.decide(record.deployment_id, outcome, now=self._clock())
        self.carry_out(record.deployment_id)

    def allow_test_traffic(self, deployment_id: str) -> dict[str, Any]:
        """AllowTestTraffic: the test listener (if the group has one) to the replacement."""
        now = self._clock()
        event = LifecycleEvent.ALLOW_TEST_TRAFFIC
        if not self._store.start_event(deployment_id, event, token=None, now=now):
            raise self._ended(deployment_id)
        record = self._record(deployment_id)
        traffic = self._traffic(record)
        if traffic.test_listener is not None:
            self._listeners.forward(
                traffic.test_listener, {traffic.replacement_target_group: PERCENT}
            )
        self._store.answer_event(
            deployment_id, event, LifecycleEventStatus.SUCCEEDED, message="", now=self._clock()
        )
        if self._record(deployment_id).outcome is not None:
            self._put_back(record)
            raise self._ended(deployment_id, " during AllowTestTraffic")
        return {"testListener": traffic.test_listener}

    def wait_until_ready(self, deployment_id: str, token: str) -> dict[str, Any]:
        """The ready wait (deploymentReadyOption STOP_DEPLOYMENT): the replacement serves test
        traffic; the deployment is Ready until ContinueDeployment(READY_WAIT) answers ``token``
        or the wait's timeout (``ready_wait_expired``) stops it."""
        record = self._record(deployment_id)
        self._poll_alarms(record)
        if not self._ecs_store.start_ready_wait(deployment_id, token, now=self._clock()):
            raise self._ended(deployment_id)
        return {"ready": record.ready_wait_seconds}

    def continue_ready(self, deployment_id: str) -> None:
        """ContinueDeployment(READY_WAIT): reroute production traffic now."""
        token = self._ecs_store.take_ready_token(deployment_id, now=self._clock())
        if token is None:
            raise DeploymentIsNotInReadyStateException(
                f"The deployment {deployment_id} is not waiting to reroute production traffic "
                "(it is not in the Ready state)."
            )
        self._tasks.succeed(token, {"continued": "READY_WAIT"})

    def ready_wait_expired(self, deployment_id: str) -> dict[str, Any]:
        """Nobody continued the deployment within its ready wait: it ends Stopped and traffic
        and task sets go back as a stop leaves them."""
        record = self._record(deployment_id)
        ending = ready_wait_expired(record.ready_wait_minutes or 0)
        outcome = TrafficOutcome(ending.status, ending.error_code, ending.message)
        self._store.decide(deployment_id, outcome, now=self._clock())
        return self.carry_out(deployment_id)

    def wait_for_termination(self, deployment_id: str, token: str) -> dict[str, Any]:
        """The replacement becomes PRIMARY; the original waits for the termination wait (the
        wait's timeout) or ContinueDeployment(TERMINATION_WAIT), which answers ``token``."""
        record = self._record(deployment_id)
        if record.replacement_task_set is None:
            raise ValueError(f"{deployment_id} has no replacement task set")
        self._services.make_primary(record.cluster, record.service, record.replacement_task_set)
        if not self._ecs_store.start_waiting(deployment_id, token, now=self._clock()):
            raise self._ended(deployment_id)
        return {"waiting": record.termination_wait_seconds}

    def continue_termination(self, deployment_id: str) -> None:
        """ContinueDeployment(TERMINATION_WAIT): end the wait now."""
        token = self._ecs_store.take_waiting_token(deployment_id)
        if token is None:
            raise DeploymentIsNotInReadyStateException(
                f"The deployment {deployment_id} is not waiting to terminate its original task set."
            )
        self._tasks.succeed(token, {"continued": "TERMINATION_WAIT"})

    # --- the end ------------------------------------------------------------------------------

    def apply(self, record: EcsDeploymentRecord, outcome: TrafficOutcome) -> None:
        if outcome.status.value == "Succeeded":
            if record.replacement_task_set is not None:
                self._services.make_primary(
                    record.cluster, record.service, record.replacement_task_set
                )
            self._services.delete_task_set(record.cluster, record.service, record.original_task_set)
            return
        self._put_back(record)

    def _route(self, record: EcsDeploymentRecord, weight: Decimal) -> None:
        """A traffic step (``shift``) on the production listener."""
        traffic = self._traffic(record)
        self._listeners.forward(traffic.prod_listener, production_weights(traffic, weight))

    def _put_back(self, record: EcsDeploymentRecord) -> None:
        """Traffic back on the original task set at once, and the replacement removed."""
        if record.replacement_task_set is None or record.traffic is None:
            return  # before Install: nothing to undo
        traffic = record.traffic
        self._listeners.forward(traffic.prod_listener, production_weights(traffic, Decimal(0)))
        if traffic.test_listener is not None:
            self._listeners.forward(traffic.test_listener, {traffic.original_target_group: PERCENT})
        self._services.make_primary(record.cluster, record.service, record.original_task_set)
        self._services.delete_task_set(record.cluster, record.service, record.replacement_task_set)
