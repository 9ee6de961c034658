"""What a deployment's or an instance's status change tells the world: EventBridge events and SNS
trigger messages, in CodeDeploy's shapes.

The notify function compares the old and new images of a deployment item or a target item (the
state table's stream) and asks this module what to send. A change that is not a state change in
CodeDeploy's sense (a counter moved, a heartbeat) sends nothing.

CodeDeploy's shapes:

- EventBridge, detail types ``CodeDeploy Deployment State-change Notification`` and ``CodeDeploy
  Instance State-change Notification``; detail ``{account, region, application, deploymentId,
  instanceGroupId (the deployment group id), deploymentGroup, state}`` (+ ``instanceId``);
  resources the application and deployment group ARNs (+ the instance ARN first).
- SNS triggers: subject ``<STATUS>: AWS CodeDeploy <deploymentId> in <region> to
  <applicationName>``; the message a JSON document. Deployment messages carry ``createTime`` and
  ``completeTime`` as ``Thu Oct 13 15:50:45 UTC 2022`` (``null`` until the deployment ends) and
  ``deploymentOverview`` / ``errorInformation`` / ``rollbackInformation`` as JSON *strings*, as
  the service sends them; instance messages carry ``instanceId`` (an ARN), ``lastUpdatedAt`` and
  the lifecycle events' times as epoch-second strings.

The event source is ``EVENT_SOURCE``, not ``aws.codedeploy``: EventBridge refuses ``aws.*`` sources
from anyone but AWS (``NotAuthorizedForSourceException``); see `docs/decisions.md`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from rollwright.account_region import AccountRegion
from rollwright.deployment_group_settings import TriggerConfig, TriggerEventType
from rollwright.deployment_records import StoredDeployment, StoredTarget
from rollwright.deployment_status import DeploymentStatus
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import TargetKind

EVENT_SOURCE = "rollwright.codedeploy"
DEPLOYMENT_DETAIL_TYPE = "CodeDeploy Deployment State-change Notification"
INSTANCE_DETAIL_TYPE = "CodeDeploy Instance State-change Notification"
ROLLBACK_CREATOR = "codeDeployRollback"


class EventState(StrEnum):
    """The ``state`` of CodeDeploy's EventBridge events."""

    START = "START"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    STOP = "STOP"
    READY = "READY"


@dataclass(frozen=True)
class DeploymentIdentity:
    """The ids a notification names that the deployment's API view does not hold."""

    deployment_id: str
    application_name: str
    deployment_group_name: str
    deployment_group_id: str


@dataclass(frozen=True)
class StateChangeEvent:
    """One EventBridge entry (``PutEvents``) on the account's default bus."""

    detail_type: str
    detail: dict[str, str]
    resources: tuple[str, ...]
    time: datetime
    source: str = EVENT_SOURCE

    def entry(self) -> dict[str, Any]:
        return {
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": json.dumps(self.detail),
            "Resources": list(self.resources),
            "Time": self.time,
        }


@dataclass(frozen=True)
class TriggerMessage:
    """One SNS ``Publish`` for one trigger configuration."""

    topic_arn: str
    trigger_name: str
    event: TriggerEventType
    subject: str
    message: str


@dataclass(frozen=True)
class Notifications:
    events: tuple[StateChangeEvent, ...] = ()
    messages: tuple[TriggerMessage, ...] = ()

    def __add__(self, other: Notifications) -> Notifications:
        return Notifications(self.events + other.events, self.messages + other.messages)

    @property
    def empty(self) -> bool:
        return not self.events and not self.messages


# --- which state changes are notified ---------------------------------------------------------

