"""Minimum healthy hosts: the numbers a Server in-place deployment must respect.

A deployment configuration's ``minimumHealthyHosts`` becomes, at deployment start, a count of
hosts that must stay healthy (a percentage rounds **up**) and so a *window*: how many hosts may be
offline at once (``total - minimum``). A host is *healthy* while it still serves the old revision
(pending, and healthy when the deployment began) or once it has the new one (succeeded); a host in
progress, a failed host, and a host that was unhealthy or stopped from the start are not.

The rules (reference §3), each a function of counts so that a report handler can apply them to
atomic counters without reading any per-host state:

- *invalid at start*: the deployment can never succeed when the hosts available at start are no
  more than the minimum (95% of 10 rounds up to 10) → ``HEALTH_CONSTRAINTS_INVALID``;
- *stop rule*: a healthy host starts only if the healthy count stays at or above the minimum once
  it is offline; a host that was unhealthy already may start (it does not reduce the count), which
  is how a group that starts below the minimum is not reduced further;
- *success rule*: successes reach the minimum **and** at least one host succeeded, even when the
  minimum is 0. The last-instance rule of OneAtATime follows from it: the minimum is ``total - 1``,
  so when the last host fails the others' successes still reach it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType


@dataclass(frozen=True)
class HealthPlan:
    """A configuration's rule applied to one deployment's targets, fixed at its start."""

    total: int
    minimum: int  # hosts that must stay healthy
    window: int  # hosts that may be in progress at once: total - minimum (never below 0)


def minimum_healthy_count(rule: MinimumHealthyHosts, total: int) -> int:
    """The minimum as a count of hosts, for ``total`` targets."""
    if rule.type is MinimumHealthyHostsType.HOST_COUNT:
        return rule.value
    if rule.type is MinimumHealthyHostsType.FLEET_PERCENT:
        # Integer ceiling: floats would round 3 * 100 / 100 the wrong way for some totals.
        return -(-total * rule.value // 100)
    # MOST_CONCURRENCY (OneAtATime): ``value`` hosts at a time, so all but ``value`` stay healthy.
    return max(total - rule.value, 0)


def plan_health(rule: MinimumHealthyHosts, total: int) -> HealthPlan:
    minimum = minimum_healthy_count(rule, total)
    return HealthPlan(total=total, minimum=minimum, window=max(total - minimum, 0))


def constraints_invalid(plan: HealthPlan, available: int) -> bool:
    """Whether the deployment can never succeed: the hosts available at start (targets that are
    not stopped) are no more than the minimum, so not one of them could go offline."""
    return available <= plan.minimum


def may_start(plan: HealthPlan, *, healthy: int, in_progress: int, host_is_healthy: bool) -> bool:
    """Whether one more host may start now (the window, then the stop rule)."""
    if in_progress >= plan.window:
        return False
    return not host_is_healthy or healthy - 1 >= plan.minimum


def deployment_succeeds(plan: HealthPlan, successes: int) -> bool:
    """The success rule, once no host is pending or in progress."""
    return successes >= plan.minimum and successes >= 1
