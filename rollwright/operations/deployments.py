"""The deployment operations: CreateDeployment, GetDeployment, BatchGetDeployments and
ListDeployments."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from rollwright.agent_protocol import FileExistsBehavior
from rollwright.applications import ComputePlatform, valid_application_name
from rollwright.blue_green_targets import TargetInstances
from rollwright.deployment_configs import valid_deployment_config_name
from rollwright.deployment_group_settings import (
    AlarmConfiguration,
    AutoRollbackConfiguration,
    AutoRollbackEvent,
    AutoScalingGroupProcess,
)
from rollwright.deployment_groups import valid_deployment_group_name
from rollwright.deployment_records import (
    DeploymentQuery,
    RelatedDeployments,
    RollbackInfo,
    StoredDeployment,
)
from rollwright.deployment_requests import CreateDeploymentRequest, request_key, valid_description
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import (
    AlarmsLimitExceededException,
    ApplicationNameRequiredException,
    DeploymentGroupNameRequiredException,
    DeploymentIdRequiredException,
    InvalidAutoRollbackConfigException,
    InvalidAutoScalingGroupProcessToSuspendException,
    InvalidDeploymentStatusException,
    InvalidFileExistsBehaviorException,
    InvalidInputException,
    InvalidTargetInstancesException,
    InvalidTimeRangeException,
    SerializationException,
)
from rollwright.model_constraints import check_length, check_required, enum_value, optional_enum
from rollwright.operations.blue_green_shapes import blue_green_members
from rollwright.operations.deployment_group_members import tag_filters_member, tag_set_member
from rollwright.operations.ecs_deployment_shapes import ecs_deployment_members
from rollwright.operations.revisions import revision_location, revision_request
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import (
    optional_boolean,
    optional_string,
    optional_string_list,
    optional_structure,
    optional_structures,
)
from rollwright.revision_locations import check_revision_enums, valid_revision

MAX_ALARMS = 10  # reference §9
MAX_PROCESSES_TO_SUSPEND = 4  # the model's bound


class DeploymentMode(StrEnum):
    STANDARD = "STANDARD"
    RESTART = "RESTART"


# --- shapes ---------------------------------------------------------------------------------------


def deployment_info(deployment: StoredDeployment) -> Result:
    """A ``DeploymentInfo`` shape."""
    choices, overview = deployment.choices, deployment.overview
    info: Result = {
        "applicationName": deployment.application_name,
        "deploymentGroupName": deployment.deployment_group_name,
        "deploymentConfigName": deployment.deployment_config_name,
        "deploymentId": deployment.deployment_id,
        "revision": revision_location(choices.revision),
        "status": deployment.status.value,
        "createTime": deployment.create_time,
        "deploymentOverview": {
            "Pending": overview.pending,
            "InProgress": overview.in_progress,
            "Succeeded": overview.succeeded,
            "Failed": overview.failed,
            "Skipped": overview.skipped,
            "Ready": overview.ready,
        },
        "creator": deployment.creator,
        "ignoreApplicationStopFailures": deployment.ignore_application_stop_failures,
        "updateOutdatedInstancesOnly": choices.update_outdated_instances_only,
        "deploymentStyle": {
            "deploymentType": choices.deployment_style.deployment_type.value,
            "deploymentOption": choices.deployment_style.deployment_option.value,
        },
        "instanceTerminationWaitTimeStarted": deployment.termination_wait_started,
        "fileExistsBehavior": deployment.file_exists_behavior.value,
        "deploymentMode": DeploymentMode.STANDARD.value,
        "deploymentStatusMessages": [],
        "computePlatform": choices.compute_platform.value,
    }
    if deployment.description:
        info["description"] = deployment.description
    if deployment.start_time is not None:
        info["startTime"] = deployment.start_time
    if deployment.complete_time is not None:
        info["completeTime"] = deployment.complete_time
    if deployment.error is not None:
        info["errorInformation"] = {
            "code": deployment.error.code,
            "message": deployment.error.message,
        }
    if choices.blue_green is not None:
        info.update(blue_green_members(choices.blue_green))
    if choices.previous_revision is not None:
        info["previousRevision"] = revision_location(choices.previous_revision)
    if deployment.rollback_info is not None:
        info["rollbackInfo"] = _rollback_info(deployment.rollback_info)
    if deployment.related is not None:
        info["relatedDeployments"] = _related_deployments(deployment.related)
    if choices.auto_rollback_configuration is not None:
        rollback = choices.auto_rollback_configuration
        info["autoRollbackConfiguration"] = {
            "enabled": rollback.enabled,
            "events": [event.value for event in rollback.events],
        }
    if choices.override_alarm_configuration is not None:
        alarms = choices.override_alarm_configuration
        info["overrideAlarmConfiguration"] = {
            "enabled": alarms.enabled,
            "ignorePollAlarmFailure": alarms.ignore_poll_alarm_failure,
            "alarms": [{"name": name} for name in alarms.alarm_names],
        }
    return info


def _related_deployments(related: RelatedDeployments) -> Result:
    members: Result = {}
    if related.auto_update_root_deployment_id is not None:
        members["autoUpdateOutdatedInstancesRootDeploymentId"] = (
            related.auto_update_root_deployment_id
        )
    if related.auto_update_deployment_ids:
        members["autoUpdateOutdatedInstancesDeploymentIds"] = list(
            related.auto_update_deployment_ids
        )
    return members


def _rollback_info(rollback: RollbackInfo) -> Result:
    members = {
        "rollbackDeploymentId": rollback.rollback_deployment_id,
        "rollbackTriggeringDeploymentId": rollback.rollback_triggering_deployment_id,
        "rollbackMessage": rollback.rollback_message,
    }
    return {name: value for name, value in members.items() if value is not None}


# --- CreateDeployment -----------------------------------------------------------------------------


def create_deployment(services: CodeDeployServices, params: Params) -> Result:
    # The model first (rollwright.model_constraints), then CodeDeploy's rules.
    check_required(params, {"applicationName": ApplicationNameRequiredException})
    application_name = valid_application_name(optional_string(params, "applicationName"))
    group_name = optional_string(params, "deploymentGroupName")
    if group_name is not None:
        valid_deployment_group_name(group_name)
    revision = revision_request(optional_structure(params, "revision"))
    if revision is not None:
        check_revision_enums(revision)
    config_name = optional_string(params, "deploymentConfigName")
    if config_name is not None:
        valid_deployment_config_name(config_name)
    description = optional_string(params, "description")
    ignore_stop_failures = optional_boolean(params, "ignoreApplicationStopFailures")
    file_exists = optional_enum(
        FileExistsBehavior,
        optional_string(params, "fileExistsBehavior"),
        InvalidFileExistsBehaviorException,
        "file exists behavior",
    )
    update_outdated = optional_boolean(params, "updateOutdatedInstancesOnly")
    mode = optional_enum(
        DeploymentMode,
        optional_string(params, "deploymentMode"),
        InvalidInputException,
        "deployment mode",
    )
    target_instances = _target_instances(optional_structure(params, "targetInstances"))
    auto_rollback = _auto_rollback(optional_structure(params, "autoRollbackConfiguration"))
    alarms = _alarms(optional_structure(params, "overrideAlarmConfiguration"))
    processes = _processes(optional_structure(params, "ec2DeploymentOptions"))
    # CodeDeploy's rules.
    if group_name is None:
        raise DeploymentGroupNameRequiredException("The deployment group name is required.")
    request = CreateDeploymentRequest(
        application_name=application_name,
        deployment_group_name=group_name,
        revision=None if revision is None else valid_revision(revision, content_required=False),
        deployment_config_name=config_name,
        description=valid_description(description),
        ignore_application_stop_failures=bool(ignore_stop_failures),
        file_exists_behavior=file_exists or FileExistsBehavior.DISALLOW,
        update_outdated_instances_only=bool(update_outdated),
        auto_rollback_configuration=auto_rollback,
        override_alarm_configuration=alarms,
        target_instances=target_instances,
    )
    if mode is DeploymentMode.RESTART:
        raise InvalidInputException("deploymentMode RESTART is not supported by Rollwright yet.")
    if processes:
        raise InvalidInputException(
            "ec2DeploymentOptions.autoScalingGroupProcessesToSuspend is not supported yet."
        )
    if alarms is not None and len(alarms.alarm_names) > MAX_ALARMS:
        raise AlarmsLimitExceededException(f"At most {MAX_ALARMS} alarms may be given.")
    key = request_key(services.caller, "CreateDeployment", params)
    return {"deploymentId": services.deployments.create(request, key=key)}


def _target_instances(members: Mapping[str, Any] | None) -> TargetInstances | None:
    """``targetInstances`` with the model's types (its rules: ``blue_green_targets``)."""
    if members is None:
        return None
    error = InvalidTargetInstancesException
    tag_set = optional_structure(members, "ec2TagSet")
    groups = (tag_set or {}).get("ec2TagSetList")
    if groups is not None and not isinstance(groups, list):
        raise SerializationException("Member ec2TagSetList must be a list of tag groups")
    return TargetInstances(
        tag_filters=tag_filters_member(optional_structures(members, "tagFilters"), error) or (),
        tag_set=() if tag_set is None else tag_set_member(tag_set, "ec2TagSetList", error),
        auto_scaling_groups=tuple(optional_string_list(members, "autoScalingGroups") or ()),
    )


