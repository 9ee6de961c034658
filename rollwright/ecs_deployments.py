"""CodeDeploy deployments of ECS deployment groups: creating them, their target, hook verdicts,
StopDeployment, alarm stops and ContinueDeployment (READY_WAIT, TERMINATION_WAIT).

CreateDeployment (``Deployments.create`` delegates here for ECS groups) reads the AppSpec like
Lambda's (``traffic_deployments``), checks it, resolves the group's service, target group pair and
listeners, computes the traffic steps and writes the deployment with its group's claim in one
transaction (``EcsDeploymentStore``). A malformed AppSpec is bad input
(``InvalidRevisionException``, nothing written). What can only be found in ECS and Elastic Load
Balancing (a service that is not CodeDeploy's or has no PRIMARY task set, a container the task
definition lacks, a target group or listener that does not exist) fails the deployment when it
begins, as CodeDeploy does: it is written Failed (``INVALID_ECS_SERVICE``, ``INVALID_REVISION``,
``ELASTIC_LOAD_BALANCING_INVALID``) and starts no workflow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Unpack

from rollwright.applications import ComputePlatform
from rollwright.deployment_group_settings import BlueGreenConfiguration, DeploymentReadyAction
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_records import StoredDeployment
from rollwright.deployment_requests import valid_deployment_id
from rollwright.deployment_stops import StopAnswer
from rollwright.ecs_appspec import EcsAppSpec, EcsHook, parse_ecs_appspec
from rollwright.ecs_records import (
    ECS_EVENTS,
    EcsDeploymentRecord,
    EcsServices,
    EcsWorkflows,
    ListenerWeights,
    NewEcsDeployment,
    NewEcsTarget,
    TaskSet,
    TaskSetLabel,
)
from rollwright.ecs_rollout import EcsRollout
from rollwright.ecs_service_checks import resolve_traffic, service_problem, task_definition_problem
from rollwright.errors import (
    DeploymentAlreadyCompletedException,
    DeploymentIsNotInReadyStateException,
    DeploymentTargetDoesNotExistException,
)
from rollwright.lambda_traffic import SECONDS_PER_MINUTE, scaled_seconds
from rollwright.lifecycle_segments import InstanceLifecycleEvent
from rollwright.rollout import InstanceStatus
from rollwright.traffic_deployments import (
    TrafficDeploymentOptions,
    TrafficDeployments,
    answer_hook,
    lifecycle_events,
    stop_now,
    stop_on_alarm_now,
)
from rollwright.traffic_records import TrafficDeploymentStore, TrafficOutcome

READY_WAIT = "READY_WAIT"
TERMINATION_WAIT = "TERMINATION_WAIT"

EcsDeploymentStore = TrafficDeploymentStore[NewEcsDeployment, EcsDeploymentRecord]


@dataclass(frozen=True)
class TaskSetInfo:
    """One task set of the target as ``ECSTaskSet`` shows it."""

    task_set: TaskSet
    label: TaskSetLabel
    traffic_weight: float
    target_group_name: str | None


@dataclass(frozen=True)
class EcsTarget:
    """The one target of an ECS deployment: the service, with its task sets."""

    record: EcsDeploymentRecord
    target_arn: str
    task_sets: tuple[TaskSetInfo, ...]

    @property
    def target_id(self) -> str:
        return self.record.target_id


class EcsDeployments(TrafficDeployments[EcsAppSpec, EcsHook, NewEcsTarget, EcsDeploymentRecord]):
    PLATFORM = ComputePlatform.ECS

    def __init__(
        self,
        store: EcsDeploymentStore,
        *,
        services: EcsServices,
        listeners: ListenerWeights,
        workflows: EcsWorkflows,
        rollout: Callable[[], EcsRollout],
        **options: Unpack[TrafficDeploymentOptions],
    ) -> None:
        super().__init__(store, **options)
        self._services = services
        self._listeners = listeners
        self._workflows = workflows
        self._rollout = rollout

    # --- CreateDeployment (``TrafficDeployments.create``) ---------------------------------------

    def _parse_appspec(self, text: str | bytes) -> EcsAppSpec:
        return parse_ecs_appspec(text)

    def _target(
        self, appspec: EcsAppSpec, group: DeploymentGroup
    ) -> tuple[NewEcsTarget, TrafficOutcome | None]:
        """The group's service and its PRIMARY task set, the target groups and listeners."""
        settings = group.settings
        (ecs_service,) = settings.ecs_services  # the group's rules: exactly one
        assert settings.load_balancer_info is not None
        (pair,) = settings.load_balancer_info.target_group_pairs
        service = self._services.service(ecs_service.cluster_name, ecs_service.service_name)
        original = service.primary if service is not None else None
        problem = service_problem(ecs_service.identifier, service) or task_definition_problem(
            appspec, self._services.task_definition(appspec.task_definition)
        )
        traffic = None
        if problem is None:
            assert original is not None
            traffic, problem = resolve_traffic(original, pair, self._listeners)
        blue_green = settings.blue_green_configuration
        termination = blue_green.terminate_blue_instances if blue_green is not None else None
        wait_minutes = (termination.termination_wait_minutes if termination else None) or 0
        ready_minutes = _ready_wait_minutes(blue_green)
        target = NewEcsTarget(
            cluster=ecs_service.cluster_name,
            service=ecs_service.service_name,
            original_task_set=original.arn if original is not None else "",
            traffic=traffic,
            termination_wait_seconds=scaled_seconds(
                wait_minutes * SECONDS_PER_MINUTE, self._wait_scale
            ),
            ready_wait_minutes=ready_minutes,
            ready_wait_seconds=(
                None
                if ready_minutes is None
                else scaled_seconds(ready_minutes * SECONDS_PER_MINUTE, self._wait_scale)
            ),
            blue_green_configuration=blue_green,
            load_balancer_info=settings.load_balancer_info,
        )
        return target, problem

    def _start_workflow(self, deployment_id: str) -> None:
        self._workflows.start_ecs(deployment_id)

    # --- the target ---------------------------------------------------------------------------

    def target(self, record: EcsDeploymentRecord) -> EcsTarget:
        region = self._account_region
        arn = (
            f"arn:{region.partition}:ecs:{region.region}:{region.account_id}:service/"
            f"{record.cluster}/{record.service}"
        )
        service = self._services.service(record.cluster, record.service)
        infos: list[TaskSetInfo] = []
        weight = float(record.target_weight) * 100
        for task_set in service.task_sets if service is not None else ():
            if task_set.arn == record.original_task_set:
                label, share = TaskSetLabel.BLUE, 100.0 - weight
            elif task_set.arn == record.replacement_task_set:
                label, share = TaskSetLabel.GREEN, weight
            else:
                continue
            infos.append(TaskSetInfo(task_set, label, share, _target_group_name(task_set)))
        return EcsTarget(record, arn, tuple(infos))

    def targets(
        self, deployment: StoredDeployment, statuses: frozenset[InstanceStatus]
    ) -> list[EcsTarget]:
        record = self.record(deployment.deployment_id)
        if statuses and record.target_status not in statuses:
            return []
        return [self.target(record)]

    def named_targets(self, deployment: StoredDeployment, target_ids: list[str]) -> list[EcsTarget]:
        record = self.record(deployment.deployment_id)
        for target_id in target_ids:
            if target_id != record.target_id:
                raise DeploymentTargetDoesNotExistException(
                    f"{target_id} is not a target of deployment {deployment.deployment_id}."
                )
        target = self.target(record)
        return [target for _ in dict.fromkeys(target_ids)]

    # --- hooks, stops and waits ------------------------------------------------------------------

    def put_hook_status(self, deployment_id: str, execution_id: str, status: str) -> str | None:
        """PutLifecycleEventHookExecutionStatus; None when the deployment is not an ECS one."""
        record = self._store.find(valid_deployment_id(deployment_id))
        if record is None:
            return None
        return answer_hook(record, execution_id, status, self._rollout())

    def stop(self, deployment_id: str, *, auto_rollback_enabled: bool) -> StopAnswer:
        """StopDeployment: traffic back on the original task set at once, the replacement
        removed."""
        return stop_now(
            self._rollout(),
            deployment_id,
            stop_workflow=self._workflows.stop_ecs,
            status_of=lambda stopped: self.record(stopped).status,
            original="task set",
        )

    def stop_on_alarm(self, deployment_id: str, alarm: str) -> bool:
        return stop_on_alarm_now(
            self._rollout(), deployment_id, alarm, stop_workflow=self._workflows.stop_ecs
        )

    def continue_deployment(self, deployment_id: str, wait_type: str) -> None:
        """ContinueDeployment: READY_WAIT reroutes production traffic now (a deployment in its
        ready wait, status Ready); TERMINATION_WAIT deletes the original task set now (a
        deployment in its termination wait). Any other time: DeploymentIsNotInReadyState."""
        record = self.record(deployment_id)
        if record.status.is_terminal:
            raise DeploymentAlreadyCompletedException(
                f"The deployment {deployment_id} has already completed ({record.status.value})."
            )
        if wait_type == READY_WAIT:
            self._rollout().continue_ready(deployment_id)
        elif wait_type == TERMINATION_WAIT:
            self._rollout().continue_termination(deployment_id)
        else:
            raise DeploymentIsNotInReadyStateException(
                f"The deployment {deployment_id} does not wait for {wait_type}."
            )


def ecs_events(record: EcsDeploymentRecord) -> list[InstanceLifecycleEvent]:
    return lifecycle_events(record, ECS_EVENTS)


def _ready_wait_minutes(blue_green: BlueGreenConfiguration | None) -> int | None:
    """The ready wait's minutes under deploymentReadyOption STOP_DEPLOYMENT; None when
    production traffic is rerouted at once (CONTINUE_DEPLOYMENT, the default)."""
    ready = blue_green.deployment_ready if blue_green is not None else None
    if ready is None or ready.action_on_timeout is not DeploymentReadyAction.STOP_DEPLOYMENT:
        return None
    return ready.wait_time_minutes or 0


def _target_group_name(task_set: TaskSet) -> str | None:
    """``arn:…:targetgroup/<name>/<id>`` → name."""
    if not task_set.target_groups:
        return None
    parts = task_set.target_groups[0].split(":")[-1].split("/")
    return parts[1] if len(parts) > 1 else parts[0]
