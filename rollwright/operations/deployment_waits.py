"""ContinueDeployment: end a blue/green deployment's wait early.

``deploymentWaitType`` READY_WAIT (the default: start rerouting production traffic, for a
deployment whose group's deploymentReadyOption is STOP_DEPLOYMENT) or TERMINATION_WAIT (end the
wait before the original task set or instances are terminated). Each compute platform that waits
answers for its own deployments (``DeploymentWaits``): ECS (``EcsDeployments``) and Server (EC2
blue/green: ``blue_green_continue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

from rollwright.applications import ComputePlatform
from rollwright.errors import (
    DeploymentAlreadyCompletedException,
    DeploymentIdRequiredException,
    InvalidDeploymentWaitTypeException,
    UnsupportedActionForDeploymentTypeException,
)
from rollwright.model_constraints import optional_enum
from rollwright.operations.shapes import CodeDeployServices, Operation, Params, Result
from rollwright.request_members import optional_string


class DeploymentWaitType(StrEnum):
    READY_WAIT = "READY_WAIT"
    TERMINATION_WAIT = "TERMINATION_WAIT"


class WaitingDeployments(Protocol):
    def continue_deployment(self, deployment_id: str, wait_type: str) -> None:
        """End the deployment's wait of this type (CodeDeploy's exceptions otherwise)."""


def waiting_platforms(services: CodeDeployServices) -> Mapping[ComputePlatform, WaitingDeployments]:
    """The platforms whose deployments wait for ContinueDeployment."""
    ecs = services.deployments.ecs_deployments
    platforms: dict[ComputePlatform, WaitingDeployments] = {}
    if ecs is not None:
        platforms[ComputePlatform.ECS] = ecs
    if services.blue_green_waits is not None:
        platforms[ComputePlatform.SERVER] = services.blue_green_waits
    return platforms


def continue_deployment(services: CodeDeployServices, params: Params) -> Result:
    # The model first (every member is optional; the wait type is an enum), then CodeDeploy's
    # rules.
    deployment_id = optional_string(params, "deploymentId")
    wait_type = optional_enum(
        DeploymentWaitType,
        optional_string(params, "deploymentWaitType"),
        InvalidDeploymentWaitTypeException,
        "deployment wait type",
    )
    if not deployment_id:
        raise DeploymentIdRequiredException("The deployment ID is required.")
    deployment = services.deployments.get(deployment_id)
    platform = deployment.choices.compute_platform
    waiting = waiting_platforms(services).get(platform)
    if waiting is None:
        raise UnsupportedActionForDeploymentTypeException(
            f"ContinueDeployment is not supported for {platform} deployment {deployment_id}: it "
            "has no wait to end."
        )
    if deployment.status.is_terminal:
        raise DeploymentAlreadyCompletedException(
            f"The deployment {deployment_id} has already completed ({deployment.status.value})."
        )
    waiting.continue_deployment(deployment_id, (wait_type or DeploymentWaitType.READY_WAIT).value)
    return {}


OPERATIONS: dict[str, Operation] = {"ContinueDeployment": continue_deployment}
