"""The workflow's steps: one function per Task state, each retry-safe."""

from __future__ import annotations

from typing import Any, Protocol

from rollwright.deployment_status import DeploymentStatus, decide_start


class DeploymentStatusStore(Protocol):
    def status_of(self, deployment_id: str) -> DeploymentStatus | None: ...

    def transition(
        self, deployment_id: str, current: DeploymentStatus, target: DeploymentStatus
    ) -> bool: ...


def begin(store: DeploymentStatusStore, deployment_id: str) -> dict[str, Any]:
    """Move a new deployment to InProgress; the state machine fails when it cannot start.

    A concurrent change between the read and the conditional write (a stop, say) is settled by
    deciding again on the fresh status, so the answer always reflects what is stored.
    """
    for _ in range(3):
        current = store.status_of(deployment_id)
        decision = decide_start(deployment_id, current)
        if not decision.proceed:
            return {"deploymentId": deployment_id, "status": "Failed", "message": decision.message}
        if not decision.write or (
            current is not None
            and store.transition(deployment_id, current, DeploymentStatus.IN_PROGRESS)
        ):
            return {"deploymentId": deployment_id, "status": DeploymentStatus.IN_PROGRESS.value}
    return {
        "deploymentId": deployment_id,
        "status": "Failed",
        "message": f"Deployment {deployment_id} kept changing while the workflow started it.",
    }
