"""Which instances a Server deployment targets: the deployment group's tag filters and tag sets.

CodeDeploy's rules (reference §2): an instance matches ``ec2TagFilters`` if it matches **any**
filter; it matches ``ec2TagSet`` if, in **every** tag group, it matches some filter. The two are
never combined on one group (the group rules refuse it), and the on-premises members work alike.
Members of the group's Auto Scaling groups are targets too. Deregistered on-premises instances
and terminated (or terminating) EC2 instances are never targets; stopped EC2 instances are, marked
unavailable, because CodeDeploy counts them as failed in its health maths.

Input is what the adapters read from EC2, Auto Scaling and the on-premises instance store; output
is one ``DeploymentTarget`` per host, in host-id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rollwright.applications import Tag
from rollwright.deployment_group_settings import (
    DeploymentGroupSettings,
    TagFilter,
    TagFilterType,
    TagSet,
)
from rollwright.on_premises_instances import OnPremisesInstance


class Ec2InstanceState(StrEnum):
    """EC2's ``InstanceState.Name``."""

    PENDING = "pending"
    RUNNING = "running"
    SHUTTING_DOWN = "shutting-down"
    TERMINATED = "terminated"
    STOPPING = "stopping"
    STOPPED = "stopped"


# Instances on their way out are not targets; a deployment could never reach them again.
_GONE = frozenset({Ec2InstanceState.SHUTTING_DOWN, Ec2InstanceState.TERMINATED})
# Targeted, but they cannot run hooks now: failed in health maths from the start.
_UNAVAILABLE = frozenset({Ec2InstanceState.STOPPING, Ec2InstanceState.STOPPED})


@dataclass(frozen=True)
class Ec2Instance:
    instance_id: str
    state: Ec2InstanceState
    tags: tuple[Tag, ...] = ()
    auto_scaling_group: str | None = None  # the group it belongs to, if any


class TargetKind(StrEnum):
    EC2 = "EC2"
    ON_PREMISES = "OnPremises"


@dataclass(frozen=True)
class DeploymentTarget:
    host_id: str  # the instance id (EC2) or the host id of the registered name (on-premises)
    instance_name: str  # the instance id (EC2) or the registered instance name (on-premises)
    kind: TargetKind
    available: bool = True  # False: a stopped EC2 instance


def tag_filter_matches(tag_filter: TagFilter, tags: Sequence[Tag]) -> bool:
    if tag_filter.type is TagFilterType.KEY_ONLY:
        return any(tag.key == tag_filter.key for tag in tags)
    if tag_filter.type is TagFilterType.VALUE_ONLY:
        return any(tag.value == tag_filter.value for tag in tags)
    return any(tag.key == tag_filter.key and tag.value == tag_filter.value for tag in tags)


def tag_set_matches(tag_set: TagSet, tags: Sequence[Tag]) -> bool:
    """AND across the tag groups, OR within each; an empty tag set matches nothing (a group
    without targeting by tags targets no instance, not every instance)."""
    return bool(tag_set) and all(
        any(tag_filter_matches(f, tags) for f in group) for group in tag_set
    )


def tags_select(tag_filters: Sequence[TagFilter], tag_set: TagSet, tags: Sequence[Tag]) -> bool:
    """Whether an instance with ``tags`` is selected by a group's filters or its tag set."""
    if any(tag_filter_matches(f, tags) for f in tag_filters):
        return True
    return tag_set_matches(tag_set, tags)


def select_targets(
    settings: DeploymentGroupSettings,
    *,
    ec2_instances: Sequence[Ec2Instance] = (),
    on_premises_instances: Sequence[OnPremisesInstance] = (),
) -> tuple[DeploymentTarget, ...]:
    """The deployment group's targets among the given instances, each host once."""
    targets: dict[str, DeploymentTarget] = {}
    auto_scaling_groups = set(settings.auto_scaling_groups)
    for instance in ec2_instances:
        if instance.state in _GONE:
            continue
        by_tags = tags_select(settings.ec2_tag_filters, settings.ec2_tag_set, instance.tags)
        by_group = instance.auto_scaling_group in auto_scaling_groups
        if by_tags or by_group:
            targets[instance.instance_id] = DeploymentTarget(
                host_id=instance.instance_id,
                instance_name=instance.instance_id,
                kind=TargetKind.EC2,
                available=instance.state not in _UNAVAILABLE,
            )
    for registered in on_premises_instances:
        if not registered.registered:
            continue
        if tags_select(
            settings.on_premises_tag_filters, settings.on_premises_tag_set, registered.tags
        ):
            targets[registered.host_id] = DeploymentTarget(
                host_id=registered.host_id,
                instance_name=registered.name,
                kind=TargetKind.ON_PREMISES,
            )
    return tuple(targets[host_id] for host_id in sorted(targets))
