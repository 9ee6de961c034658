"""From one stream record of the state table to the notifications it calls for.

Only deployment items (``sk = DEPLOYMENT``) and target items (``sk = TARGET#<host id>``) matter;
the pure decisions are ``rollwright.deployment_notifications``. Reads happen only for a record
that is a state change: a target's deployment (for its names) and the group's triggers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from functions.adapters.deployment_items import read_stored_deployment, read_stored_target
from functions.adapters.deployment_lookups import DeploymentLookups
from rollwright.account_region import AccountRegion
from rollwright.deployment_notifications import (
    ROLLBACK_CREATOR,
    DeploymentIdentity,
    Notifications,
    deployment_notifications,
    deployment_trigger_events,
    instance_notifications,
    instance_trigger_events,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.rollout import InstanceStatus

DEPLOYMENT_SORT_KEY = "DEPLOYMENT"
TARGET_PREFIX = "TARGET#"


def notifications_for(
    record: DynamoDBRecord, lookups: DeploymentLookups, place: AccountRegion
) -> Notifications:
    stream = record.dynamodb
    if stream is None:
        return Notifications()
    sort_key = str(stream.keys.get("sk", ""))
    old, new = stream.old_image or None, stream.new_image or None
    if new is None:
        return Notifications()  # the item was deleted: not a state change
    at = _record_time(stream.approximate_creation_date_time)
    if sort_key == DEPLOYMENT_SORT_KEY:
        return _deployment_change(old, new, lookups, place, at)
    if sort_key.startswith(TARGET_PREFIX):
        return _target_change(old, new, lookups, place, at)
    return Notifications()


def _deployment_change(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    lookups: DeploymentLookups,
    place: AccountRegion,
    at: datetime,
) -> Notifications:
    deployment = read_stored_deployment(new)
    is_rollback = (
        deployment.creator == ROLLBACK_CREATOR
        or deployment.choices.rollback_triggering_deployment_id is not None
    )
    events = deployment_trigger_events(
        None if old is None else DeploymentStatus(old["status"]),
        deployment.status,
        is_rollback=is_rollback,
    )
    if not events:
        return Notifications()
    identity = _identity(new)
    return deployment_notifications(
        events,
        deployment,
        identity,
        lookups.triggers(identity.deployment_group_id),
        place,
        at=at,
    )


def _target_change(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    lookups: DeploymentLookups,
    place: AccountRegion,
    at: datetime,
) -> Notifications:
    events = instance_trigger_events(
        None if old is None else InstanceStatus(old["status"]), InstanceStatus(new["status"])
    )
    if not events:
        return Notifications()
    target = read_stored_target(new)
    deployment = lookups.deployment_item(target.deployment_id)
    if deployment is None:
        return Notifications()
    identity = _identity(deployment)
    return instance_notifications(
        events,
        target,
        identity,
        lookups.triggers(identity.deployment_group_id),
        place,
        at=at,
    )


def _identity(item: dict[str, Any]) -> DeploymentIdentity:
    return DeploymentIdentity(
        deployment_id=str(item["deployment_id"]),
        application_name=str(item["application_name"]),
        deployment_group_name=str(item["deployment_group_name"]),
        deployment_group_id=str(item["deployment_group_id"]),
    )


def _record_time(epoch_seconds: int | float | None) -> datetime:
    if epoch_seconds is None:
        return datetime.now(UTC)
    return datetime.fromtimestamp(float(epoch_seconds), UTC)