def _auto_rollback(members: Mapping[str, Any] | None) -> AutoRollbackConfiguration | None:
    if members is None:
        return None
    return AutoRollbackConfiguration(
        enabled=bool(optional_boolean(members, "enabled")),
        events=tuple(
            enum_value(AutoRollbackEvent, e, InvalidAutoRollbackConfigException, "rollback event")
            for e in optional_string_list(members, "events") or ()
        ),
    )


def _alarms(members: Mapping[str, Any] | None) -> AlarmConfiguration | None:
    if members is None:
        return None
    return AlarmConfiguration(
        enabled=bool(optional_boolean(members, "enabled")),
        ignore_poll_alarm_failure=bool(optional_boolean(members, "ignorePollAlarmFailure")),
        alarm_names=tuple(
            optional_string(alarm, "name") or ""
            for alarm in optional_structures(members, "alarms") or ()
        ),
    )


def _processes(members: Mapping[str, Any] | None) -> tuple[AutoScalingGroupProcess, ...]:
    names = optional_string_list(members or {}, "autoScalingGroupProcessesToSuspend") or []
    error = InvalidAutoScalingGroupProcessToSuspendException
    check_length(names, maximum=MAX_PROCESSES_TO_SUSPEND, error=error, what="processes")
    return tuple(enum_value(AutoScalingGroupProcess, n, error, "process") for n in names)


