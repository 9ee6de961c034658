"""What CreateDeployment, PutLifecycleEventHookExecutionStatus and StopDeployment do alike for the
blue/green traffic platforms (Lambda and ECS): the revision is an AppSpec (inline, or an S3 object
of bundle type YAML or JSON), a hook verdict answers the hook's event, a stop ends the deployment
at once with traffic back on the original."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from rollwright.applications import ComputePlatform
from rollwright.deployment_configs import DeploymentConfig, TrafficRoutingConfig
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_requests import CreateDeploymentRequest
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
from rollwright.lambda_traffic import TrafficFailure
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
from rollwright.traffic_records import HookEventRecord
from rollwright.traffic_rollout import TrafficRecord, TrafficRollout

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
