"""In-memory stand-ins for StopDeployment's store and the rollout it settles."""

from __future__ import annotations

from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus


class InMemoryStopStore:
    """Deployments by id with their status and hosts in progress; records each stop request."""

    def __init__(self) -> None:
        self.statuses: dict[str, DeploymentStatus] = {}
        self.in_progress: dict[str, int] = {}
        self.stops: dict[str, bool] = {}
        self.alarms: dict[str, str] = {}  # deployment id -> the alarm that stopped it
        self.platforms: dict[str, ComputePlatform] = {}  # Server unless set

    def request_stop(
        self,
        deployment_id: str,
        *,
        auto_rollback_enabled: bool,
        now: float,
        alarm: str | None = None,
    ) -> int | None:
        if self.statuses.get(deployment_id) not in {
            DeploymentStatus.CREATED,
            DeploymentStatus.QUEUED,
            DeploymentStatus.IN_PROGRESS,
        }:
            return None
        self.stops.setdefault(deployment_id, auto_rollback_enabled)
        if alarm is not None:
            self.alarms.setdefault(deployment_id, alarm)
        return self.in_progress.get(deployment_id, 0)

    def status_of(self, deployment_id: str) -> DeploymentStatus | None:
        return self.statuses.get(deployment_id)

    def compute_platform(self, deployment_id: str) -> ComputePlatform | None:
        if deployment_id not in self.statuses:
            return None
        return self.platforms.get(deployment_id, ComputePlatform.SERVER)


class RecordingRollout:
    def __init__(self) -> None:
        self.settled: list[str] = []

    def settle_stop(self, deployment_id: str, *, now: float) -> None:
        self.settled.append(deployment_id)
