"""The rollout as counters: the form a report handler applies to DynamoDB atomic counters.

Every rollout decision is a pure function of a handful of counts kept on the deployment item, so
concurrent reports never need a read-modify-write of the whole deployment:

- a host *claims a slot* with one conditional update: ``free_slots >= 1`` (and, for a host that is
  healthy, ``headroom >= 1``: the stop rule), adding ``claim_delta``; DynamoDB cannot compute
  ``window - in_progress`` inside a condition, which is why ``free_slots`` and ``headroom`` are
  stored beside the counts they derive from;
- a host's *result* adds ``result_delta`` in the same transaction that moves the host's own item
  from InProgress to Succeeded/Failed on the condition that it is still InProgress, so a
  duplicate report fails its condition and adds nothing;
- after either, ``verdict`` on the returned (ALL_NEW) counters says whether the deployment ended.

``Rollout`` (``rollout.py``) is the same machine with per-host state; it calls these functions, so
the two forms cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum

from rollwright.deployment_status import DeploymentStatus
from rollwright.minimum_healthy_hosts import (
    HealthPlan,
    constraints_invalid,
    deployment_succeeds,
    may_start,
)


class RolloutErrorCode(StrEnum):
    """The ``ErrorInformation.code`` values a rollout itself ends with (CodeDeploy's names)."""

    HEALTH_CONSTRAINTS = "HEALTH_CONSTRAINTS"
    HEALTH_CONSTRAINTS_INVALID = "HEALTH_CONSTRAINTS_INVALID"
    NO_INSTANCES = "NO_INSTANCES"
    MANUAL_STOP = "MANUAL_STOP"
    ALARM_ACTIVE = "ALARM_ACTIVE"
    TIMEOUT = "TIMEOUT"  # a blue/green ready wait nobody continued (``blue_green_rollout``)


HEALTH_CONSTRAINTS_MESSAGE = (
    "The overall deployment failed because too many individual instances failed deployment, too "
    "few healthy instances are available for deployment, or some instances in your deployment "
    "group are experiencing problems."
)
NO_INSTANCES_MESSAGE = (
    "The deployment failed because no instances were found for your deployment group. Check your "
    "deployment group settings to make sure the tags for your EC2 instances, on-premises "
    "instances or Auto Scaling groups correctly identify the instances you want to deploy to."
)


@dataclass(frozen=True)
class RolloutOutcome:
    """How a deployment ended: its status and, when it failed, CodeDeploy's error code."""

    status: DeploymentStatus
    error_code: RolloutErrorCode | None = None
    message: str = ""


SUCCEEDED = RolloutOutcome(DeploymentStatus.SUCCEEDED)
FAILED_HEALTH_CONSTRAINTS = RolloutOutcome(
    DeploymentStatus.FAILED, RolloutErrorCode.HEALTH_CONSTRAINTS, HEALTH_CONSTRAINTS_MESSAGE
)
FAILED_NO_INSTANCES = RolloutOutcome(
    DeploymentStatus.FAILED, RolloutErrorCode.NO_INSTANCES, NO_INSTANCES_MESSAGE
)
STOPPED_MANUALLY = RolloutOutcome(
    DeploymentStatus.STOPPED,
    RolloutErrorCode.MANUAL_STOP,
    "The deployment was stopped by a StopDeployment request.",
)


def stopped_on_alarm(alarms: str) -> RolloutOutcome:
    """Stopped because an alarm the deployment watches went to ALARM (or could not be read)."""
    return RolloutOutcome(
        DeploymentStatus.STOPPED,
        RolloutErrorCode.ALARM_ACTIVE,
        f"The deployment was stopped because of an alarm: {alarms}.",
    )


@dataclass(frozen=True)
class RolloutCounters:
    """The counts stored on a deployment item (besides ``free_slots`` and ``headroom``)."""

    minimum: int
    window: int
    pending_healthy: int  # not started, healthy when the deployment began
    pending_unhealthy: int  # not started, unhealthy (or stopped) when it began
    in_progress: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def pending(self) -> int:
        return self.pending_healthy + self.pending_unhealthy

    @property
    def healthy(self) -> int:
        return self.pending_healthy + self.succeeded

    @property
    def free_slots(self) -> int:
        return self.window - self.in_progress

    @property
    def headroom(self) -> int:
        """How many more healthy hosts may go offline without breaking the stop rule."""
        return self.healthy - self.minimum

    @property
    def plan(self) -> HealthPlan:
        total = self.pending + self.in_progress + self.succeeded + self.failed + self.skipped
        return HealthPlan(total=total, minimum=self.minimum, window=self.window)


@dataclass(frozen=True)
class CounterDelta:
    """What one step adds to each stored counter (an ``ADD`` update expression)."""

    pending_healthy: int = 0
    pending_unhealthy: int = 0
    in_progress: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    free_slots: int = 0
    headroom: int = 0

    def additions(self) -> tuple[tuple[str, int], ...]:
        """The non-zero additions, by attribute name, in a stable order."""
        return tuple(
            (f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) != 0
        )


@dataclass(frozen=True)
class ClaimCondition:
    """The condition of a slot claim: ``free_slots >= 1`` and, if set, ``headroom >= 1``."""

    min_free_slots: int = 1
    min_headroom: int | None = None

    def holds(self, counters: RolloutCounters) -> bool:
        if counters.free_slots < self.min_free_slots:
            return False
        return self.min_headroom is None or counters.headroom >= self.min_headroom


def initial_counters(plan: HealthPlan, *, healthy: int, unhealthy: int) -> RolloutCounters:
    return RolloutCounters(
        minimum=plan.minimum,
        window=plan.window,
        pending_healthy=healthy,
        pending_unhealthy=unhealthy,
    )


def start_outcome(plan: HealthPlan, *, available: int) -> RolloutOutcome | None:
    """The outcome of a deployment that ends before touching a host, or None if it may begin."""
    if plan.total == 0:
        return FAILED_NO_INSTANCES
    if constraints_invalid(plan, available):
        return RolloutOutcome(
            DeploymentStatus.FAILED,
            RolloutErrorCode.HEALTH_CONSTRAINTS_INVALID,
            f"The deployment can never succeed within its instance health constraints: "
            f"{plan.minimum} of {plan.total} instances must stay healthy and {available} are "
            "available. Lower the deployment configuration's minimum healthy hosts or add "
            "instances to the deployment group.",
        )
    return None


def claim_condition(*, host_is_healthy: bool, count: int = 1) -> ClaimCondition:
    """The condition of ``count`` claims of one health class in one write: each of them in turn
    needs one free slot (and one headroom), so together they need ``count``."""
    return ClaimCondition(min_free_slots=count, min_headroom=count if host_is_healthy else None)


def can_claim(counters: RolloutCounters, *, host_is_healthy: bool) -> bool:
    return may_start(
        counters.plan,
        healthy=counters.healthy,
        in_progress=counters.in_progress,
        host_is_healthy=host_is_healthy,
    )


def claimable(counters: RolloutCounters, *, position: int, unhealthy_total: int) -> int:
    """How many positions from ``position`` on may be claimed together, in one write: hosts of
    one health class (the unhealthy ones come first), each allowed by ``can_claim`` once the
    ones before it started. The whole first window at once, or one host after a result."""
    healthy = position >= unhealthy_total
    end = counters.plan.total if healthy else min(unhealthy_total, counters.plan.total)
    one = claim_delta(host_is_healthy=healthy)
    count = 0
    while position + count < end and can_claim(counters, host_is_healthy=healthy):
        counters = apply(counters, one)
        count += 1
    return count


def claim_delta(*, host_is_healthy: bool, count: int = 1) -> CounterDelta:
    if host_is_healthy:
        return CounterDelta(
            pending_healthy=-count, in_progress=count, free_slots=-count, headroom=-count
        )
    return CounterDelta(pending_unhealthy=-count, in_progress=count, free_slots=-count)


def result_delta(*, succeeded: bool) -> CounterDelta:
    # A success adds a healthy host whether or not it was healthy before it started: a healthy
    # host's claim took one headroom away, an unhealthy one's never counted.
    if succeeded:
        return CounterDelta(in_progress=-1, succeeded=1, free_slots=1, headroom=1)
    return CounterDelta(in_progress=-1, failed=1, free_slots=1)


def skip_delta(counters: RolloutCounters) -> CounterDelta:
    """Every pending host becomes Skipped (the deployment ended without them)."""
    return CounterDelta(
        pending_healthy=-counters.pending_healthy,
        pending_unhealthy=-counters.pending_unhealthy,
        skipped=counters.pending,
        headroom=-counters.pending_healthy,
    )


def apply(counters: RolloutCounters, delta: CounterDelta) -> RolloutCounters:
    """The counters after ``delta``; ``free_slots`` and ``headroom`` follow by derivation."""
    return replace(
        counters,
        pending_healthy=counters.pending_healthy + delta.pending_healthy,
        pending_unhealthy=counters.pending_unhealthy + delta.pending_unhealthy,
        in_progress=counters.in_progress + delta.in_progress,
        succeeded=counters.succeeded + delta.succeeded,
        failed=counters.failed + delta.failed,
        skipped=counters.skipped + delta.skipped,
    )


def blocked(counters: RolloutCounters) -> bool:
    """Whether hosts are pending but none may start, and no running host could change that."""
    if counters.pending == 0 or counters.in_progress > 0:
        return False
    # Unhealthy hosts are ordered first, so the next pending host is unhealthy if any is.
    return not can_claim(counters, host_is_healthy=counters.pending_unhealthy == 0)


def verdict(counters: RolloutCounters) -> RolloutOutcome | None:
    """How the deployment ends, once nothing is in progress and nothing more may start; None
    while it goes on. Hosts still pending then are skipped, and the deployment failed."""
    if counters.in_progress > 0:
        return None
    if counters.pending > 0:
        return FAILED_HEALTH_CONSTRAINTS if blocked(counters) else None
    if counters.skipped > 0:
        # CodeDeploy succeeds only if it could deploy to every instance.
        return FAILED_HEALTH_CONSTRAINTS
    if deployment_succeeds(counters.plan, counters.succeeded):
        return SUCCEEDED
    return FAILED_HEALTH_CONSTRAINTS
