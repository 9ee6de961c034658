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
from enum import StrEnum
from typing import Protocol

from rollwright.deployment_group_settings import BlueGreenConfiguration, LoadBalancerInfo
from rollwright.ecs_appspec import EcsAppSpec, EcsHook
from rollwright.lifecycle import LifecycleEvent
from rollwright.traffic_records import NewTrafficDeployment, TrafficDeploymentRecord

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
class NewEcsTarget:
    """What CreateDeployment found of an ECS deployment's target: the service, its PRIMARY task
    set and where traffic moves (None when the deployment can never begin), and how long the
    original task set stays after traffic has moved."""

    cluster: str
    service: str
    original_task_set: str  # ARN ("" when the service has none)
    traffic: EcsTraffic | None
    termination_wait_seconds: int
    # deploymentReadyOption STOP_DEPLOYMENT: how long the deployment waits (status Ready) for
    # ContinueDeployment(READY_WAIT) before it reroutes production traffic; None: it reroutes at
    # once (CONTINUE_DEPLOYMENT, the default). The minutes as the group says, the seconds scaled.
    ready_wait_minutes: int | None = None
    ready_wait_seconds: int | None = None
    # The group's blue/green configuration and load balancer info as they were at creation
    # (GetDeployment answers them).
    blue_green_configuration: BlueGreenConfiguration | None = None
    load_balancer_info: LoadBalancerInfo | None = None


NewEcsDeployment = NewTrafficDeployment[EcsAppSpec, EcsHook, NewEcsTarget]


@dataclass(frozen=True, kw_only=True)
class EcsDeploymentRecord(TrafficDeploymentRecord):
    """An ECS deployment as read back: the shared fields, and the service's task sets."""

    appspec: EcsAppSpec
    cluster: str
    service: str
    original_task_set: str
    traffic: EcsTraffic | None
    replacement_task_set: str | None
    termination_wait_seconds: int
    promoted: bool = False  # the replacement is the service's PRIMARY task set
    waiting_token: str | None = None  # the termination wait's task token, while it waits
    ready_wait_minutes: int | None = None  # None: production traffic is rerouted at once
    ready_wait_seconds: int | None = None  # the same wait, scaled (WAIT_SCALE)
    ready_token: str | None = None  # the ready wait's task token, while it waits (status Ready)
    blue_green_configuration: BlueGreenConfiguration | None = None  # the group's, at creation
    load_balancer_info: LoadBalancerInfo | None = None  # the group's, at creation

    @property
    def target_id(self) -> str:
        return f"{self.cluster}:{self.service}"


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
    desired_count: int = 0  # computedDesiredCount
    pending_count: int = 0
    running_count: int = 0
    stability_status: str | None = None  # STEADY_STATE | STABILIZING

    @property
    def steady(self) -> bool:
        """ECS's own verdict when it gives one (STEADY_STATE: the running count has reached the
        computed desired count and the tasks are healthy); else the counts."""
        if self.stability_status is not None:
            return self.stability_status == "STEADY_STATE"
        return self.running_count >= self.desired_count


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
