"""PutLifecycleEventHookExecutionStatus: a Lambda (or ECS) hook function's verdict."""

from __future__ import annotations

from rollwright.errors import (
    DeploymentIdRequiredException,
    InvalidLifecycleEventHookExecutionIdException,
    InvalidLifecycleEventHookExecutionStatusException,
    UnsupportedActionForDeploymentTypeException,
)
from rollwright.lifecycle import LifecycleEventStatus
from rollwright.model_constraints import optional_enum
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import optional_string


def put_lifecycle_event_hook_execution_status(
    services: CodeDeployServices, params: Params
) -> Result:
    # The model first: every member is optional; status is one of LifecycleEventStatus.
    deployment_id = optional_string(params, "deploymentId")
    execution_id = optional_string(params, "lifecycleEventHookExecutionId")
    status = optional_enum(
        LifecycleEventStatus,
        optional_string(params, "status"),
        InvalidLifecycleEventHookExecutionStatusException,
        "lifecycle event status",
    )
    # CodeDeploy's rules.
    if not deployment_id:
        raise DeploymentIdRequiredException("The deployment ID is required.")
    if not execution_id:
        raise InvalidLifecycleEventHookExecutionIdException(
            "The lifecycle event hook execution ID is required."
        )
    if status is None:
        raise InvalidLifecycleEventHookExecutionStatusException(
            "The status is required: Succeeded or Failed."
        )
    ecs = services.deployments.ecs_deployments
    if ecs is not None and (answered := ecs.put_hook_status(deployment_id, execution_id, status)):
        return {"lifecycleEventHookExecutionId": answered}
    hooks = services.deployments.lambda_deployments
    if hooks is None:
        raise UnsupportedActionForDeploymentTypeException(
            "This installation runs no Lambda deployments."
        )
    answered = hooks.put_hook_status(deployment_id, execution_id, status.value)
    return {"lifecycleEventHookExecutionId": answered}


OPERATIONS: dict[str, Operation] = {
    "PutLifecycleEventHookExecutionStatus": put_lifecycle_event_hook_execution_status,
}
