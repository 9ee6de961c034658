"""A Server in-place rollout: which hosts to start, in which order, and when the deployment ends.

``Rollout`` is a frozen value and a state machine: ``Rollout.start`` orders the targets and fills
the window; ``host_finished`` (and ``host_lost``, a dead host being a failed one) records one
host's result and refills the freed slot at once: a sliding window, not fixed waves. Each step
returns the next ``Rollout`` and a ``RolloutDecision``: the hosts to dispatch now, the hosts just
skipped, the outcome when the deployment has ended, and the ``DeploymentOverview`` counters.

Reports may arrive in any order and more than once: a result for a host that is not in progress
(already finished, never started, or unknown) changes nothing. The decisions themselves are the
counter functions of ``rollout_counters``, which a report handler applies to DynamoDB atomic
counters; this module adds the per-host bookkeeping and the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from rollwright.deployment_configs import MinimumHealthyHosts
from rollwright.minimum_healthy_hosts import plan_health
from rollwright.rollout_counters import (
    RolloutCounters,
    RolloutOutcome,
    apply,
    can_claim,
    claim_delta,
    initial_counters,
    result_delta,
    skip_delta,
    start_outcome,
    verdict,
)


class InstanceHealth(StrEnum):
    """Whether the host's last deployment succeeded (CodeDeploy's instance health)."""

    HEALTHY = "Healthy"
    UNHEALTHY = "Unhealthy"


class RevisionHealth(StrEnum):
    """Whether the host runs the group's target revision (CodeDeploy's revision health)."""

    CURRENT = "Current"
    OLD = "Old"
    UNKNOWN = "Unknown"


class InstanceStatus(StrEnum):
    """CodeDeploy's ``InstanceStatus`` / ``TargetStatus``."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    UNKNOWN = "Unknown"
    READY = "Ready"


ENDED_INSTANCE_STATUSES = frozenset(
    {InstanceStatus.SUCCEEDED, InstanceStatus.FAILED, InstanceStatus.SKIPPED}
)


@dataclass(frozen=True)
class RolloutTarget:
    """One host of the deployment, with what the order and the health rules need of it."""

    host_id: str
    instance_health: InstanceHealth = InstanceHealth.HEALTHY
    revision_health: RevisionHealth = RevisionHealth.UNKNOWN
    # False for a stopped EC2 instance: still targeted, but it counts as failed in health maths.
    available: bool = True

    @property
    def healthy_at_start(self) -> bool:
        return self.available and self.instance_health is InstanceHealth.HEALTHY


_REVISION_RANK = {RevisionHealth.UNKNOWN: 0, RevisionHealth.OLD: 1, RevisionHealth.CURRENT: 2}


def deployment_order(targets: Sequence[RolloutTarget]) -> tuple[RolloutTarget, ...]:
    """Unhealthy hosts first (so the ones that failed last time go first), then by revision:
    Unknown, Old, Current; the host id breaks ties so that every retry orders alike."""
    return tuple(
        sorted(
            targets,
            key=lambda t: (t.healthy_at_start, _REVISION_RANK[t.revision_health], t.host_id),
        )
    )


@dataclass(frozen=True)
class DeploymentOverview:
    """CodeDeploy's ``DeploymentOverview`` counters."""

    pending: int = 0
    in_progress: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    ready: int = 0  # blue/green only; an in-place rollout never has Ready hosts


def overview_of(counters: RolloutCounters) -> DeploymentOverview:
    return DeploymentOverview(
        pending=counters.pending,
        in_progress=counters.in_progress,
        succeeded=counters.succeeded,
        failed=counters.failed,
        skipped=counters.skipped,
    )


