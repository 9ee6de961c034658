"""What Lambda and ECS deployments (the blue/green traffic deployments) store alike: what
CreateDeployment writes, the deployment as read back, its lifecycle events with the hook functions,
and how it ended.

Each platform keeps its target (an alias, or a service's task sets) on the deployment item next to
its lifecycle events (``lambda_records``, ``ecs_records``: the platform's record adds its target's
fields to ``TrafficDeploymentRecord``, what it writes is a ``NewTrafficDeployment`` with the
platform's AppSpec and target); the hooks, the end and the store's event methods are shared
(``traffic_rollout``, ``functions/adapters/traffic_deployment_items.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from rollwright.deployment_group_settings import AlarmConfiguration
from rollwright.deployment_records import DeploymentChoices
from rollwright.deployment_status import DeploymentStatus
from rollwright.lambda_traffic import TrafficStep
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.revision_locations import RevisionLocation
from rollwright.rollout import InstanceStatus

AppSpecT = TypeVar("AppSpecT")
HookT = TypeVar("HookT")
TargetT = TypeVar("TargetT")
NewT_contra = TypeVar("NewT_contra", contravariant=True)
RecordT_co = TypeVar("RecordT_co", covariant=True)


@dataclass(frozen=True)
class HookEventRecord:
    """One lifecycle event of a traffic deployment's target; hook events carry their hook
    execution (the function, its execution id and the workflow's task token while it runs)."""

    event: LifecycleEvent
    status: LifecycleEventStatus = LifecycleEventStatus.PENDING
    start_time: datetime | None = None
    end_time: datetime | None = None
    hook_function: str | None = None
    execution_id: str | None = None
    task_token: str | None = None
    message: str = ""


@dataclass(frozen=True)
class TrafficOutcome:
    """How the deployment ended (decided once: the first writer wins)."""

    status: DeploymentStatus
    error_code: str | None
    message: str


@dataclass(frozen=True)
class NewTrafficDeployment(Generic[AppSpecT, HookT, TargetT]):
    """Everything CreateDeployment writes for a traffic deployment, in one transaction: the
    platform's AppSpec, the hooks' execution ids and what the platform knows of its target
    (``target``: nothing more for Lambda, the service and its traffic for ECS)."""

    deployment_id: str
    application_name: str
    application_id: str
    deployment_group_name: str
    deployment_group_id: str
    deployment_config_name: str
    choices: DeploymentChoices
    appspec: AppSpecT
    target: TargetT
    steps: tuple[TrafficStep, ...]
    hook_timeout_seconds: int
    wait_scale: float
    execution_ids: Mapping[HookT, str]
    create_time: float
    request_key: str
    creator: str = "user"
    description: str = ""
    # Set when the deployment can never begin (its target is not as the AppSpec and the group
    # say): written already Failed, with no group claim and no workflow.
    ended: TrafficOutcome | None = None


@dataclass(frozen=True)
class TrafficDeploymentRecord:
    """A traffic deployment as read back: what Lambda's and ECS's records share (each adds its
    target's fields, keyword-only)."""

    deployment_id: str
    application_name: str
    deployment_group_name: str
    deployment_group_id: str
    status: DeploymentStatus
    target_weight: Decimal  # the replacement's share of the traffic, 0 to 1
    target_status: InstanceStatus
    steps: tuple[TrafficStep, ...]
    hook_timeout_seconds: int
    events: Mapping[LifecycleEvent, HookEventRecord]
    create_time: datetime
    last_updated: datetime
    outcome: TrafficOutcome | None = None
    complete_time: datetime | None = None
    revision: RevisionLocation | None = None
    alarms: AlarmConfiguration | None = None  # the alarms it watches (``alarm_watch``)

    def event_with_execution(self, execution_id: str) -> HookEventRecord | None:
        return next((e for e in self.events.values() if e.execution_id == execution_id), None)


class TrafficDeploymentStore(Protocol[NewT_contra, RecordT_co]):
    def create(self, deployment: NewT_contra) -> tuple[str, bool]:
        """Write the deployment (claiming its group unless it ended at creation): its id and
        whether it is new (False: an identical request's deployment within the idempotency
        window). DeploymentLimitExceededException when the group has an active deployment."""

    def find(self, deployment_id: str) -> RecordT_co | None: ...

    def abandon(self, deployment_id: str, group_id: str, message: str) -> None:
        """Fail a deployment whose workflow could not start, and release its group."""
