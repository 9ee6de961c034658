"""ContinueDeployment for EC2 blue/green deployments: end the ready wait (reroute now) or the
termination wait (terminate blue now).

The workflow waits with a task token (``blue_green_rollout``); ContinueDeployment takes that
token from the deployment, once, and answers it. The wrong wait type, a deployment that is not
waiting, or one that has ended gets CodeDeploy's exception and changes nothing.
"""

from __future__ import annotations

from typing import Protocol

from rollwright.blue_green_waits import BlueGreenWait, DeploymentWaitType, continue_refusal
from rollwright.errors import (
    DeploymentIsNotInReadyStateException,
    InvalidDeploymentWaitTypeException,
)
from rollwright.rollout_store import TaskTokens


class BlueGreenWaitStore(Protocol):
    def waiting(self, deployment_id: str) -> BlueGreenWait: ...

    def take_wait_token(self, deployment_id: str, wait: BlueGreenWait) -> str | None:
        """End the wait and hand out its token, once; None if it is not (or no longer) under
        way or its token is not stored yet."""
        ...


class BlueGreenContinues:
    def __init__(self, store: BlueGreenWaitStore, tokens: TaskTokens) -> None:
        self._store = store
        self._tokens = tokens

    def continue_deployment(self, deployment_id: str, wait_type: str) -> None:
        waiting = self._store.waiting(deployment_id)
        refusal = continue_refusal(DeploymentWaitType(wait_type), waiting)
        if refusal is not None:
            if waiting is BlueGreenWait.NONE:
                raise DeploymentIsNotInReadyStateException(f"Deployment {deployment_id}: {refusal}")
            raise InvalidDeploymentWaitTypeException(f"Deployment {deployment_id}: {refusal}")
        token = self._store.take_wait_token(deployment_id, waiting)
        if token is None:
            raise DeploymentIsNotInReadyStateException(
                f"Deployment {deployment_id} is not ready to continue yet; try again shortly."
            )
        self._tokens.succeed(token, {"continued": wait_type})
