"""CodeDeploy deployments of ECS deployment groups: creating them, their target, hook verdicts,
StopDeployment, alarm stops and ContinueDeployment(TERMINATION_WAIT).

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

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rollwright.account_region import AccountRegion
from rollwright.alarm_watch import watched_alarms
from rollwright.applications import Application, ComputePlatform
from rollwright.appspec import InvalidAppSpecError
from rollwright.deployment_configs import DeploymentConfig
from rollwright.deployment_group_settings import DeploymentOption, DeploymentStyle, DeploymentType
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_records import DeploymentChoices, StoredDeployment
from rollwright.deployment_requests import (
    CreateDeploymentRequest,
    deployment_does_not_exist,
    valid_deployment_id,
)
from rollwright.deployment_stops import StopAnswer
from rollwright.ecs_appspec import parse_ecs_appspec
from rollwright.ecs_records import (
    ECS_EVENTS,
    EcsDeploymentRecord,
    EcsServices,
    EcsWorkflows,
    ListenerWeights,
    NewEcsDeployment,
    TaskSet,
    TaskSetLabel,
)
from rollwright.ecs_rollout import EcsRollout
from rollwright.ecs_service_checks import resolve_traffic, service_problem, task_definition_problem
from rollwright.errors import (
    DeploymentAlreadyCompletedException,
    DeploymentIsNotInReadyStateException,
    DeploymentTargetDoesNotExistException,
    InvalidRevisionException,
)
from rollwright.lambda_traffic import (
    SECONDS_PER_MINUTE,
    hook_timeout_seconds,
    scaled_seconds,
    traffic_steps,
)
from rollwright.lifecycle_segments import InstanceLifecycleEvent
from rollwright.rollback import ROLLBACK_CREATOR
from rollwright.rollout import InstanceStatus
from rollwright.traffic_deployments import (
    AppSpecObjects,
    answer_hook,
    appspec_text,
    checked_revision,
    lifecycle_events,
    stop_now,
    stop_on_alarm_now,
    traffic_routing,
)

ECS_STYLE = DeploymentStyle(DeploymentType.BLUE_GREEN, DeploymentOption.WITH_TRAFFIC_CONTROL)
TERMINATION_WAIT = "TERMINATION_WAIT"


class EcsDeploymentStore(Protocol):
    def create(self, deployment: NewEcsDeployment) -> tuple[str, bool]:
        """Write the deployment (claiming its group unless it ended at creation): its id and
        whether it is new. DeploymentLimitExceededException when the group is busy."""

    def find(self, deployment_id: str) -> EcsDeploymentRecord | None: ...

    def abandon(self, deployment_id: str, group_id: str, message: str) -> None:
        """Fail a deployment whose workflow could not start, and release its group."""


@dataclass(frozen=True)
class CreatedEcsDeployment:
    deployment_id: str
    new: bool  # False: an identical earlier request's deployment
    ended: bool  # written Failed: no workflow


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


class EcsDeployments:
    def __init__(
        self,
        store: EcsDeploymentStore,
        *,
        services: EcsServices,
        listeners: ListenerWeights,
        appspec_objects: AppSpecObjects,
        workflows: EcsWorkflows,
        rollout: Callable[[], EcsRollout],
        account_region: AccountRegion,
        wait_scale: float = 1.0,
        new_execution_id: Callable[[], str] = lambda: secrets.token_urlsafe(48),
    ) -> None:
        self._store = store
        self._services = services
        self._listeners = listeners
        self._objects = appspec_objects
        self._workflows = workflows
        self._rollout = rollout
        self._account_region = account_region
        self._wait_scale = wait_scale
        self._new_execution_id = new_execution_id

    # --- CreateDeployment ---------------------------------------------------------------------

    def create(
        self,
        request: CreateDeploymentRequest,
        *,
        application: Application,
        group: DeploymentGroup,
        config: DeploymentConfig,
        deployment_id: str,
        key: str,
        now: datetime,
        creator: str,
    ) -> CreatedEcsDeployment:
        """Write the deployment (``start`` starts it)."""
        routing = traffic_routing(config, ComputePlatform.ECS)
        revision = checked_revision(request, group, ComputePlatform.ECS)
        try:
            appspec = parse_ecs_appspec(appspec_text(revision, self._objects))
        except InvalidAppSpecError as bad:
            raise InvalidRevisionException(str(bad)) from None
        settings = group.settings
        (ecs_service,) = settings.ecs_services  # the group's rules: exactly one
        assert settings.load_balancer_info is not None
        (pair,) = settings.load_balancer_info.target_group_pairs
        choices = DeploymentChoices(
            compute_platform=ComputePlatform.ECS,
            revision=revision,
            deployment_style=ECS_STYLE,
            auto_rollback_configuration=(
                request.auto_rollback_configuration or settings.auto_rollback_configuration
            ),
            override_alarm_configuration=request.override_alarm_configuration,
            alarm_configuration=watched_alarms(
                settings.alarm_configuration,
                request.override_alarm_configuration,
                is_rollback=creator == ROLLBACK_CREATOR,
            ),
            previous_revision=group.history.target_revision,
        )
        service = self._services.service(ecs_service.cluster_name, ecs_service.service_name)
        original = service.primary if service is not None else None
        problem = service_problem(ecs_service.identifier, service) or task_definition_problem(
            appspec, self._services.task_definition(appspec.task_definition)
        )
        traffic = None
        if problem is None:
            assert original is not None
            traffic, problem = resolve_traffic(original, pair, self._listeners)
        termination = (
            settings.blue_green_configuration.terminate_blue_instances
            if settings.blue_green_configuration is not None
            else None
        )
        wait_minutes = (termination.termination_wait_minutes if termination else None) or 0
        deployment_id, new = self._store.create(
            NewEcsDeployment(
                deployment_id=deployment_id,
                application_name=application.name,
                application_id=application.application_id,
                deployment_group_name=group.name,
                deployment_group_id=group.deployment_group_id,
                deployment_config_name=config.name,
                choices=choices,
                appspec=appspec,
                cluster=ecs_service.cluster_name,
                service=ecs_service.service_name,
                original_task_set=original.arn if original is not None else "",
                traffic=traffic,
                steps=traffic_steps(routing, wait_scale=self._wait_scale),
                hook_timeout_seconds=hook_timeout_seconds(self._wait_scale),
                termination_wait_seconds=scaled_seconds(
                    wait_minutes * SECONDS_PER_MINUTE, self._wait_scale
                ),
                wait_scale=self._wait_scale,
                execution_ids={hook: self._new_execution_id() for hook in appspec.hooks},
                create_time=now.timestamp(),
                request_key=key,
                creator=creator,
                description=request.description,
                ended=problem,
            )
        )
        return CreatedEcsDeployment(deployment_id, new, problem is not None)

    def start(self, deployment_id: str, group_id: str) -> None:
        try:
            self._workflows.start_ecs(deployment_id)
        except Exception:
            self._store.abandon(
                deployment_id, group_id, "The deployment's workflow could not start."
            )
            raise

    # --- the target ---------------------------------------------------------------------------

    def record(self, deployment_id: str) -> EcsDeploymentRecord:
        found = self._store.find(valid_deployment_id(deployment_id))
        if found is None:
            raise deployment_does_not_exist(deployment_id)
        return found

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
        """ContinueDeployment: ECS deployments here wait only to terminate the original task set
        (traffic is rerouted without a ready wait)."""
        record = self.record(deployment_id)
        if record.status.is_terminal:
            raise DeploymentAlreadyCompletedException(
                f"The deployment {deployment_id} has already completed ({record.status.value})."
            )
        if wait_type != TERMINATION_WAIT:
            raise DeploymentIsNotInReadyStateException(
                f"The deployment {deployment_id} does not wait to reroute traffic ({wait_type}); "
                f"it can only be continued with {TERMINATION_WAIT} while it waits to terminate "
                "its original task set."
            )
        self._rollout().continue_termination(deployment_id)


def ecs_events(record: EcsDeploymentRecord) -> list[InstanceLifecycleEvent]:
    return lifecycle_events(record, ECS_EVENTS)


def _target_group_name(task_set: TaskSet) -> str | None:
    """``arn:…:targetgroup/<name>/<id>`` → name."""
    if not task_set.target_groups:
        return None
    parts = task_set.target_groups[0].split(":")[-1].split("/")
    return parts[1] if len(parts) > 1 else parts[0]
