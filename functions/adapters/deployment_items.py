"""Deployment items read back for the API, and the attributes CreateDeployment adds to the
deployment item (layouts: ``deployment_store.py`` and ``rollout_items.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from functions.adapters.appspec_locations import is_appspec_document, read_location
from functions.adapters.blue_green_items import blue_green_attribute, read_blue_green
from functions.adapters.rollout_items import milliseconds, read_alarm_configuration
from rollwright.agent_protocol import (
    EventOutcome,
    FileExistsBehavior,
    GitHubRevision,
    read_revision,
    revision_document,
)
from rollwright.applications import ComputePlatform
from rollwright.blue_green import InstanceLabel
from rollwright.deployment_group_settings import (
    AlarmConfiguration,
    AutoRollbackConfiguration,
    AutoRollbackEvent,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
)
from rollwright.deployment_records import (
    DeploymentChoices,
    DeploymentError,
    DeploymentOverview,
    NewDeployment,
    RelatedDeployments,
    RollbackInfo,
    StoredDeployment,
    StoredTarget,
)
from rollwright.deployment_requests import agent_revision
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleErrorCode, LifecycleEvent
from rollwright.lifecycle_segments import Diagnostics, EventProgress, instance_lifecycle_events
from rollwright.revision_locations import BundleType, GitHubLocation, RevisionLocation, S3Location
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import TargetKind

_ENDED_TARGET = frozenset({InstanceStatus.SUCCEEDED, InstanceStatus.FAILED, InstanceStatus.SKIPPED})


def choice_attributes(deployment: NewDeployment, now: float) -> dict[str, Any]:
    choices = deployment.choices
    attributes: dict[str, Any] = {
        "compute_platform": choices.compute_platform.value,
        "deployment_style": {
            "type": choices.deployment_style.deployment_type.value,
            "option": choices.deployment_style.deployment_option.value,
        },
        "update_outdated_instances_only": choices.update_outdated_instances_only,
    }
    if choices.auto_rollback_configuration is not None:
        attributes["auto_rollback_configuration"] = {
            "enabled": choices.auto_rollback_configuration.enabled,
            "events": [e.value for e in choices.auto_rollback_configuration.events],
        }
    if choices.override_alarm_configuration is not None:
        attributes["override_alarm_configuration"] = _alarm_attribute(
            choices.override_alarm_configuration
        )
    if choices.alarm_configuration is not None:
        attributes["alarm_configuration"] = _alarm_attribute(choices.alarm_configuration)
    if choices.previous_revision is not None:
        attributes["previous_revision"] = revision_document(
            agent_revision(choices.previous_revision)
        )
    if choices.blue_green is not None:
        attributes["blue_green"] = blue_green_attribute(choices.blue_green)
    if choices.rollback_triggering_deployment_id is not None:
        attributes["rollback_info"] = {
            "triggering_deployment_id": choices.rollback_triggering_deployment_id
        }
    if deployment.ended is not None:
        attributes["status"] = DeploymentStatus.FAILED.value
        attributes["error_information"] = {
            "code": deployment.ended.code,
            "message": deployment.ended.message,
        }
        attributes["complete_time_ms"] = milliseconds(now)
    return attributes


def _alarm_attribute(alarms: AlarmConfiguration) -> dict[str, Any]:
    return {
        "enabled": alarms.enabled,
        "ignore_poll_alarm_failure": alarms.ignore_poll_alarm_failure,
        "alarm_names": list(alarms.alarm_names),
    }


def _time(value: Decimal | int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value) / 1000, UTC)


def _location(document: dict[str, Any]) -> RevisionLocation:
    if is_appspec_document(document):  # a Lambda deployment's AppSpec
        return read_location(document)
    revision = read_revision(document)
    if isinstance(revision, GitHubRevision):
        return GitHubLocation(revision.repository, revision.commit_id)
    return S3Location(
        revision.bucket,
        revision.key,
        BundleType(revision.bundle_type.value),
        revision.version,
        revision.etag,
    )


def read_stored_deployment(item: dict[str, Any]) -> StoredDeployment:
    style = item.get("deployment_style") or {}
    rollback = item.get("auto_rollback_configuration")
    alarms = item.get("override_alarm_configuration")
    error = item.get("error_information")
    rollback_info = item.get("rollback_info") or {}
    previous = item.get("previous_revision")
    stop = item.get("stop_requested")
    created = _time(item.get("create_time_ms")) or datetime.fromtimestamp(0, UTC)
    return StoredDeployment(
        deployment_id=str(item["deployment_id"]),
        application_name=str(item["application_name"]),
        deployment_group_name=str(item["deployment_group_name"]),
        deployment_config_name=str(item["deployment_config_name"]),
        status=DeploymentStatus(item["status"]),
        choices=DeploymentChoices(
            compute_platform=ComputePlatform(item.get("compute_platform", "Server")),
            revision=_location(item["revision"]),
            deployment_style=DeploymentStyle(
                DeploymentType(style.get("type", DeploymentType.IN_PLACE.value)),
                DeploymentOption(
                    style.get("option", DeploymentOption.WITHOUT_TRAFFIC_CONTROL.value)
                ),
            ),
            update_outdated_instances_only=bool(item.get("update_outdated_instances_only")),
            auto_rollback_configuration=(
                None
                if rollback is None
                else AutoRollbackConfiguration(
                    bool(rollback["enabled"]),
                    tuple(AutoRollbackEvent(e) for e in rollback["events"]),
                )
            ),
            override_alarm_configuration=read_alarm_configuration(alarms),
            alarm_configuration=read_alarm_configuration(item.get("alarm_configuration")),
            previous_revision=None if previous is None else _location(previous),
            rollback_triggering_deployment_id=rollback_info.get("triggering_deployment_id"),
            blue_green=read_blue_green(item.get("blue_green"), item.get("load_balancers")),
        ),
        create_time=created,
        overview=_overview(item),
        creator=str(item.get("creator", "user")),
        description=str(item.get("description", "")),
        ignore_application_stop_failures=bool(item.get("ignore_application_stop_failures")),
        file_exists_behavior=FileExistsBehavior(item.get("file_exists_behavior", "DISALLOW")),
        start_time=_time(item.get("start_time_ms")),
        complete_time=_time(item.get("complete_time_ms")),
        error=None if error is None else DeploymentError(error["code"], error["message"]),
        rollback_info=_rollback_info(rollback_info),
        stop_rollback=None if stop is None else bool(stop["auto_rollback_enabled"]),
        termination_wait_started=bool(item.get("termination_wait_started")),
        related=_related(item),
    )


def _related(item: dict[str, Any]) -> RelatedDeployments | None:
    """``relatedDeployments`` (``DynamoDeploymentStore.record_auto_update``)."""
    root, updates = item.get("auto_update_root"), item.get("auto_update_ids")
    if root is None and not updates:
        return None
    return RelatedDeployments(
        auto_update_root_deployment_id=None if root is None else str(root),
        auto_update_deployment_ids=tuple(sorted(str(i) for i in updates or ())),
    )


def _overview(item: dict[str, Any]) -> DeploymentOverview:
    """The rollout counters, plus what a blue/green deployment's earlier passes left on the
    instances outside the current pass (``overview_carried``, by instance status)."""
    carried = {name: int(count) for name, count in (item.get("overview_carried") or {}).items()}
    return DeploymentOverview(
        pending=int(item.get("pending_healthy", 0))
        + int(item.get("pending_unhealthy", 0))
        + carried.get(InstanceStatus.PENDING.value, 0),
        in_progress=int(item.get("in_progress", 0))
        + carried.get(InstanceStatus.IN_PROGRESS.value, 0),
        succeeded=int(item.get("succeeded", 0)) + carried.get(InstanceStatus.SUCCEEDED.value, 0),
        failed=int(item.get("failed", 0)) + carried.get(InstanceStatus.FAILED.value, 0),
        skipped=int(item.get("skipped", 0)) + carried.get(InstanceStatus.SKIPPED.value, 0),
        ready=carried.get(InstanceStatus.READY.value, 0),
    )


def rollback_attribute(info: RollbackInfo) -> dict[str, str]:
    """The ``rollback_info`` map a rolled-back deployment gets (its rollback, or why none)."""
    attribute = {}
    if info.rollback_deployment_id is not None:
        attribute["deployment_id"] = info.rollback_deployment_id
    if info.rollback_message is not None:
        attribute["message"] = info.rollback_message
    return attribute


def _rollback_info(stored: dict[str, Any]) -> RollbackInfo | None:
    if not stored:
        return None
    return RollbackInfo(
        rollback_deployment_id=stored.get("deployment_id"),
        rollback_triggering_deployment_id=stored.get("triggering_deployment_id"),
        rollback_message=stored.get("message"),
    )


def read_stored_target(item: dict[str, Any]) -> StoredTarget:
    status = InstanceStatus(item["status"])
    stored = item.get("lifecycle_events") or {}
    sequence = [LifecycleEvent(name) for name in item["lifecycle_event_names"] if name in stored]
    progress: list[EventProgress] = []
    for event in sequence:
        known = stored[event.value]
        if "start_time_ms" in known:
            at = _time(known["start_time_ms"])
            assert at is not None
            progress.append(EventProgress(event, EventOutcome.IN_PROGRESS, at))
        if "end_time_ms" in known:
            at = _time(known["end_time_ms"])
            assert at is not None
            diagnostics = known.get("diagnostics") or {}
            progress.append(
                EventProgress(
                    event,
                    EventOutcome(known["status"]),
                    at,
                    Diagnostics(
                        LifecycleErrorCode(diagnostics.get("error_code", "Success")),
                        str(diagnostics.get("script_name", "")),
                        str(diagnostics.get("message", "")),
                        str(diagnostics.get("log_tail", "")),
                    ),
                )
            )
    times = [
        int(item[name])
        for name in ("result_time_ms", "last_seen_at_ms", "dispatched_at_ms")
        if name in item
    ]
    last_updated = _time(max(times)) if times else None
    return StoredTarget(
        deployment_id=str(item["pk"]).removeprefix("DEPLOYMENT#"),
        host_id=str(item["host_id"]),
        instance_name=str(item["instance_name"]),
        kind=TargetKind(item["target_kind"]),
        status=status,
        last_updated_at=last_updated or datetime.fromtimestamp(0, UTC),
        lifecycle_events=instance_lifecycle_events(
            sequence, progress, instance_ended=status in _ENDED_TARGET
        ),
        instance_label=(
            InstanceLabel(item["instance_label"]) if item.get("instance_label") else None
        ),
    )