_DEPLOYMENT_ENDINGS: dict[DeploymentStatus, tuple[TriggerEventType, EventState]] = {
    DeploymentStatus.SUCCEEDED: (TriggerEventType.DEPLOYMENT_SUCCESS, EventState.SUCCESS),
    DeploymentStatus.FAILED: (TriggerEventType.DEPLOYMENT_FAILURE, EventState.FAILURE),
    DeploymentStatus.STOPPED: (TriggerEventType.DEPLOYMENT_STOP, EventState.STOP),
    DeploymentStatus.READY: (TriggerEventType.DEPLOYMENT_READY, EventState.READY),
}
_INSTANCE_CHANGES: dict[InstanceStatus, tuple[TriggerEventType, EventState]] = {
    InstanceStatus.IN_PROGRESS: (TriggerEventType.INSTANCE_START, EventState.START),
    InstanceStatus.SUCCEEDED: (TriggerEventType.INSTANCE_SUCCESS, EventState.SUCCESS),
    InstanceStatus.FAILED: (TriggerEventType.INSTANCE_FAILURE, EventState.FAILURE),
    InstanceStatus.READY: (TriggerEventType.INSTANCE_READY, EventState.READY),
}
_EVENT_STATES: dict[TriggerEventType, EventState] = {
    TriggerEventType.DEPLOYMENT_START: EventState.START,
    **dict(_DEPLOYMENT_ENDINGS.values()),
    **dict(_INSTANCE_CHANGES.values()),
}


def deployment_trigger_events(
    old: DeploymentStatus | None, new: DeploymentStatus | None, *, is_rollback: bool = False
) -> tuple[TriggerEventType, ...]:
    """The trigger events of a deployment item going from ``old`` to ``new`` (None: no item).

    Creation is DeploymentStart (CodeDeploy's start message says ``CREATED``); a deployment
    written already ended (CreateDeployment found no instances) also ends at once. A rollback
    entering InProgress is DeploymentRollback. Reaching Succeeded, Failed, Stopped or Ready is the
    matching event; a status that does not change (a counter moved) is nothing.
    """
    if new is None or old == new:
        return ()
    events: list[TriggerEventType] = []
    if old is None:
        events.append(TriggerEventType.DEPLOYMENT_START)
    if is_rollback and new is DeploymentStatus.IN_PROGRESS:
        events.append(TriggerEventType.DEPLOYMENT_ROLLBACK)
    ending = _DEPLOYMENT_ENDINGS.get(new)
    if ending is not None and (old is None or not old.is_terminal):
        events.append(ending[0])
    return tuple(events)


def instance_trigger_events(
    old: InstanceStatus | None, new: InstanceStatus | None
) -> tuple[TriggerEventType, ...]:
    """The trigger events of a target item going from ``old`` to ``new``.

    Starting (InProgress), Succeeded, Failed and Ready are CodeDeploy's instance events; a target
    being written (Pending) or Skipped is not one. An ended target never changes again.
    """
    if new is None or old == new or old in _ENDED_INSTANCE:
        return ()
    change = _INSTANCE_CHANGES.get(new)
    return () if change is None else (change[0],)


_ENDED_INSTANCE = frozenset(
    {InstanceStatus.SUCCEEDED, InstanceStatus.FAILED, InstanceStatus.SKIPPED}
)


def matching_triggers(
    triggers: Iterable[TriggerConfig], event: TriggerEventType
) -> tuple[TriggerConfig, ...]:
    return tuple(trigger for trigger in triggers if event in trigger.events)


# --- the notifications --------------------------------------------------------------------------


def deployment_notifications(
    events: Sequence[TriggerEventType],
    deployment: StoredDeployment,
    identity: DeploymentIdentity,
    triggers: Sequence[TriggerConfig],
    place: AccountRegion,
    *,
    at: datetime,
) -> Notifications:
    """The EventBridge events and trigger messages of a deployment's ``events``."""
    found = Notifications()
    for event in events:
        state_events: tuple[StateChangeEvent, ...] = ()
        if event in _EVENT_STATES:
            state_events = (
                StateChangeEvent(
                    detail_type=DEPLOYMENT_DETAIL_TYPE,
                    detail=_detail(identity, place, _EVENT_STATES[event]),
                    resources=_group_resources(identity, place),
                    time=at,
                ),
            )
        messages = tuple(
            _deployment_message(trigger, event, deployment, identity, place)
            for trigger in matching_triggers(triggers, event)
        )
        found = found + Notifications(state_events, messages)
    return found


