"""What the Server rollout tells its workflow: the errors its waits fail with by name, the answer
to a wait, the time an in-place rollout may last, and the final status of a failed workflow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollwright.deployment_status import DeploymentStatus
from rollwright.rollout_counters import RolloutErrorCode, RolloutOutcome
from rollwright.rollout_store import DeploymentRecord, FinalStatus

TIMEOUT_ERROR = "States.Timeout"
# The errors the workflow's first wait fails with, answered by the wait's own step (the state
# machine catches each by name): the deployment cannot start (DeploymentStartFailed, as every
# platform's machine fails then), or it is blue/green, whose passes run this rollout.
START_FAILED_ERROR = "DeploymentStartFailed"
BLUE_GREEN_ERROR = "Rollwright.BlueGreen"
# Reference §9: an in-place EC2 deployment lasts at most 8 hours.
ROLLOUT_TIMEOUT_SECONDS = 8 * 3600
ROLLOUT_TIMED_OUT = RolloutOutcome(
    DeploymentStatus.FAILED,
    RolloutErrorCode.TIMEOUT,
    "The deployment did not finish within the time allowed for it.",
)


def overran(deployment: DeploymentRecord, *, now: float) -> bool:
    """An in-place rollout still under way past its time (a blue/green pass has no bound of its
    own)."""
    return (
        deployment.outcome is None
        and deployment.status is DeploymentStatus.IN_PROGRESS
        and not deployment.blue_green
        and deployment.start_time is not None
        and now - deployment.start_time > ROLLOUT_TIMEOUT_SECONDS
    )


def outcome_document(deployment: DeploymentRecord) -> dict[str, Any]:
    outcome = deployment.outcome
    assert outcome is not None
    return {"deploymentId": deployment.deployment_id, "rolloutStatus": outcome.status.value}


def workflow_failure(error: Mapping[str, Any] | None) -> FinalStatus:
    name = str((error or {}).get("Error", ""))
    if name == TIMEOUT_ERROR:
        return FinalStatus(
            DeploymentStatus.FAILED,
            "TIMEOUT",
            "The deployment did not finish within the time allowed for it.",
        )
    return FinalStatus(
        DeploymentStatus.FAILED,
        "INTERNAL_ERROR",
        f"The deployment workflow failed: {name or 'unknown error'}.",
    )
