"""StopDeployment."""

from __future__ import annotations

from rollwright.errors import DeploymentIdRequiredException
from rollwright.model_constraints import check_required
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import optional_boolean, optional_string


def stop_deployment(services: CodeDeployServices, params: Params) -> Result:
    check_required(params, {"deploymentId": DeploymentIdRequiredException})
    deployment_id = optional_string(params, "deploymentId") or ""
    auto_rollback_enabled = bool(optional_boolean(params, "autoRollbackEnabled"))
    answer = services.deployment_stops.stop(
        deployment_id, auto_rollback_enabled=auto_rollback_enabled
    )
    return {"status": answer.status.value, "statusMessage": answer.message}


OPERATIONS: dict[str, Operation] = {"StopDeployment": stop_deployment}