# --- reading deployments --------------------------------------------------------------------------


def _deployment_id(params: Params) -> str:
    check_required(params, {"deploymentId": DeploymentIdRequiredException})
    return optional_string(params, "deploymentId") or ""


def get_deployment(services: CodeDeployServices, params: Params) -> Result:
    deployment = services.deployments.get(_deployment_id(params))
    return {"deploymentInfo": _platform_info(services, deployment)}


def _platform_info(services: CodeDeployServices, deployment: StoredDeployment) -> Result:
    """``deployment_info`` and what only the deployment's platform knows (ECS: the group's
    blue/green configuration and load balancer info, kept on the ECS deployment item)."""
    info = deployment_info(deployment)
    ecs = services.deployments.ecs_deployments
    if deployment.choices.compute_platform is ComputePlatform.ECS and ecs is not None:
        info.update(ecs_deployment_members(ecs.record(deployment.deployment_id)))
    return info


def batch_get_deployments(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, {"deploymentIds": DeploymentIdRequiredException})
    ids = optional_string_list(params, "deploymentIds") or []
    found = services.deployments.batch_get(ids)
    return {"deploymentsInfo": [_platform_info(services, deployment) for deployment in found]}


def list_deployments(services: CodeDeployServices, params: Params) -> Result:
    application_name = optional_string(params, "applicationName")
    if application_name is not None:
        valid_application_name(application_name)
    group_name = optional_string(params, "deploymentGroupName")
    if group_name is not None:
        valid_deployment_group_name(group_name)
    statuses = frozenset(
        enum_value(DeploymentStatus, s, InvalidDeploymentStatusException, "deployment status")
        for s in optional_string_list(params, "includeOnlyStatuses") or ()
    )
    time_range = optional_structure(params, "createTimeRange") or {}
    start, end = _moment(time_range.get("start")), _moment(time_range.get("end"))
    external_id = optional_string(params, "externalId")
    next_token = optional_string(params, "nextToken")
    # CodeDeploy's rules: a group is named by both names or neither.
    if application_name is not None and group_name is None:
        raise DeploymentGroupNameRequiredException(
            "deploymentGroupName is required with applicationName."
        )
    if group_name is not None and application_name is None:
        raise ApplicationNameRequiredException(
            "applicationName is required with deploymentGroupName."
        )
    if start is not None and end is not None and start > end:
        raise InvalidTimeRangeException("The time range's start is after its end.")
    query = DeploymentQuery(
        statuses=statuses, created_after=start, created_before=end, external_id=external_id
    )
    page = services.deployments.page(application_name, group_name, query, next_token)
    result: Result = {"deployments": list(page.ids)}
    if page.next_token is not None:
        result["nextToken"] = page.next_token
    return result


def _moment(value: Any) -> datetime | None:
    """A timestamp member: epoch seconds (JSON) or a datetime (CBOR), already type-checked."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidTimeRangeException(f"The time {value!r} is out of range.") from None


OPERATIONS: dict[str, Operation] = {
    "CreateDeployment": create_deployment,
    "GetDeployment": get_deployment,
    "BatchGetDeployments": batch_get_deployments,
    "ListDeployments": list_deployments,
}
