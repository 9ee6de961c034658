"""A deployment's targets: ListDeploymentTargets, BatchGetDeploymentTargets, GetDeploymentTarget,
and the deprecated ListDeploymentInstances, BatchGetDeploymentInstances, GetDeploymentInstance."""

from __future__ import annotations

from rollwright.deployment_records import StoredTarget
from rollwright.deployment_requests import BATCH_GET_LIMIT
from rollwright.ecs_deployments import EcsTarget, ecs_events
from rollwright.errors import (
    BatchLimitExceededException,
    DeploymentIdRequiredException,
    DeploymentTargetDoesNotExistException,
    DeploymentTargetIdRequiredException,
    DeploymentTargetListSizeExceededException,
    InstanceDoesNotExistException,
    InstanceIdRequiredException,
    InvalidDeploymentTargetIdException,
    InvalidInstanceNameException,
    InvalidInstanceStatusException,
    InvalidInstanceTypeException,
    InvalidTargetFilterNameException,
)
from rollwright.lambda_deployments import LambdaTarget, lambda_events
from rollwright.lifecycle_segments import InstanceLifecycleEvent
from rollwright.model_constraints import check_required, enum_value
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import optional_string, optional_string_list
from rollwright.rollout import InstanceStatus

_TARGET_FILTERS = ("TargetStatus", "ServerInstanceLabel")
_INSTANCE_LABELS = ("Blue", "Green")


def lifecycle_event(event: InstanceLifecycleEvent) -> Result:
    """A ``LifecycleEvent`` shape."""
    shown: Result = {"lifecycleEventName": event.name.value, "status": event.status.value}
    if event.start_time is not None:
        shown["startTime"] = event.start_time
    if event.end_time is not None:
        shown["endTime"] = event.end_time
    if event.diagnostics is not None:
        shown["diagnostics"] = {
            "errorCode": event.diagnostics.error_code.value,
            "scriptName": event.diagnostics.script_name,
            "message": event.diagnostics.message,
            "logTail": event.diagnostics.log_tail,
        }
    return shown


def lambda_target(target: LambdaTarget) -> Result:
    """A ``DeploymentTarget`` shape of a Lambda deployment: its ``LambdaTarget``."""
    record = target.record
    return {
        "deploymentTargetType": "LambdaTarget",
        "lambdaTarget": {
            "deploymentId": record.deployment_id,
            "targetId": target.target_id,
            "targetArn": target.target_arn,
            "status": record.target_status.value,
            "lastUpdatedAt": record.last_updated,
            "lifecycleEvents": [lifecycle_event(event) for event in lambda_events(record)],
            "lambdaFunctionInfo": {
                "functionName": record.function_name,
                "functionAlias": record.alias,
                "currentVersion": record.current_version,
                "targetVersion": record.target_version,
                "targetVersionWeight": float(record.target_weight),
            },
        },
    }


def ecs_target(target: EcsTarget) -> Result:
    """A ``DeploymentTarget`` shape of an ECS deployment: its ``ECSTarget`` with the task sets
    (``identifer`` is the model's own spelling)."""
    record = target.record
    task_sets = []
    for info in target.task_sets:
        shown: Result = {
            "identifer": info.task_set.task_set_id,
            "desiredCount": info.task_set.desired_count,
            "pendingCount": info.task_set.pending_count,
            "runningCount": info.task_set.running_count,
            "status": info.task_set.status,
            "trafficWeight": info.traffic_weight,
            "taskSetLabel": info.label.value,
        }
        if info.target_group_name is not None:
            shown["targetGroup"] = {"name": info.target_group_name}
        task_sets.append(shown)
    return {
        "deploymentTargetType": "ECSTarget",
        "ecsTarget": {
            "deploymentId": record.deployment_id,
            "targetId": target.target_id,
            "targetArn": target.target_arn,
            "lastUpdatedAt": record.last_updated,
            "lifecycleEvents": [lifecycle_event(event) for event in ecs_events(record)],
            "status": record.target_status.value,
            "taskSetsInfo": task_sets,
        },
    }


