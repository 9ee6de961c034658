"""A Lambda deployment as stored and read back, and the ports its services need.

A Lambda deployment has exactly one target (the function's alias), so everything about it lives on
the deployment item: the function, the versions, the traffic steps, the target version's current
weight and the three lifecycle events (BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic) with
their hook functions, hook execution ids and the workflow's task token while a hook runs. The
layout is in ``functions/adapters/lambda_deployment_records.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from rollwright.applications import ComputePlatform
from rollwright.deployment_group_settings import AlarmConfiguration
from rollwright.deployment_records import DeploymentChoices
from rollwright.deployment_status import DeploymentStatus
from rollwright.lambda_appspec import LambdaAppSpec, TrafficHook
from rollwright.lambda_traffic import TrafficStep
from rollwright.lifecycle import LifecycleEvent
from rollwright.revision_locations import RevisionLocation
from rollwright.rollout import InstanceStatus
from rollwright.traffic_records import HookEventRecord, TrafficOutcome

LAMBDA_EVENTS = (
    LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
    LifecycleEvent.ALLOW_TRAFFIC,
    LifecycleEvent.AFTER_ALLOW_TRAFFIC,
)


# The shapes every traffic deployment shares (``traffic_records``), under their Lambda names.
LambdaEventRecord = HookEventRecord
LambdaOutcome = TrafficOutcome


@dataclass(frozen=True)
class NewLambdaDeployment:
    """Everything CreateDeployment writes for a Lambda deployment, in one transaction."""

    deployment_id: str
    application_name: str
    application_id: str
    deployment_group_name: str
    deployment_group_id: str
    deployment_config_name: str
    choices: DeploymentChoices
    appspec: LambdaAppSpec
    steps: tuple[TrafficStep, ...]
    hook_timeout_seconds: int
    wait_scale: float
    execution_ids: Mapping[TrafficHook, str]
    create_time: float
    request_key: str
    creator: str = "user"
    description: str = ""
    # Set when the deployment can never begin (the function or alias is not as the AppSpec
    # says): written already Failed, with no group claim and no workflow.
    ended: LambdaOutcome | None = None


@dataclass(frozen=True)
class LambdaDeploymentRecord:
    deployment_id: str
    application_name: str
    deployment_group_name: str
    deployment_group_id: str
    status: DeploymentStatus
    function_name: str
    alias: str
    current_version: str
    target_version: str
    target_weight: Decimal
    target_status: InstanceStatus
    steps: tuple[TrafficStep, ...]
    hook_timeout_seconds: int
    events: Mapping[LifecycleEvent, LambdaEventRecord]
    create_time: datetime
    last_updated: datetime
    outcome: LambdaOutcome | None = None
    complete_time: datetime | None = None
    revision: RevisionLocation | None = None
    alarms: AlarmConfiguration | None = None  # the alarms it watches (``alarm_watch``)

    def event_with_execution(self, execution_id: str) -> LambdaEventRecord | None:
        return next((e for e in self.events.values() if e.execution_id == execution_id), None)


@dataclass(frozen=True)
class Alias:
    """An alias as Lambda's GetAlias answers it."""

    function_version: str
    additional_weights: Mapping[str, float] = field(default_factory=dict)


class LambdaFunctions(Protocol):
    """What Rollwright needs from the Lambda API (``functions/adapters/lambda_aliases.py``)."""

    def alias(self, function_name: str, alias: str) -> Alias | None:
        """The alias; None when the function or the alias does not exist."""

    def version_exists(self, function_name: str, version: str) -> bool: ...

    def route(
        self, function_name: str, alias: str, *, current: str, target: str, weight: Decimal
    ) -> None:
        """Point the alias at ``current`` with ``weight`` of the traffic on ``target``; weight 1
        points it at ``target`` alone, weight 0 at ``current`` alone."""


class LambdaDeploymentStore(Protocol):
    def create(self, deployment: NewLambdaDeployment) -> tuple[str, bool]:
        """Write the deployment (claiming its group unless it ended at creation): its id and
        whether it is new (False: an identical request's deployment within the idempotency
        window). DeploymentLimitExceededException when the group has an active deployment."""

    def find(self, deployment_id: str) -> LambdaDeploymentRecord | None: ...

    def abandon(self, deployment_id: str, group_id: str, message: str) -> None:
        """Fail a deployment whose workflow could not start, and release its group."""

    def compute_platform(self, deployment_id: str) -> ComputePlatform | None:
        """The platform of any deployment; None when there is no such deployment."""


class LambdaWorkflows(Protocol):
    def start_lambda(self, deployment_id: str) -> None:
        """Start the Lambda state machine for the deployment (idempotent per deployment)."""

    def stop_lambda(self, deployment_id: str) -> None:
        """Stop the deployment's execution (it may be in a Wait state); no error if it ended."""