@dataclass(frozen=True)
class RolloutDecision:
    """What the workflow does after a step."""

    overview: DeploymentOverview
    start: tuple[str, ...] = ()  # host ids to dispatch now, in deployment order
    skipped: tuple[str, ...] = ()  # host ids this step marked Skipped
    outcome: RolloutOutcome | None = None  # set once the deployment has ended

    @property
    def finished(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class Rollout:
    targets: tuple[RolloutTarget, ...]  # in deployment order
    statuses: tuple[InstanceStatus, ...]  # one per target
    counters: RolloutCounters
    outcome: RolloutOutcome | None = None

    @classmethod
    def start(
        cls, targets: Sequence[RolloutTarget], rule: MinimumHealthyHosts
    ) -> tuple[Rollout, RolloutDecision]:
        """Order the targets, check the health constraints, and start the first window."""
        ordered = deployment_order(targets)
        host_ids = [t.host_id for t in ordered]
        if len(set(host_ids)) != len(host_ids):
            raise ValueError("a deployment targets each host once")
        plan = plan_health(rule, len(ordered))
        healthy = sum(t.healthy_at_start for t in ordered)
        rollout = cls(
            targets=ordered,
            statuses=(InstanceStatus.PENDING,) * len(ordered),
            counters=initial_counters(plan, healthy=healthy, unhealthy=len(ordered) - healthy),
        )
        ended = start_outcome(plan, available=sum(t.available for t in ordered))
        if ended is not None:
            return rollout._end(ended, started=())
        return rollout._advance()

    @property
    def overview(self) -> DeploymentOverview:
        return overview_of(self.counters)

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def status_of(self, host_id: str) -> InstanceStatus:
        return self.statuses[self._index(host_id)]

    def hosts_with(self, status: InstanceStatus) -> tuple[str, ...]:
        return tuple(
            t.host_id for t, s in zip(self.targets, self.statuses, strict=True) if s is status
        )

    def host_finished(self, host_id: str, *, succeeded: bool) -> tuple[Rollout, RolloutDecision]:
        """Record a host's result and refill the window; a repeated or stray result is a no-op."""
        index = self._find(host_id)
        if index is None or self.statuses[index] is not InstanceStatus.IN_PROGRESS:
            return self, self._unchanged()
        status = InstanceStatus.SUCCEEDED if succeeded else InstanceStatus.FAILED
        recorded = replace(
            self,
            statuses=_with(self.statuses, index, status),
            counters=apply(self.counters, result_delta(succeeded=succeeded)),
        )
        return recorded._advance()

    def host_lost(self, host_id: str) -> tuple[Rollout, RolloutDecision]:
        """A host that stopped heart-beating or never picked up its command has failed."""
        return self.host_finished(host_id, succeeded=False)

    # --- steps ------------------------------------------------------------------------------

    def _advance(self) -> tuple[Rollout, RolloutDecision]:
        statuses = list(self.statuses)
        counters = self.counters
        started: list[str] = []
        for index, target in enumerate(self.targets):
            if statuses[index] is not InstanceStatus.PENDING:
                continue
            # Strict order: a host that may not start holds back every host behind it.
            if not can_claim(counters, host_is_healthy=target.healthy_at_start):
                break
            counters = apply(counters, claim_delta(host_is_healthy=target.healthy_at_start))
            statuses[index] = InstanceStatus.IN_PROGRESS
            started.append(target.host_id)
        advanced = replace(self, statuses=tuple(statuses), counters=counters)
        ended = verdict(counters)
        if ended is not None:
            return advanced._end(ended, started=tuple(started))
        return advanced, RolloutDecision(overview=advanced.overview, start=tuple(started))

    def _end(
        self, outcome: RolloutOutcome, *, started: tuple[str, ...]
    ) -> tuple[Rollout, RolloutDecision]:
        skipped = self.hosts_with(InstanceStatus.PENDING)
        ended = replace(
            self,
            statuses=tuple(
                InstanceStatus.SKIPPED if s is InstanceStatus.PENDING else s for s in self.statuses
            ),
            counters=apply(self.counters, skip_delta(self.counters)),
            outcome=outcome,
        )
        decision = RolloutDecision(
            overview=ended.overview, start=started, skipped=skipped, outcome=outcome
        )
        return ended, decision

    def _unchanged(self) -> RolloutDecision:
        return RolloutDecision(overview=self.overview, outcome=self.outcome)

    def _find(self, host_id: str) -> int | None:
        for index, target in enumerate(self.targets):
            if target.host_id == host_id:
                return index
        return None

    def _index(self, host_id: str) -> int:
        index = self._find(host_id)
        if index is None:
            raise KeyError(f"host {host_id} is not a target of this rollout")
        return index


def _with(
    statuses: tuple[InstanceStatus, ...], index: int, status: InstanceStatus
) -> tuple[InstanceStatus, ...]:
    return (*statuses[:index], status, *statuses[index + 1 :])