def deployment_target(
    services: CodeDeployServices, target: StoredTarget | LambdaTarget | EcsTarget
) -> Result:
    """A ``DeploymentTarget`` shape: an ``InstanceTarget``, with its ``instanceLabel`` in a
    blue/green deployment (in-place targets have none)."""
    if isinstance(target, LambdaTarget):
        return lambda_target(target)
    if isinstance(target, EcsTarget):
        return ecs_target(target)
    instance: Result = {
        "deploymentId": target.deployment_id,
        "targetId": target.instance_name,
        "targetArn": services.deployments.target_arn(target),
        "status": target.status.value,
        "lastUpdatedAt": target.last_updated_at,
        "lifecycleEvents": [lifecycle_event(event) for event in target.lifecycle_events],
    }
    if target.instance_label is not None:
        instance["instanceLabel"] = target.instance_label.value
    return {"deploymentTargetType": "InstanceTarget", "instanceTarget": instance}


def instance_summary(target: StoredTarget) -> Result:
    """The deprecated ``InstanceSummary`` shape."""
    return {
        "deploymentId": target.deployment_id,
        "instanceId": target.instance_name,
        "status": target.status.value,
        "lastUpdatedAt": target.last_updated_at,
        "lifecycleEvents": [lifecycle_event(event) for event in target.lifecycle_events],
    }


def _statuses(values: list[str] | None) -> frozenset[InstanceStatus]:
    return frozenset(
        enum_value(InstanceStatus, v, InvalidInstanceStatusException, "target status")
        for v in values or ()
    )


def _labels(values: list[str] | None) -> tuple[str, ...]:
    for value in values or ():
        if value not in _INSTANCE_LABELS:
            raise InvalidInstanceTypeException(
                f"The instance label {value!r} is not Blue or Green."
            )
    return tuple(values or ())


def list_deployment_targets(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, {"deploymentId": DeploymentIdRequiredException})
    deployment_id = optional_string(params, "deploymentId") or ""
    next_token = optional_string(params, "nextToken")
    filters = params.get("targetFilters") or {}
    for name in filters:
        if name not in _TARGET_FILTERS:
            raise InvalidTargetFilterNameException(
                f"The target filter {name!r} is not valid: use TargetStatus or ServerInstanceLabel."
            )
    statuses = _statuses(optional_string_list(filters, "TargetStatus"))
    labels = _labels(optional_string_list(filters, "ServerInstanceLabel"))
    targets, token = services.deployments.targets_page(deployment_id, statuses, next_token)
    # A page filtered by label may come out short; its token still leads to the rest.
    result: Result = {"targetIds": [_target_id(t) for t in targets if _labelled(t, labels)]}
    if token is not None:
        result["nextToken"] = token
    return result


def _labelled(target: StoredTarget | LambdaTarget | EcsTarget, labels: tuple[str, ...]) -> bool:
    """Whether a target passes the ServerInstanceLabel filter: only instance targets of a
    blue/green deployment carry a label, so a label filter matches no other target."""
    if not labels:
        return True
    label = target.instance_label if isinstance(target, StoredTarget) else None
    return label is not None and label.value in labels


def _target_id(target: StoredTarget | LambdaTarget | EcsTarget) -> str:
    return target.instance_name if isinstance(target, StoredTarget) else target.target_id


def _instances(
    targets: list[StoredTarget] | list[LambdaTarget] | list[EcsTarget],
) -> list[StoredTarget]:
    """The deprecated instance operations see EC2 and on-premises targets only."""
    return [t for t in targets if isinstance(t, StoredTarget)]


def _target_ids(params: Params, member: str) -> list[str]:
    return optional_string_list(params, member) or []


def batch_get_deployment_targets(services: CodeDeployServices, params: Params) -> Result:
    check_required(
        params,
        {
            "deploymentId": DeploymentIdRequiredException,
            "targetIds": DeploymentTargetIdRequiredException,
        },
    )
    deployment_id = optional_string(params, "deploymentId") or ""
    target_ids = _target_ids(params, "targetIds")
    if len(target_ids) > BATCH_GET_LIMIT:
        raise DeploymentTargetListSizeExceededException(
            f"At most {BATCH_GET_LIMIT} target IDs per call, got {len(target_ids)}."
        )
    if not target_ids:
        raise DeploymentTargetIdRequiredException("At least one target ID is required.")
    targets = services.deployments.targets(deployment_id, target_ids)
    return {"deploymentTargets": [deployment_target(services, t) for t in targets]}


