"""ECS deployments without AWS: a service with task sets, listeners with weights, and the ECS
deployment record in memory (the ``EcsRolloutStore`` and ``EcsDeploymentStore`` contracts)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rollwright.deployment_status import DeploymentStatus
from rollwright.ecs_appspec import EcsHook
from rollwright.ecs_records import (
    ECS_EVENTS,
    ContainerDefinition,
    EcsDeploymentRecord,
    EcsServiceState,
    NewEcsDeployment,
    TaskDefinition,
    TaskSet,
)
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.rollout import InstanceStatus
from rollwright.traffic_records import HookEventRecord, TrafficOutcome
from rollwright.traffic_rollout import HookReturn

CLUSTER, SERVICE = "web-cluster", "web-service"
BLUE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1"
GREEN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/2"
PROD = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/80"
TEST = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/8080"
ORIGINAL = "arn:aws:ecs:us-east-1:123456789012:task-set/web-cluster/web-service/ecs-svc/1"
TASK_DEFINITION = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"


class FakeEcs:
    """One CODE_DEPLOY service whose PRIMARY task set is on the blue target group."""

    def __init__(self, *, controller: str = "CODE_DEPLOY") -> None:
        self.controller = controller
        self.task_sets: dict[str, TaskSet] = {
            ORIGINAL: TaskSet(ORIGINAL, "ecs-svc/1", "PRIMARY", "web:1", (BLUE,), 50.0)
        }
        self.definitions = {
            TASK_DEFINITION: TaskDefinition(TASK_DEFINITION, (ContainerDefinition("web", (80,)),))
        }
        self.created: list[dict[str, Any]] = []
        self.fail_create = False
        # What a new task set reports: STEADY_STATE (its tasks running) or STABILIZING.
        self.replacement_stability = "STEADY_STATE"

    def service(self, cluster: str, service: str) -> EcsServiceState | None:
        if (cluster, service) != (CLUSTER, SERVICE):
            return None
        return EcsServiceState(
            cluster,
            service,
            f"arn:service/{cluster}/{service}",
            "ACTIVE",
            self.controller,
            "EC2",
            tuple(self.task_sets.values()),
        )

    def task_definition(self, task_definition: str) -> TaskDefinition | None:
        return self.definitions.get(task_definition)

    def create_task_set(
        self, record: EcsDeploymentRecord, *, target_group: str, scale_percent: float
    ) -> str:
        if self.fail_create:
            raise RuntimeError("CreateTaskSet failed")
        arn = f"{ORIGINAL[:-1]}{len(self.task_sets) + 1}"
        self.created.append({"target_group": target_group, "scale": scale_percent})
        self.task_sets[arn] = TaskSet(
            arn,
            arn.split("/", 3)[-1],
            "ACTIVE",
            record.appspec.task_definition,
            (target_group,),
            scale_percent,
            desired_count=2,
            running_count=2 if self.replacement_stability == "STEADY_STATE" else 0,
            stability_status=self.replacement_stability,
        )
        return arn

    def delete_task_set(self, cluster: str, service: str, task_set: str) -> None:
        self.task_sets.pop(task_set, None)

    def make_primary(self, cluster: str, service: str, task_set: str) -> None:
        for arn, found in list(self.task_sets.items()):
            status = "PRIMARY" if arn == task_set else "ACTIVE"
            self.task_sets[arn] = dataclasses.replace(found, status=status)

    def primary(self) -> str:
        return next(arn for arn, t in self.task_sets.items() if t.status == "PRIMARY")


class FakeListeners:
    def __init__(self) -> None:
        self.listeners: dict[str, dict[str, int]] = {PROD: {BLUE: 1}, TEST: {BLUE: 1}}
        self.groups = {"web-blue": BLUE, "web-green": GREEN}

    def target_group_arns(self, names: tuple[str, ...]) -> dict[str, str]:
        return {name: self.groups[name] for name in names if name in self.groups}

    def listener_exists(self, listener_arn: str) -> bool:
        return listener_arn in self.listeners

    def forward(self, listener_arn: str, weights: Mapping[str, int]) -> None:
        self.listeners[listener_arn] = dict(weights)

    def weights(self, listener_arn: str) -> dict[str, int]:
        return dict(self.listeners[listener_arn])


class RecordingHooks:
    def __init__(self) -> None:
        self.started: list[LifecycleEvent] = []

    def start_runner(self, deployment_id: str, event: LifecycleEvent) -> None:
        self.started.append(event)

    def invoke_hook(self, function_name: str, payload: Mapping[str, Any]) -> HookReturn:
        return HookReturn(None, {"status": "Succeeded"})


class NoBookkeeping:
    def record_deployment(self, *args: Any, **kwargs: Any) -> None: ...

    def record_use(self, *args: Any, **kwargs: Any) -> None: ...


class InMemoryEcsDeployments:
    """The ECS record in memory, with the store's conditions (no write once there is an
    outcome; the outcome decided once)."""

    def __init__(self) -> None:
        self.records: dict[str, EcsDeploymentRecord] = {}
        self.created: list[NewEcsDeployment] = []

    def create(self, deployment: NewEcsDeployment) -> tuple[str, bool]:
        self.created.append(deployment)
        now = datetime.fromtimestamp(deployment.create_time, UTC)
        events = {
            name: HookEventRecord(
                name,
                hook_function=deployment.appspec.hooks.get(hook) if (hook := _hook(name)) else None,
                execution_id=deployment.execution_ids.get(hook) if hook else None,
            )
            for name in ECS_EVENTS
        }
        ended = deployment.ended
        self.records[deployment.deployment_id] = EcsDeploymentRecord(
            deployment_id=deployment.deployment_id,
            application_name=deployment.application_name,
            deployment_group_name=deployment.deployment_group_name,
            deployment_group_id=deployment.deployment_group_id,
            status=DeploymentStatus.FAILED if ended else DeploymentStatus.IN_PROGRESS,
            appspec=deployment.appspec,
            cluster=deployment.target.cluster,
            service=deployment.target.service,
            original_task_set=deployment.target.original_task_set,
            traffic=deployment.target.traffic,
            replacement_task_set=None,
            target_weight=Decimal(0),
            target_status=InstanceStatus.PENDING,
            steps=deployment.steps,
            hook_timeout_seconds=deployment.hook_timeout_seconds,
            termination_wait_seconds=deployment.target.termination_wait_seconds,
            ready_wait_minutes=deployment.target.ready_wait_minutes,
            ready_wait_seconds=deployment.target.ready_wait_seconds,
            blue_green_configuration=deployment.target.blue_green_configuration,
            load_balancer_info=deployment.target.load_balancer_info,
            events=events,
            create_time=now,
            last_updated=now,
            outcome=ended,
            revision=deployment.choices.revision,
        )
        return deployment.deployment_id, True

    def abandon(self, deployment_id: str, group_id: str, message: str) -> None: ...

    def find(self, deployment_id: str) -> EcsDeploymentRecord | None:
        return self.records.get(deployment_id)

    def _change(self, deployment_id: str, **changes: Any) -> bool:
        record = self.records[deployment_id]
        if record.outcome is not None:
            return False
        self.records[deployment_id] = dataclasses.replace(record, **changes)
        return True

    def _event(
        self, deployment_id: str, event: LifecycleEvent, **changes: Any
    ) -> dict[LifecycleEvent, HookEventRecord]:
        events = dict(self.records[deployment_id].events)
        events[event] = dataclasses.replace(events[event], **changes)
        return events

    def start_event(
        self, deployment_id: str, event: LifecycleEvent, *, token: str | None, now: float
    ) -> bool:
        record = self.records[deployment_id]
        status = record.events[event].status
        if status is LifecycleEventStatus.PENDING:
            status = LifecycleEventStatus.IN_PROGRESS
        return self._change(
            deployment_id,
            events=self._event(
                deployment_id,
                event,
                status=status,
                task_token=token or record.events[event].task_token,
                start_time=record.events[event].start_time or datetime.fromtimestamp(now, UTC),
            ),
            target_status=InstanceStatus.IN_PROGRESS,
        )

    def mark_invoked(self, deployment_id: str, event: LifecycleEvent) -> bool:
        return True

    def answer_event(
        self,
        deployment_id: str,
        event: LifecycleEvent,
        status: LifecycleEventStatus,
        *,
        message: str,
        now: float,
    ) -> bool:
        record = self.records[deployment_id]
        if record.events[event].status not in (
            LifecycleEventStatus.IN_PROGRESS,
            LifecycleEventStatus.PENDING,
        ):
            return False
        self.records[deployment_id] = dataclasses.replace(
            record, events=self._event(deployment_id, event, status=status, message=message)
        )
        return True

    def decide(self, deployment_id: str, outcome: TrafficOutcome, *, now: float) -> bool:
        record = self.records[deployment_id]
        if record.outcome is not None or record.status.is_terminal:
            return False
        self.records[deployment_id] = dataclasses.replace(record, outcome=outcome)
        return True

    def close(self, deployment_id: str, outcome: TrafficOutcome, *, now: float) -> bool:
        record = self.records[deployment_id]
        if record.status.is_terminal:
            return False
        succeeded = outcome.status is DeploymentStatus.SUCCEEDED
        self.records[deployment_id] = dataclasses.replace(
            record,
            status=outcome.status,
            target_status=InstanceStatus.SUCCEEDED if succeeded else InstanceStatus.FAILED,
            target_weight=record.target_weight if succeeded else Decimal(0),
        )
        return True

    def record_replacement(self, deployment_id: str, task_set: str, *, now: float) -> bool:
        return self._change(deployment_id, replacement_task_set=task_set)

    def record_weight(self, deployment_id: str, weight: Decimal, *, last: bool, now: float) -> bool:
        status = LifecycleEventStatus.SUCCEEDED if last else LifecycleEventStatus.IN_PROGRESS
        return self._change(
            deployment_id,
            target_weight=weight,
            events=self._event(deployment_id, LifecycleEvent.ALLOW_TRAFFIC, status=status),
        )

    def start_waiting(self, deployment_id: str, token: str, *, now: float) -> bool:
        return self._change(deployment_id, promoted=True, waiting_token=token)

    def start_ready_wait(self, deployment_id: str, token: str, *, now: float) -> bool:
        if self.records[deployment_id].status is not DeploymentStatus.IN_PROGRESS:
            return False
        return self._change(deployment_id, status=DeploymentStatus.READY, ready_token=token)

    def take_ready_token(self, deployment_id: str, *, now: float) -> str | None:
        record = self.records[deployment_id]
        token = record.ready_token
        if token is None or record.outcome is not None:
            return None
        self.records[deployment_id] = dataclasses.replace(
            record, ready_token=None, status=DeploymentStatus.IN_PROGRESS
        )
        return token

    def take_waiting_token(self, deployment_id: str) -> str | None:
        record = self.records[deployment_id]
        token = record.waiting_token
        if token is None or record.outcome is not None:
            return None
        self.records[deployment_id] = dataclasses.replace(record, waiting_token=None)
        return token


def _hook(event: LifecycleEvent) -> EcsHook | None:
    try:
        return EcsHook(event.value)
    except ValueError:
        return None
