"""What the API reads back about a deployment and its targets, and what it writes to create one.

The stores produce these values from the state table (``functions/adapters/deployment_store.py``);
the operations turn them into CodeDeploy's ``DeploymentInfo`` and ``DeploymentTarget`` shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rollwright.agent_protocol import FileExistsBehavior
from rollwright.applications import ComputePlatform
from rollwright.blue_green import InstanceLabel
from rollwright.blue_green_deployments import BlueGreenDeployment
from rollwright.deployment_group_settings import (
    AlarmConfiguration,
    AutoRollbackConfiguration,
    DeploymentStyle,
)
from rollwright.deployment_plan import DeploymentPlan
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle_segments import InstanceLifecycleEvent
from rollwright.revision_locations import RevisionLocation
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import TargetKind


@dataclass(frozen=True)
class DeploymentChoices:
    """What a deployment records beyond its rollout plan, for reading it back."""

    compute_platform: ComputePlatform
    revision: RevisionLocation
    deployment_style: DeploymentStyle
    update_outdated_instances_only: bool = False
    auto_rollback_configuration: AutoRollbackConfiguration | None = None
    override_alarm_configuration: AlarmConfiguration | None = None
    # The group's target revision when the deployment was created (``previousRevision``).
    previous_revision: RevisionLocation | None = None
    # Set on a rollback: the deployment it rolls back.
    rollback_triggering_deployment_id: str | None = None
    # The alarms the deployment watches (``alarm_watch.watched_alarms``); None: none.
    alarm_configuration: AlarmConfiguration | None = None
    # An EC2 blue/green deployment's options, fleets and steps (``blue_green_deployments``).
    blue_green: BlueGreenDeployment | None = None


@dataclass(frozen=True)
class RollbackInfo:
    """CodeDeploy's ``RollbackInfo``: a rolled-back deployment names its rollback (or says why
    there is none); a rollback names the deployment it rolls back."""

    rollback_deployment_id: str | None = None
    rollback_triggering_deployment_id: str | None = None
    rollback_message: str | None = None


@dataclass(frozen=True)
class RelatedDeployments:
    """CodeDeploy's ``RelatedDeployments``: an auto-update deployment (outdatedInstancesStrategy
    UPDATE) names the deployment whose end started it, and that one names its auto-updates."""

    auto_update_root_deployment_id: str | None = None
    auto_update_deployment_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeploymentError:
    """CodeDeploy's ``ErrorInformation``."""

    code: str
    message: str


@dataclass(frozen=True)
class NewDeployment:
    """Everything CreateDeployment writes in one go.

    ``request_key`` identifies the caller's request (a hash): an identical request within the
    idempotency window answers the deployment it created. ``ended`` is set when the deployment
    can never begin (no instances, invalid health constraints): it is written already Failed,
    with no active-deployment claim and no workflow. Otherwise the deployment claims its group's
    single active slot in the same transaction, unless ``claims_group`` is False: an Auto
    Scaling launch deployment runs beside the group's active deployment (``auto_scaling_launches``).
    """

    plan: DeploymentPlan
    choices: DeploymentChoices
    request_key: str
    ended: DeploymentError | None = None
    claims_group: bool = True


@dataclass(frozen=True)
class CreatedDeployment:
    deployment_id: str
    new: bool  # False: an identical earlier request's deployment


@dataclass(frozen=True)
class DeploymentOverview:
    pending: int = 0
    in_progress: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    ready: int = 0


@dataclass(frozen=True)
class StoredDeployment:
    """A deployment as read back, in CodeDeploy's vocabulary."""

    deployment_id: str
    application_name: str
    deployment_group_name: str
    deployment_config_name: str
    status: DeploymentStatus
    choices: DeploymentChoices
    create_time: datetime
    overview: DeploymentOverview
    creator: str = "user"
    description: str = ""
    ignore_application_stop_failures: bool = False
    file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW
    start_time: datetime | None = None
    complete_time: datetime | None = None
    error: DeploymentError | None = None
    rollback_info: RollbackInfo | None = None
    # StopDeployment's ``autoRollbackEnabled``, once a stop was requested.
    stop_rollback: bool | None = None
    # EC2 blue/green: the wait before blue instances are terminated has begun.
    termination_wait_started: bool = False
    related: RelatedDeployments | None = None


@dataclass(frozen=True)
class StoredTarget:
    """One instance of a deployment, with its lifecycle events as the API shows them."""

    deployment_id: str
    host_id: str
    instance_name: str  # the target id: the EC2 instance id or the on-premises instance name
    kind: TargetKind
    status: InstanceStatus
    last_updated_at: datetime
    lifecycle_events: tuple[InstanceLifecycleEvent, ...]
    instance_label: InstanceLabel | None = None  # Blue/Green in a blue/green deployment only


@dataclass(frozen=True)
class DeploymentQuery:
    """ListDeployments' filters; ``deployment_group_id`` None lists the whole account."""

    deployment_group_id: str | None = None
    statuses: frozenset[DeploymentStatus] = frozenset()
    created_after: datetime | None = None
    created_before: datetime | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class Page:
    ids: tuple[str, ...]
    next_token: str | None
