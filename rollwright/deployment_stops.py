"""StopDeployment: a stop recorded on an active deployment, honoured by its rollout.

The stop is one conditional write on the deployment item (only while it is Created, Queued or
InProgress and its rollout has not ended), so a stop and the rollout's end cannot both win. From
then on no host is claimed (the claim's condition), hosts in progress end with their current
segment, and once none is in progress the rollout ends Stopped with MANUAL_STOP
(``server_rollout``). The answer is ``Pending`` while hosts are still running their events and
``Succeeded`` when none was: the rollout is then ended at once. ``autoRollbackEnabled`` is kept
for the rollback decision.

Deployments of the other compute platforms stop their own way: ``DeploymentStops`` looks up the
deployment's platform once and hands StopDeployment and alarm stops to the ``PlatformStops``
registered for it (Lambda: ``lambda_deployments``, traffic back at once; ECS plugs in the same
way); Server deployments, and any platform without one, stop as above.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus
from rollwright.deployments import deployment_does_not_exist, valid_deployment_id
from rollwright.errors import DeploymentAlreadyCompletedException


class StopStatus(StrEnum):
    PENDING = "Pending"
    SUCCEEDED = "Succeeded"


@dataclass(frozen=True)
class StopAnswer:
    status: StopStatus
    message: str


class StopStore(Protocol):
    def request_stop(
        self,
        deployment_id: str,
        *,
        auto_rollback_enabled: bool,
        now: float,
        alarm: str | None = None,
    ) -> int | None:
        """Record the stop on an active deployment (the first request's settings are kept; an
        ``alarm`` stop names the alarm): the number of hosts in progress then, or None when the
        deployment is not active."""
        ...

    def status_of(self, deployment_id: str) -> DeploymentStatus | None: ...

    def compute_platform(self, deployment_id: str) -> ComputePlatform | None:
        """The deployment's compute platform; None when there is no such deployment."""
        ...


class StoppableRollout(Protocol):
    def settle_stop(self, deployment_id: str, *, now: float) -> None:
        """End the rollout now if nothing is in progress."""
        ...


class PlatformStops(Protocol):
    """How deployments of one compute platform stop (Lambda, ECS: their traffic goes back)."""

    def stop(self, deployment_id: str, *, auto_rollback_enabled: bool) -> StopAnswer:
        """StopDeployment; ``DeploymentAlreadyCompletedException`` once it has ended."""
        ...

    def stop_on_alarm(self, deployment_id: str, alarm: str) -> bool:
        """Stop it because ``alarm`` is in ALARM (Stopped, ALARM_ACTIVE); False if it was not
        active."""
        ...


class EndedDeploymentRollbacks(Protocol):
    def after_end(self, deployment_id: str, *, stop_rollback: bool | None = None) -> object:
        """Roll back (or record why not) a deployment that has just ended
        (``deployment_rollbacks``)."""
        ...


class DeploymentStops:
    def __init__(
        self,
        store: StopStore,
        rollout: StoppableRollout,
        *,
        clock: Callable[[], float],
        platforms: Mapping[ComputePlatform, PlatformStops] | None = None,
        rollbacks: EndedDeploymentRollbacks | None = None,
    ) -> None:
        """``rollbacks``: called once a platform's stop has ended a deployment (its workflow,
        which would have, is stopped with it); Server deployments roll back from their
        workflow's finish."""
        self._store = store
        self._rollout = rollout
        self._clock = clock
        self._platforms = dict(platforms or {})
        self._rollbacks = rollbacks

    def _platform_stops(self, deployment_id: str) -> PlatformStops | None:
        if not self._platforms:
            return None
        platform = self._store.compute_platform(deployment_id)
        return None if platform is None else self._platforms.get(platform)

    def stop(self, deployment_id: str, *, auto_rollback_enabled: bool) -> StopAnswer:
        valid_deployment_id(deployment_id)
        if (platform := self._platform_stops(deployment_id)) is not None:
            answer = platform.stop(deployment_id, auto_rollback_enabled=auto_rollback_enabled)
            if self._rollbacks is not None:
                self._rollbacks.after_end(deployment_id, stop_rollback=auto_rollback_enabled)
            return answer
        now = self._clock()
        in_progress = self._store.request_stop(
            deployment_id, auto_rollback_enabled=auto_rollback_enabled, now=now
        )
        if in_progress is None:
            status = self._store.status_of(deployment_id)
            if status is None:
                raise deployment_does_not_exist(deployment_id)
            raise DeploymentAlreadyCompletedException(
                f"The deployment {deployment_id} has already completed ({status.value})."
            )
        if in_progress > 0:
            return StopAnswer(
                StopStatus.PENDING,
                f"Stopping: {in_progress} instance(s) are finishing their current lifecycle "
                "events; no further instance will be started.",
            )
        self._rollout.settle_stop(deployment_id, now=now)
        return StopAnswer(StopStatus.SUCCEEDED, "The deployment was stopped.")

    def stop_on_alarm(self, deployment_id: str, alarm: str) -> bool:
        """Stop an active deployment because ``alarm`` is in ALARM (it ends Stopped with
        ALARM_ACTIVE once its running hosts finish; other platforms as theirs says); False if it
        was not active."""
        if (platform := self._platform_stops(deployment_id)) is not None:
            stopped = platform.stop_on_alarm(deployment_id, alarm)
            if stopped and self._rollbacks is not None:
                self._rollbacks.after_end(deployment_id)
            return stopped
        now = self._clock()
        in_progress = self._store.request_stop(
            deployment_id, auto_rollback_enabled=False, now=now, alarm=alarm
        )
        if in_progress is None:
            return False
        if in_progress == 0:
            self._rollout.settle_stop(deployment_id, now=now)
        return True
