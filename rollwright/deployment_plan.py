"""The initial state of a Server in-place deployment: the deployment and one target per host.

``plan_deployment`` turns what CreateDeployment knows (the group, its configuration's minimum
healthy hosts rule, the revision and the targets of ``target_selection``) into a
``DeploymentPlan``: the hosts in deployment order (``rollout.deployment_order``), each with its
agent segments (``lifecycle_segments``: with the traffic events when the deployment controls
traffic and the host is an EC2 instance, which is what load balancers register), the rollout
counters of
``rollout_counters`` and, when the deployment can never begin (no instances, or the health
constraints are invalid), how it ends. Nothing is decided here that a report handler must change
later: positions are fixed, and the counters are the only moving part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rollwright.agent_protocol import FileExistsBehavior, Revision
from rollwright.deployment_configs import MinimumHealthyHosts
from rollwright.lifecycle import LifecycleEvent
from rollwright.lifecycle_segments import agent_segments, in_place_events
from rollwright.minimum_healthy_hosts import plan_health
from rollwright.rollback import AUTO_SCALING_TERMINATION_CREATOR
from rollwright.rollout import (
    InstanceHealth,
    RevisionHealth,
    RolloutTarget,
    deployment_order,
)
from rollwright.rollout_counters import (
    RolloutCounters,
    RolloutOutcome,
    initial_counters,
    start_outcome,
)
from rollwright.target_selection import DeploymentTarget, TargetKind
from rollwright.traffic_control import TrafficTargets

# Reference §9: a lifecycle event runs at most an hour.
LIFECYCLE_EVENT_MAX_SECONDS = 3600


@dataclass(frozen=True)
class HostLimits:
    """How long the control plane waits for a host before failing it (a dead host), and how
    often it looks. CodeDeploy waits 5 minutes for an event to be picked up and up to an hour for
    a dead host; Rollwright's heartbeats let it fail one within ``heartbeat_seconds``."""

    # Defaults: a dead host fails within start/heartbeat + one sweep interval = 110 s (issue 5:
    # at most 2 minutes); the agent heartbeats every 30 s while it runs a command.
    start_seconds: int = 90  # a dispatched segment whose first event has not started by then
    heartbeat_seconds: int = 90  # a started segment that has been silent that long
    sweep_interval_seconds: int = 20  # how often the workflow looks for such hosts

    def __post_init__(self) -> None:
        if min(self.start_seconds, self.heartbeat_seconds, self.sweep_interval_seconds) < 1:
            raise ValueError("host limits are whole seconds, at least 1")


@dataclass(frozen=True)
class InstanceHistory:
    """What the group knows of a host from earlier deployments (for the order)."""

    instance_health: InstanceHealth = InstanceHealth.HEALTHY
    revision_health: RevisionHealth = RevisionHealth.UNKNOWN


@dataclass(frozen=True)
class PlannedTarget:
    host_id: str
    instance_name: str
    kind: TargetKind
    position: int  # 0-based place in the deployment order
    healthy_at_start: bool
    instance_health: InstanceHealth
    revision_health: RevisionHealth
    lifecycle_events: tuple[LifecycleEvent, ...]  # the whole sequence, Start to End
    segments: tuple[tuple[LifecycleEvent, ...], ...]  # what the agent runs, one command each
    label: str = ""  # Blue or Green in a blue/green deployment (``blue_green_deployment_plan``)


@dataclass(frozen=True)
class DeploymentSettings:
    """A deployment's fixed choices, as CreateDeployment resolved them."""

    deployment_id: str
    application_name: str
    application_id: str
    deployment_group_name: str
    deployment_group_id: str
    revision: Revision
    deployment_config_name: str
    minimum_healthy_hosts: MinimumHealthyHosts
    file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW
    ignore_application_stop_failures: bool = False
    creator: str = "user"
    description: str = ""
    limits: HostLimits = field(default_factory=HostLimits)
    # The group's classic load balancers and target groups, with traffic control only
    # (``traffic_control.traffic_targets``).
    load_balancers: TrafficTargets | None = None


@dataclass(frozen=True)
class DeploymentPlan:
    settings: DeploymentSettings
    create_time: float  # epoch seconds
    counters: RolloutCounters
    targets: tuple[PlannedTarget, ...]  # in deployment order
    # Set when the deployment ends before touching a host (NO_INSTANCES, HEALTH_CONSTRAINTS_INVALID)
    start_outcome: RolloutOutcome | None = None

    @property
    def unhealthy_total(self) -> int:
        """The unhealthy hosts, which the order puts first: position p is healthy iff p >= this."""
        return sum(not t.healthy_at_start for t in self.targets)


def plan_deployment(
    settings: DeploymentSettings,
    targets: Sequence[DeploymentTarget],
    *,
    create_time: float,
    history: Mapping[str, InstanceHistory] | None = None,
) -> DeploymentPlan:
    """The deployment's initial state; ``history`` holds what is known of each host id."""
    known = history or {}
    by_host = {t.host_id: t for t in targets}
    if len(by_host) != len(targets):
        raise ValueError("a deployment targets each host once")
    rollout_targets = [
        RolloutTarget(
            host_id=t.host_id,
            instance_health=known.get(t.host_id, InstanceHistory()).instance_health,
            revision_health=known.get(t.host_id, InstanceHistory()).revision_health,
            available=t.available,
        )
        for t in targets
    ]
    ordered = deployment_order(rollout_targets)
    health = plan_health(settings.minimum_healthy_hosts, len(ordered))
    healthy = sum(t.healthy_at_start for t in ordered)
    controls_traffic = settings.load_balancers is not None and not settings.load_balancers.is_empty
    # An Auto Scaling termination deployment only blocks traffic and stops the application.
    termination = settings.creator == AUTO_SCALING_TERMINATION_CREATOR

    def behind_load_balancer(host_id: str) -> bool:
        # On-premises instances cannot be registered in a load balancer.
        return controls_traffic and by_host[host_id].kind is TargetKind.EC2

    planned = tuple(
        PlannedTarget(
            host_id=t.host_id,
            instance_name=by_host[t.host_id].instance_name,
            kind=by_host[t.host_id].kind,
            position=position,
            healthy_at_start=t.healthy_at_start,
            instance_health=t.instance_health,
            revision_health=t.revision_health,
            lifecycle_events=in_place_events(
                with_load_balancer=behind_load_balancer(t.host_id), termination=termination
            ),
            segments=agent_segments(
                with_load_balancer=behind_load_balancer(t.host_id), termination=termination
            ),
        )
        for position, t in enumerate(ordered)
    )
    return DeploymentPlan(
        settings=settings,
        create_time=create_time,
        counters=initial_counters(health, healthy=healthy, unhealthy=len(ordered) - healthy),
        targets=planned,
        start_outcome=start_outcome(health, available=sum(t.available for t in ordered)),
    )
