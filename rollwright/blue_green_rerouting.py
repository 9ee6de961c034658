"""Rerouting a blue/green deployment's traffic: batches and the health rules around them.

The deployment configuration's ``minimumHealthyHosts`` governs a blue/green deployment twice
(reference §3 and §8): the green fleet's install follows the in-place rules (the window of hosts
in progress, the stop rule, the success rule, ``minimum_healthy_hosts``), and rerouting then goes
all / half / one at a time, by the same window. The order is fixed: every green instance that
installed is registered (AllowTraffic) before any blue instance is deregistered (BlockTraffic),
so the instances serving traffic never fall below the green instances already registered, and
blue goes only once green passes the success rule. A single blue instance that fails to
deregister fails the whole deployment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rollwright.blue_green import InstanceLabel
from rollwright.deployment_configs import MinimumHealthyHosts
from rollwright.minimum_healthy_hosts import HealthPlan, deployment_succeeds, plan_health


class TrafficMove(StrEnum):
    ALLOW = "AllowTraffic"  # register with the load balancers
    BLOCK = "BlockTraffic"  # deregister


@dataclass(frozen=True)
class RerouteBatch:
    """Instances that go through the same traffic phase together."""

    label: InstanceLabel
    move: TrafficMove
    instances: tuple[str, ...]


def reroute_window(rule: MinimumHealthyHosts, total: int) -> int:
    """How many of ``total`` instances move at once: the health plan's window, at least one
    (a fleet whose minimum is all of it still moves, one instance at a time)."""
    return max(plan_health(rule, total).window, 1)


def _batches(
    instances: Sequence[str], size: int, label: InstanceLabel, move: TrafficMove
) -> list[RerouteBatch]:
    return [
        RerouteBatch(label, move, tuple(instances[start : start + size]))
        for start in range(0, len(instances), size)
    ]


def rerouting_batches(
    rule: MinimumHealthyHosts, *, green: Sequence[str], blue: Sequence[str]
) -> tuple[RerouteBatch, ...]:
    """The traffic batches of a standard deployment: the green instances that installed,
    registered window by window, then the blue instances deregistered window by window."""
    return (
        *_batches(green, reroute_window(rule, len(green)), InstanceLabel.GREEN, TrafficMove.ALLOW),
        *_batches(blue, reroute_window(rule, len(blue)), InstanceLabel.BLUE, TrafficMove.BLOCK),
    )


def rollback_batches(
    rule: MinimumHealthyHosts, *, blocked_blue: Sequence[str], allowed_green: Sequence[str]
) -> tuple[RerouteBatch, ...]:
    """A rollback's traffic batches: the blue instances that were deregistered get traffic back
    first, then the green instances that were registered lose it (the mirror of rerouting)."""
    return (
        *_batches(
            blocked_blue,
            reroute_window(rule, len(blocked_blue)),
            InstanceLabel.BLUE,
            TrafficMove.ALLOW,
        ),
        *_batches(
            allowed_green,
            reroute_window(rule, len(allowed_green)),
            InstanceLabel.GREEN,
            TrafficMove.BLOCK,
        ),
    )


# --- the health rules at each step ------------------------------------------------------------


class RerouteVerdict(StrEnum):
    CONTINUE = "Continue"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"  # HEALTH_CONSTRAINTS


@dataclass(frozen=True)
class GreenResults:
    """What is known of the green fleet: the plan fixed at the start and its counts."""

    plan: HealthPlan
    succeeded: int  # installed and registered
    failed: int

    @property
    def pending(self) -> int:
        return self.plan.total - self.succeeded - self.failed


def green_health_plan(rule: MinimumHealthyHosts, green_total: int) -> HealthPlan:
    """The green fleet's plan: its install and its registration follow the in-place rules."""
    return plan_health(rule, green_total)


def green_verdict(results: GreenResults) -> RerouteVerdict:
    """The green side after a result: failed once the minimum can no longer be reached (the
    stop rule: even if every pending instance succeeded), succeeded once nothing is pending and
    the success rule holds; otherwise go on."""
    if results.succeeded + results.pending < results.plan.minimum:
        return RerouteVerdict.FAILED
    if results.pending:
        return RerouteVerdict.CONTINUE
    if deployment_succeeds(results.plan, results.succeeded):
        return RerouteVerdict.SUCCEEDED
    return RerouteVerdict.FAILED


def may_block_blue(results: GreenResults) -> bool:
    """Blue instances lose traffic only once the green fleet has succeeded."""
    return green_verdict(results) is RerouteVerdict.SUCCEEDED


def blue_verdict(*, total: int, blocked: int, failed: int) -> RerouteVerdict:
    """Deregistering blue: one failure fails the deployment (reference §3); it succeeds once
    every blue instance is deregistered."""
    if failed:
        return RerouteVerdict.FAILED
    return RerouteVerdict.SUCCEEDED if blocked >= total else RerouteVerdict.CONTINUE