def instance_notifications(
    events: Sequence[TriggerEventType],
    target: StoredTarget,
    identity: DeploymentIdentity,
    triggers: Sequence[TriggerConfig],
    place: AccountRegion,
    *,
    at: datetime,
) -> Notifications:
    """The EventBridge events and trigger messages of an instance's ``events``."""
    found = Notifications()
    for event in events:
        detail = {**_detail(identity, place, _EVENT_STATES[event])}
        detail["instanceId"] = target.instance_name
        state_event = StateChangeEvent(
            detail_type=INSTANCE_DETAIL_TYPE,
            detail=detail,
            resources=(instance_arn(target, place), *_group_resources(identity, place)),
            time=at,
        )
        messages = tuple(
            _instance_message(trigger, event, target, identity, place)
            for trigger in matching_triggers(triggers, event)
        )
        found = found + Notifications((state_event,), messages)
    return found


def instance_arn(target: StoredTarget, place: AccountRegion) -> str:
    if target.kind is TargetKind.EC2:
        return (
            f"arn:{place.partition}:ec2:{place.region}:{place.account_id}:"
            f"instance/{target.instance_name}"
        )
    return place.codedeploy_arn(f"instance/{target.instance_name}")


def _detail(
    identity: DeploymentIdentity, place: AccountRegion, state: EventState
) -> dict[str, str]:
    return {
        "account": place.account_id,
        "region": place.region,
        "application": identity.application_name,
        "deploymentId": identity.deployment_id,
        "instanceGroupId": identity.deployment_group_id,
        "deploymentGroup": identity.deployment_group_name,
        "state": state.value,
    }


def _group_resources(identity: DeploymentIdentity, place: AccountRegion) -> tuple[str, str]:
    return (
        place.codedeploy_arn(f"application:{identity.application_name}"),
        place.codedeploy_arn(
            f"deploymentgroup:{identity.application_name}/{identity.deployment_group_name}"
        ),
    )


# --- SNS messages -------------------------------------------------------------------------------

_MESSAGE_STATUS: dict[DeploymentStatus, str] = {
    DeploymentStatus.CREATED: "CREATED",
    DeploymentStatus.QUEUED: "QUEUED",
    DeploymentStatus.IN_PROGRESS: "IN_PROGRESS",
    DeploymentStatus.BAKING: "BAKING",
    DeploymentStatus.READY: "READY",
    DeploymentStatus.SUCCEEDED: "SUCCEEDED",
    DeploymentStatus.FAILED: "FAILED",
    DeploymentStatus.STOPPED: "STOPPED",
}
# The status a message reports for each event: the state the deployment reached by it.
_EVENT_MESSAGE_STATUS: dict[TriggerEventType, str] = {
    TriggerEventType.DEPLOYMENT_START: "CREATED",
    TriggerEventType.DEPLOYMENT_ROLLBACK: "IN_PROGRESS",
    TriggerEventType.DEPLOYMENT_SUCCESS: "SUCCEEDED",
    TriggerEventType.DEPLOYMENT_FAILURE: "FAILED",
    TriggerEventType.DEPLOYMENT_STOP: "STOPPED",
    TriggerEventType.DEPLOYMENT_READY: "READY",
}
_ENDED_DEPLOYMENT_EVENTS = frozenset(
    {
        TriggerEventType.DEPLOYMENT_SUCCESS,
        TriggerEventType.DEPLOYMENT_FAILURE,
        TriggerEventType.DEPLOYMENT_STOP,
        TriggerEventType.DEPLOYMENT_READY,
    }
)


