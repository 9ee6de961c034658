"""What CreateDeployment, PutLifecycleEventHookExecutionStatus and StopDeployment do alike for the
blue/green traffic platforms (Lambda and ECS): the revision is an AppSpec (inline, or an S3 object
of bundle type YAML or JSON), a hook verdict answers the hook's event, a stop ends the deployment
at once with traffic back on the original.

``TrafficDeployments`` is what both platforms' deployment services share: CreateDeployment as a
template (the configuration's traffic routing, the revision, the AppSpec read and checked by the
platform, the choices and the traffic steps, one write), starting the workflow and reading the
record back. A platform says how its AppSpec is parsed, what it finds of its target and how its
workflow starts.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, NotRequired, Protocol, TypedDict, TypeVar

from rollwright.account_region import AccountRegion
from rollwright.alarm_watch import watched_alarms
from rollwright.applications import Application, ComputePlatform
from rollwright.appspec import InvalidAppSpecError
from rollwright.deployment_configs import DeploymentConfig, TrafficRoutingConfig
from rollwright.deployment_group_settings import DeploymentOption, DeploymentStyle, DeploymentType
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_records import DeploymentChoices
from rollwright.deployment_requests import (
    CreateDeploymentRequest,
    deployment_does_not_exist,
    valid_deployment_id,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.deployment_stops import StopAnswer, StopStatus
from rollwright.errors import (
    DeploymentAlreadyCompletedException,
    InvalidDeploymentConfigNameException,
    InvalidLifecycleEventHookExecutionIdException,
    InvalidLifecycleEventHookExecutionStatusException,
    InvalidRevisionException,
    InvalidTargetInstancesException,
    LifecycleEventAlreadyCompletedException,
    RevisionRequiredException,
)
from rollwright.lambda_traffic import TrafficFailure, hook_timeout_seconds, traffic_steps
from rollwright.lifecycle import LifecycleErrorCode, LifecycleEvent, LifecycleEventStatus
from rollwright.lifecycle_segments import Diagnostics, InstanceLifecycleEvent
from rollwright.revision_locations import (
    AppSpecText,
    BundleType,
    RevisionLocation,
    S3Location,
    describe,
    fits_compute_platform,
)
from rollwright.rollback import ROLLBACK_CREATOR
from rollwright.traffic_records import (
    HookEventRecord,
    NewTrafficDeployment,
    TrafficDeploymentRecord,
    TrafficDeploymentStore,
    TrafficOutcome,
)
from rollwright.traffic_rollout import TrafficRecord, TrafficRollout

TRAFFIC_STYLE = DeploymentStyle(DeploymentType.BLUE_GREEN, DeploymentOption.WITH_TRAFFIC_CONTROL)

_ANSWERS = {"Succeeded": LifecycleEventStatus.SUCCEEDED, "Failed": LifecycleEventStatus.FAILED}


class AppSpecObjects(Protocol):
    def read(self, location: S3Location) -> bytes:
        """The object's bytes; ``InvalidRevisionException`` when it cannot be read."""


class HookAnswers(Protocol):
    def answer(
        self,
        record: TrafficRecord,
        event: HookEventRecord,
        status: LifecycleEventStatus,
        message: str,
    ) -> bool: ...


class HookedAppSpec(Protocol):
    @property
    def hooks(self) -> Mapping[Any, str]:
        """Lifecycle event → the hook function's name."""


AppSpecT = TypeVar("AppSpecT", bound=HookedAppSpec)
HookT = TypeVar("HookT")
TargetT = TypeVar("TargetT")
RecordT = TypeVar("RecordT", bound=TrafficDeploymentRecord)


@dataclass(frozen=True)
class CreatedTrafficDeployment:
    deployment_id: str
    new: bool  # False: an identical earlier request's deployment
    ended: bool  # written Failed: no workflow


class TrafficDeploymentOptions(TypedDict):
    """What a platform's deployment service passes on to ``TrafficDeployments``."""

    appspec_objects: AppSpecObjects
    account_region: AccountRegion
    wait_scale: NotRequired[float]
    new_execution_id: NotRequired[Callable[[], str]]