def get_deployment_target(services: CodeDeployServices, params: Params) -> Result:
    check_required(
        params,
        {
            "deploymentId": DeploymentIdRequiredException,
            "targetId": DeploymentTargetIdRequiredException,
        },
    )
    deployment_id = optional_string(params, "deploymentId") or ""
    target_id = optional_string(params, "targetId") or ""
    (target,) = services.deployments.targets(deployment_id, [target_id])
    return {"deploymentTarget": deployment_target(services, target)}


# --- deprecated -----------------------------------------------------------------------------------


def list_deployment_instances(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, {"deploymentId": DeploymentIdRequiredException})
    deployment_id = optional_string(params, "deploymentId") or ""
    next_token = optional_string(params, "nextToken")
    statuses = _statuses(optional_string_list(params, "instanceStatusFilter"))
    labels = tuple(optional_string_list(params, "instanceTypeFilter") or ())
    for label in labels:
        enum_value_of_label(label)
    targets, token = services.deployments.targets_page(deployment_id, statuses, next_token)
    result: Result = {
        "instancesList": [t.instance_name for t in _instances(targets) if _labelled(t, labels)]
    }
    if token is not None:
        result["nextToken"] = token
    return result


def enum_value_of_label(label: str) -> str:
    if label not in _INSTANCE_LABELS:
        raise InvalidInstanceTypeException(f"The instance type {label!r} is not Blue or Green.")
    return label


def batch_get_deployment_instances(services: CodeDeployServices, params: Params) -> Result:
    check_required(
        params,
        {"deploymentId": DeploymentIdRequiredException, "instanceIds": InstanceIdRequiredException},
    )
    deployment_id = optional_string(params, "deploymentId") or ""
    instance_ids = _target_ids(params, "instanceIds")
    if len(instance_ids) > BATCH_GET_LIMIT:
        raise BatchLimitExceededException(
            f"At most {BATCH_GET_LIMIT} instance IDs per call, got {len(instance_ids)}."
        )
    found, missing = [], []
    for instance_id in dict.fromkeys(instance_ids):
        try:
            found += _instances(
                services.deployments.targets(deployment_id, [instance_id], must_have_started=False)
            )
        except (DeploymentTargetDoesNotExistException, InvalidDeploymentTargetIdException):
            missing.append(instance_id)
    result: Result = {"instancesSummary": [instance_summary(t) for t in found]}
    if missing:
        result["errorMessage"] = f"Not targets of deployment {deployment_id}: {', '.join(missing)}"
    return result


def get_deployment_instance(services: CodeDeployServices, params: Params) -> Result:
    check_required(
        params,
        {"deploymentId": DeploymentIdRequiredException, "instanceId": InstanceIdRequiredException},
    )
    deployment_id = optional_string(params, "deploymentId") or ""
    instance_id = optional_string(params, "instanceId") or ""
    try:
        found = _instances(
            services.deployments.targets(deployment_id, [instance_id], must_have_started=False)
        )
        if not found:
            raise DeploymentTargetDoesNotExistException(
                f"{instance_id} is not an instance of deployment {deployment_id}."
            )
        target = found[0]
    except DeploymentTargetDoesNotExistException as missing:
        raise InstanceDoesNotExistException(missing.message) from None
    except InvalidDeploymentTargetIdException as invalid:
        raise InvalidInstanceNameException(invalid.message) from None
    return {"instanceSummary": instance_summary(target)}


OPERATIONS: dict[str, Operation] = {
    "ListDeploymentTargets": list_deployment_targets,
    "BatchGetDeploymentTargets": batch_get_deployment_targets,
    "GetDeploymentTarget": get_deployment_target,
    "ListDeploymentInstances": list_deployment_instances,
    "BatchGetDeploymentInstances": batch_get_deployment_instances,
    "GetDeploymentInstance": get_deployment_instance,
}