def _deployment_message(
    trigger: TriggerConfig,
    event: TriggerEventType,
    deployment: StoredDeployment,
    identity: DeploymentIdentity,
    place: AccountRegion,
) -> TriggerMessage:
    status = _EVENT_MESSAGE_STATUS.get(event, _MESSAGE_STATUS[deployment.status])
    document: dict[str, Any] = {
        "region": place.region,
        "accountId": place.account_id,
        "eventTriggerName": trigger.name,
        "applicationName": identity.application_name,
        "deploymentId": identity.deployment_id,
        "deploymentGroupName": identity.deployment_group_name,
        "createTime": _message_time(deployment.create_time),
        "completeTime": (
            _message_time(deployment.complete_time)
            if deployment.complete_time is not None and event in _ENDED_DEPLOYMENT_EVENTS
            else None
        ),
    }
    if event in _ENDED_DEPLOYMENT_EVENTS:
        overview = deployment.overview
        document["deploymentOverview"] = _compact(
            {
                "Succeeded": overview.succeeded,
                "Failed": overview.failed,
                "Skipped": overview.skipped,
                "InProgress": overview.in_progress,
                "Pending": overview.pending,
            }
        )
    document["status"] = status
    if deployment.error is not None and event in _ENDED_DEPLOYMENT_EVENTS:
        document["errorInformation"] = _compact(
            {"ErrorCode": deployment.error.code, "ErrorMessage": deployment.error.message}
        )
    rollback = _rollback_information(deployment)
    if rollback is not None:
        document["rollbackInformation"] = _compact(rollback)
    return TriggerMessage(
        topic_arn=trigger.target_arn,
        trigger_name=trigger.name,
        event=event,
        subject=_subject(status, identity, place),
        message=_compact(document),
    )


def _instance_message(
    trigger: TriggerConfig,
    event: TriggerEventType,
    target: StoredTarget,
    identity: DeploymentIdentity,
    place: AccountRegion,
) -> TriggerMessage:
    document: dict[str, Any] = {
        "region": place.region,
        "accountId": place.account_id,
        "eventTriggerName": trigger.name,
        "deploymentId": identity.deployment_id,
        "instanceId": instance_arn(target, place),
        "lastUpdatedAt": _epoch(target.last_updated_at),
        "instanceStatus": target.status.value,
        "lifecycleEvents": [
            {
                "LifecycleEvent": lifecycle.name.value,
                "LifecycleEventStatus": lifecycle.status.value,
                "StartTime": _epoch(lifecycle.start_time),
                "EndTime": _epoch(lifecycle.end_time),
            }
            for lifecycle in target.lifecycle_events
        ],
    }
    status = target.status.value.upper().replace("INPROGRESS", "IN_PROGRESS")
    return TriggerMessage(
        topic_arn=trigger.target_arn,
        trigger_name=trigger.name,
        event=event,
        subject=_subject(status, identity, place),
        message=_compact(document),
    )


def _rollback_information(deployment: StoredDeployment) -> dict[str, str] | None:
    info = deployment.rollback_info
    triggering = deployment.choices.rollback_triggering_deployment_id
    if info is None and triggering is None:
        return None
    document: dict[str, str] = {}
    if info is not None and info.rollback_message:
        document["RollbackMessage"] = info.rollback_message
    if info is not None and info.rollback_deployment_id:
        document["RollbackDeploymentId"] = info.rollback_deployment_id
    triggering = triggering or (info.rollback_triggering_deployment_id if info else None)
    if triggering:
        document["RollbackTriggeringDeploymentId"] = triggering
    return document


def _subject(status: str, identity: DeploymentIdentity, place: AccountRegion) -> str:
    subject = (
        f"{status}: AWS CodeDeploy {identity.deployment_id} in {place.region} "
        f"to {identity.application_name}"
    )
    return subject[:100]  # SNS subjects are at most 100 characters


def _message_time(moment: datetime) -> str:
    # Java's Date.toString() in UTC, which is what the service's messages show.
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def _epoch(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment.timestamp():.3f}"


def _compact(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))
