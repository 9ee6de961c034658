"""An ECS deployment as stored and read back, and the ports its services need.

An ECS deployment has one target, the service (``<cluster>:<service>``): its original task set
(PRIMARY when the deployment starts, on one target group of the group's pair) and the replacement
task set the deployment creates on the other target group. Everything about it lives on the
deployment item: the AppSpec's task set settings, the target groups and listeners, the traffic
steps, the replacement's current weight and the eight lifecycle events with their hook functions.
The layout is in ``functions/adapters/ecs_deployment_records.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from rollwright.deployment_group_settings import AlarmConfiguration
from rollwright.deployment_records import DeploymentChoices
from rollwright.deployment_status import DeploymentStatus
from rollwright.ecs_appspec import EcsAppSpec, EcsHook
from rollwright.lambda_traffic import TrafficStep
from rollwright.lifecycle import LifecycleEvent
from rollwright.revision_locations import RevisionLocation
from rollwright.rollout import InstanceStatus
from rollwright.traffic_records import HookEventRecord, TrafficOutcome

ECS_EVENTS = (
    LifecycleEvent.BEFORE_INSTALL,
    LifecycleEvent.INSTALL,
    LifecycleEvent.AFTER_INSTALL,
    LifecycleEvent.ALLOW_TEST_TRAFFIC,
    LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC,
    LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
    LifecycleEvent.ALLOW_TRAFFIC,
    LifecycleEvent.AFTER_ALLOW_TRAFFIC,
)


class TaskSetLabel(StrEnum):
    """``TargetLabel``: the original task set is Blue, the replacement Green."""

    BLUE = "Blue"
    GREEN = "Green"


@dataclass(frozen=True)
class EcsTraffic:
    """Where the deployment moves traffic: the pair's target groups and listeners, resolved."""

    original_target_group: str  # ARN: the target group of the PRIMARY task set
    replacement_target_group: str  # ARN: the pair's other target group
    prod_listener: str
    test_listener: str | None = None


@dataclass(frozen=True)
class NewEcsDeployment:
    """Everything CreateDeployment writes for an ECS deployment, in one transaction."""

    deployment_id: str
    application_name: str
    application_id: str
    deployment_group_name: str
    deployment_group_id: str
    deployment_config_name: str
    choices: DeploymentChoices
    appspec: EcsAppSpec
    cluster: str
    service: str
    original_task_set: str  # ARN
    traffic: EcsTraffic | None
    steps: tuple[TrafficStep, ...]
    hook_timeout_seconds: int
    termination_wait_seconds: int
    wait_scale: float
    execution_ids: Mapping[EcsHook, str]
    create_time: float
    request_key: str
    creator: str = "user"
    description: str = ""
    # Set when the deployment can never begin (the service or the task definition is not as the
    # AppSpec and the group say): written already Failed, with no group claim and no workflow.
    ended: TrafficOutcome | None = None


@dataclass(frozen=True)
class EcsDeploymentRecord:
    deployment_id: str
    application_name: str
    deployment_group_name: str
    deployment_group_id: str
    status: DeploymentStatus
    appspec: EcsAppSpec
    cluster: str
    service: str
    original_task_set: str
    traffic: EcsTraffic | None
    replacement_task_set: str | None
    target_weight: Decimal
    target_status: InstanceStatus
    steps: tuple[TrafficStep, ...]
    hook_timeout_seconds: int
    termination_wait_seconds: int
    events: Mapping[LifecycleEvent, HookEventRecord]
    create_time: datetime
    last_updated: datetime
    promoted: bool = False  # the replacement is the service's PRIMARY task set
    waiting_token: str | None = None  # the termination wait's task token, while it waits
    outcome: TrafficOutcome | None = None
    complete_time: datetime | None = None
    revision: RevisionLocation | None = None
    alarms: AlarmConfiguration | None = None

    @property
    def target_id(self) -> str:
        return f"{self.cluster}:{self.service}"

    def event_with_execution(self, execution_id: str) -> HookEventRecord | None:
        return next((e for e in self.events.values() if e.execution_id == execution_id), None)


# --- what ECS and Elastic Load Balancing tell ----------------------------------------------------


@dataclass(frozen=True)
class TaskSet:
    """A task set as DescribeTaskSets answers it."""

    arn: str
    task_set_id: str
    status: str  # PRIMARY | ACTIVE | DRAINING
    task_definition: str
    target_groups: tuple[str, ...] = ()
    scale_percent: float = 100.0
    desired_count: int = 0
    pending_count: int = 0
    running_count: int = 0


@dataclass(frozen=True)
class EcsServiceState:
    """A service as DescribeServices answers it."""

    cluster: str
    name: str
    arn: str
    status: str  # ACTIVE | DRAINING | INACTIVE
    deployment_controller: str  # ECS | CODE_DEPLOY | EXTERNAL
    launch_type: str | None
    task_sets: tuple[TaskSet, ...] = ()

    @property
    def primary(self) -> TaskSet | None:
        return next((t for t in self.task_sets if t.status == "PRIMARY"), None)


@dataclass(frozen=True)
class ContainerDefinition:
    name: str
    container_ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class TaskDefinition:
    arn: str
    containers: tuple[ContainerDefinition, ...] = field(default_factory=tuple)


class EcsServices(Protocol):
    """What Rollwright needs from ECS (``functions/adapters/ecs_task_sets.py``)."""

    def service(self, cluster: str, service: str) -> EcsServiceState | None:
        """The service with its task sets; None when the cluster or service does not exist."""

    def task_definition(self, task_definition: str) -> TaskDefinition | None: ...

    def create_task_set(
        self, record: EcsDeploymentRecord, *, target_group: str, scale_percent: float
    ) -> str:
        """The replacement task set from the AppSpec, on ``target_group``; its ARN.
        Idempotent per deployment (the deployment id is the client token)."""

    def delete_task_set(self, cluster: str, service: str, task_set: str) -> None:
        """Delete the task set (forced); no error when it is gone already."""

    def make_primary(self, cluster: str, service: str, task_set: str) -> None: ...


class ListenerWeights(Protocol):
    """What Rollwright needs from Elastic Load Balancing v2 (``listener_weights.py``)."""

    def target_group_arns(self, names: tuple[str, ...]) -> dict[str, str]:
        """The ARNs of the named target groups (those that exist), by name."""

    def listener_exists(self, listener_arn: str) -> bool: ...

    def forward(self, listener_arn: str, weights: Mapping[str, int]) -> None:
        """The listener's default action forwards to the target groups with these weights."""

    def weights(self, listener_arn: str) -> dict[str, int]:
        """The target groups the listener's default action forwards to, with their weights."""


class EcsWorkflows(Protocol):
    def start_ecs(self, deployment_id: str) -> None:
        """Start the ECS state machine for the deployment (idempotent per deployment)."""

    def stop_ecs(self, deployment_id: str) -> None:
        """Stop the deployment's execution (it may be in a Wait state); no error if it ended."""