class TrafficDeployments(ABC, Generic[AppSpecT, HookT, TargetT, RecordT]):
    """A traffic platform's deployments: CreateDeployment's template and the record read back."""

    PLATFORM: ClassVar[ComputePlatform]

    def __init__(
        self,
        store: TrafficDeploymentStore[NewTrafficDeployment[AppSpecT, HookT, TargetT], RecordT],
        *,
        appspec_objects: AppSpecObjects,
        account_region: AccountRegion,
        wait_scale: float = 1.0,
        new_execution_id: Callable[[], str] = lambda: secrets.token_urlsafe(48),
    ) -> None:
        self._store = store
        self._objects = appspec_objects
        self._account_region = account_region
        self._wait_scale = wait_scale
        self._new_execution_id = new_execution_id

    # --- what a platform says ------------------------------------------------------------------

    @abstractmethod
    def _parse_appspec(self, text: str | bytes) -> AppSpecT:
        """The platform's AppSpec; ``InvalidAppSpecError`` when it is malformed."""

    @abstractmethod
    def _target(
        self, appspec: AppSpecT, group: DeploymentGroup
    ) -> tuple[TargetT, TrafficOutcome | None]:
        """What the platform finds of the deployment's target, and why the deployment can never
        begin (None: it can): CodeDeploy fails such a deployment, it does not refuse it."""

    @abstractmethod
    def _start_workflow(self, deployment_id: str) -> None:
        """Start the platform's state machine for the deployment (idempotent per deployment)."""

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
    ) -> CreatedTrafficDeployment:
        """Write the deployment (``start`` starts it)."""
        routing = traffic_routing(config, self.PLATFORM)
        revision = checked_revision(request, group, self.PLATFORM)
        try:
            appspec = self._parse_appspec(appspec_text(revision, self._objects))
        except InvalidAppSpecError as bad:
            raise InvalidRevisionException(str(bad)) from None
        target, ended = self._target(appspec, group)
        settings = group.settings
        choices = DeploymentChoices(
            compute_platform=self.PLATFORM,
            revision=revision,
            deployment_style=TRAFFIC_STYLE,
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
        deployment_id, new = self._store.create(
            NewTrafficDeployment(
                deployment_id=deployment_id,
                application_name=application.name,
                application_id=application.application_id,
                deployment_group_name=group.name,
                deployment_group_id=group.deployment_group_id,
                deployment_config_name=config.name,
                choices=choices,
                appspec=appspec,
                target=target,
                steps=traffic_steps(routing, wait_scale=self._wait_scale),
                hook_timeout_seconds=hook_timeout_seconds(self._wait_scale),
                wait_scale=self._wait_scale,
                execution_ids={hook: self._new_execution_id() for hook in appspec.hooks},
                create_time=now.timestamp(),
                request_key=key,
                creator=creator,
                description=request.description,
                ended=ended,
            )
        )
        return CreatedTrafficDeployment(deployment_id, new, ended is not None)

    def start(self, deployment_id: str, group_id: str) -> None:
        try:
            self._start_workflow(deployment_id)
        except Exception:
            self._store.abandon(
                deployment_id, group_id, "The deployment's workflow could not start."
            )
            raise

    # --- the record ---------------------------------------------------------------------------

    def record(self, deployment_id: str) -> RecordT:
        found = self._store.find(valid_deployment_id(deployment_id))
        if found is None:
            raise deployment_does_not_exist(deployment_id)
        return found


def traffic_routing(config: DeploymentConfig, platform: ComputePlatform) -> TrafficRoutingConfig:
    """The configuration's traffic routing; InvalidDeploymentConfigNameException when it is
    another platform's."""
    routing = config.definition.traffic_routing_config
    if config.compute_platform is not platform or routing is None:
        raise InvalidDeploymentConfigNameException(
            f"The deployment configuration {config.name} is for the {config.compute_platform}"
            f" compute platform; this deployment group's is {platform}."
        )
    return routing


def checked_revision(
    request: CreateDeploymentRequest, group: DeploymentGroup, platform: ComputePlatform
) -> RevisionLocation:
    """The request's revision (or the group's target revision), an AppSpec this platform takes."""
    if request.target_instances_given:
        raise InvalidTargetInstancesException(
            "targetInstances is only for EC2 blue/green deployments."
        )
    revision = request.revision or group.history.target_revision
    if revision is None:
        raise RevisionRequiredException(
            f"A revision is required: deployment group {group.name} has no target revision."
        )
    if not fits_compute_platform(revision, platform):
        raise InvalidRevisionException(
            f"The revision {describe(revision)} cannot be deployed to a {platform} deployment "
            "group: use AppSpecContent or an S3 object of bundle type YAML or JSON."
        )
    return revision


def appspec_text(revision: RevisionLocation, objects: AppSpecObjects) -> str | bytes:
    """The AppSpec's text: inline content, or the S3 object's bytes."""
    if isinstance(revision, AppSpecText):
        if revision.content is None:
            raise InvalidRevisionException(
                "CreateDeployment needs the AppSpec content, not only its sha256."
            )
        return revision.content
    if isinstance(revision, S3Location) and revision.bundle_type in (
        BundleType.YAML,
        BundleType.JSON,
    ):
        return objects.read(revision)
    raise InvalidRevisionException(f"The revision {describe(revision)} is not an AppSpec.")


def hook_status(status: str) -> LifecycleEventStatus:
    """A hook's verdict: Succeeded or Failed."""
    answer = _ANSWERS.get(status)
    if answer is None:
        raise InvalidLifecycleEventHookExecutionStatusException(
            f"The status {status!r} is not valid: a hook reports Succeeded or Failed."
        )
    return answer


def answer_hook(record: TrafficRecord, execution_id: str, status: str, rollout: HookAnswers) -> str:
    """PutLifecycleEventHookExecutionStatus for a deployment of this platform."""
    answer = hook_status(status)
    deployment_id = record.deployment_id
    event = record.event_with_execution(execution_id)
    if event is None:
        raise InvalidLifecycleEventHookExecutionIdException(
            f"{execution_id!r} is not a lifecycle event hook execution of deployment "
            f"{deployment_id}."
        )
    if event.status is LifecycleEventStatus.PENDING:
        raise InvalidLifecycleEventHookExecutionIdException(
            f"The {event.event} hook of deployment {deployment_id} has not started."
        )
    message = f"The hook reported {status} through PutLifecycleEventHookExecutionStatus."
    if event.status is not LifecycleEventStatus.IN_PROGRESS or not rollout.answer(
        record, event, answer, message
    ):
        raise LifecycleEventAlreadyCompletedException(
            f"The {event.event} hook of deployment {deployment_id} has already completed."
        )
    return execution_id


# --- StopDeployment and alarm stops ---------------------------------------------------------


def stop_now(
    rollout: TrafficRollout[Any],
    deployment_id: str,
    *,
    stop_workflow: Callable[[str], None],
    status_of: Callable[[str], DeploymentStatus],
    original: str,
) -> StopAnswer:
    """StopDeployment of a traffic deployment: Stopped, traffic back on ``original`` at once, and
    its workflow stopped (wherever it waits)."""
    if not rollout.end_now(deployment_id, TrafficFailure.STOPPED):
        raise DeploymentAlreadyCompletedException(
            f"The deployment {deployment_id} has already completed "
            f"({status_of(deployment_id).value})."
        )
    stop_workflow(deployment_id)
    return StopAnswer(
        StopStatus.SUCCEEDED, f"The deployment was stopped; traffic is on the original {original}."
    )


def stop_on_alarm_now(
    rollout: TrafficRollout[Any],
    deployment_id: str,
    alarm: str,
    *,
    stop_workflow: Callable[[str], None],
) -> bool:
    """The alarm function's stop: Stopped with ALARM_ACTIVE, traffic back at once, the workflow
    (in a wait or a hook) stopped; False once the deployment has ended."""
    if not rollout.end_now(deployment_id, TrafficFailure.ALARM, detail=alarm):
        return False
    stop_workflow(deployment_id)
    return True


def lifecycle_events(
    record: TrafficRecord, names: tuple[LifecycleEvent, ...]
) -> list[InstanceLifecycleEvent]:
    """The target's lifecycle events as the API shows them (a failed one with its message)."""
    return [
        InstanceLifecycleEvent(
            name=event.event,
            status=event.status,
            start_time=event.start_time,
            end_time=event.end_time,
            diagnostics=(
                Diagnostics(LifecycleErrorCode.UNKNOWN_ERROR, message=event.message)
                if event.status is LifecycleEventStatus.FAILED
                else None
            ),
        )
        for event in (record.events[name] for name in names)
    ]
