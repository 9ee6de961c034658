"""An in-memory deployment status store with the adapter's conditional-write semantics."""

from __future__ import annotations

from collections.abc import Callable

from rollwright.deployment_status import DeploymentStatus


class InMemoryDeploymentStatusStore:
    def __init__(self, statuses: dict[str, DeploymentStatus] | None = None) -> None:
        self.statuses = dict(statuses or {})
        self.writes = 0
        # Runs between a read and the next conditional write: lets a test race the workflow.
        self.before_write: Callable[[], None] | None = None

    def status_of(self, deployment_id: str) -> DeploymentStatus | None:
        return self.statuses.get(deployment_id)

    def transition(
        self, deployment_id: str, current: DeploymentStatus, target: DeploymentStatus
    ) -> bool:
        if self.before_write is not None:
            hook, self.before_write = self.before_write, None
            hook()
        if self.statuses.get(deployment_id) is not current:
            return False
        self.statuses[deployment_id] = target
        self.writes += 1
        return True
