"""The workflow's steps: one function per Task state, each retry-safe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from rollwright.deployment_status import DeploymentStatus, decide_start
from rollwright.workflow_answers import BLUE_GREEN_ERROR, START_FAILED_ERROR


class DeploymentStatusStore(Protocol):
    def status_of(self, deployment_id: str) -> DeploymentStatus | None: ...

    def transition(
        self, deployment_id: str, current: DeploymentStatus, target: DeploymentStatus
    ) -> bool: ...


class WaitFailures(Protocol):
    def fail(self, token: str, error: str, cause: str) -> bool: ...


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


def rollout_wait(
    store: DeploymentStatusStore,
    deployment_id: str,
    token: str,
    *,
    tokens: WaitFailures,
    before_first_pass: Callable[[], bool],
    dispatch: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """A Server wait for the hosts (``rollout``): begin the deployment if it has not begun, then
    ``dispatch`` (keep the token, start the first window).

    Every wait begins, not only the first: a first wait may time out (the sweep follows) before
    its step began the deployment, and the next wait's step must not find it unbegun. A
    deployment that cannot start fails the wait with ``START_FAILED_ERROR`` and the reason; a
    blue/green one before its first pass with ``BLUE_GREEN_ERROR`` (the machine goes on to the
    blue/green steps). Neither keeps the token.

    A step can also run late: a wait's timeout does not cancel its Lambda invocation, so the step
    of a wait the workflow already left may run once the deployment is in its blue/green ready
    wait. It must change nothing then (``begin`` would move Ready back to InProgress, and the
    deployment would never show Ready nor end on a stop); its token is dead already.
    """
    if store.status_of(deployment_id) is DeploymentStatus.READY:
        return {"deploymentId": deployment_id, "status": DeploymentStatus.READY.value, "late": True}
    begun = begin(store, deployment_id)
    if begun["status"] != DeploymentStatus.IN_PROGRESS.value:
        tokens.fail(token, START_FAILED_ERROR, begun["message"])
        return begun
    if before_first_pass():
        tokens.fail(token, BLUE_GREEN_ERROR, "An EC2 blue/green deployment: its passes follow.")
        return {**begun, "blueGreen": True}
    return dispatch()
