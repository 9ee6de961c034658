"""BlockTraffic and AllowTraffic of an in-place deployment with a load balancer (reference §2, §5).

Between a host's agent segments the control plane takes the instance out of every classic load
balancer and ELBv2 target group of the deployment group (BlockTraffic, after BeforeBlockTraffic)
and puts it back (AllowTraffic, after BeforeAllowTraffic). Deregistration from a target group is
not instant: the target drains for the group's deregistration delay (300 s by default). A Lambda
must not wait that long, so a traffic step is a small state of its own on the host's item
(``TrafficStep``): the handler that begins it acts, looks a few times within a short bound, and
leaves the rest to the workflow's sweep, which looks again every interval until the step settles
or its deadline passes (then the event fails, and with it the host).

Only EC2 instances are registered in load balancers; on-premises hosts get the sequence without
the traffic events (``deployment_plan``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from rollwright.deployment_group_settings import DeploymentOption, DeploymentStyle, LoadBalancerInfo
from rollwright.lifecycle import LifecycleEvent

# A target group's deregistration delay when it has none of its own (ELBv2's default).
DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300
# Beyond the delay, what BlockTraffic allows for the API's own latency before failing.
DEREGISTRATION_MARGIN_SECONDS = 60
# How long AllowTraffic waits for the registration to be seen in every target group.
ALLOW_TRAFFIC_SECONDS = 300

# The control plane's event that follows the last event of an agent segment, if any.
_CONTROL_EVENT_AFTER = {
    LifecycleEvent.BEFORE_BLOCK_TRAFFIC: LifecycleEvent.BLOCK_TRAFFIC,
    LifecycleEvent.BEFORE_ALLOW_TRAFFIC: LifecycleEvent.ALLOW_TRAFFIC,
}


@dataclass(frozen=True)
class TrafficTargets:
    """The load balancers an instance of the deployment group is taken out of and put back in:
    classic load balancer names (``elbInfoList``) and ELBv2 target group names
    (``targetGroupInfoList``)."""

    elb_names: tuple[str, ...] = ()
    target_group_names: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.elb_names or self.target_group_names)


def traffic_targets(
    style: DeploymentStyle | None, info: LoadBalancerInfo | None
) -> TrafficTargets | None:
    """What an in-place deployment of a group deregisters: None without traffic control or
    without a classic load balancer or target group (``targetGroupPairInfoList`` is ECS's)."""
    if style is None or style.deployment_option is not DeploymentOption.WITH_TRAFFIC_CONTROL:
        return None
    if info is None:
        return None
    targets = TrafficTargets(info.elb_names, info.target_group_names)
    return None if targets.is_empty else targets


def control_event_after(last_agent_event: LifecycleEvent) -> LifecycleEvent | None:
    """BlockTraffic after BeforeBlockTraffic, AllowTraffic after BeforeAllowTraffic, else None."""
    return _CONTROL_EVENT_AFTER.get(last_agent_event)


class TrafficState(StrEnum):
    """Where an instance stands in the deployment group's load balancers, all of them taken
    together."""

    REGISTERED = "Registered"  # in every one, none draining
    DEREGISTERED = "Deregistered"  # in none (a target group's ``unused`` counts as out)
    CHANGING = "Changing"  # anything else: draining, or in some and not others


def traffic_settled(event: LifecycleEvent, state: TrafficState) -> bool:
    """Whether ``event`` is done: BlockTraffic once out of all, AllowTraffic once in all."""
    if event is LifecycleEvent.BLOCK_TRAFFIC:
        return state is TrafficState.DEREGISTERED
    return state is TrafficState.REGISTERED


class LoadBalancerError(Exception):
    """A load balancer or target group is missing, or refused the change (the message says
    which); the traffic event fails with it."""


class LoadBalancers(Protocol):
    def deregister(self, instance_id: str, targets: TrafficTargets) -> int:
        """Take the instance out of every load balancer and target group (already out is
        fine); the longest deregistration delay of the target groups, in seconds."""
        ...

    def register(self, instance_id: str, targets: TrafficTargets) -> None:
        """Put the instance in every load balancer and target group (already in is fine)."""
        ...

    def state(self, instance_id: str, targets: TrafficTargets) -> TrafficState: ...


def traffic_deadline_seconds(event: LifecycleEvent, deregistration_delay: int) -> int:
    """How long a traffic event may take before the host fails."""
    if event is LifecycleEvent.BLOCK_TRAFFIC:
        return deregistration_delay + DEREGISTRATION_MARGIN_SECONDS
    return ALLOW_TRAFFIC_SECONDS
