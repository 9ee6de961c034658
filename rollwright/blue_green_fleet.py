"""The green fleet of a COPY_AUTO_SCALING_GROUP deployment: the copy of the group's Auto Scaling
group, its name and its size (reference §8).

CodeDeploy names the copy ``CodeDeploy_<deploymentGroupName>_<deploymentId>`` and sizes it to
the number of instances of the original group that are healthy when the deployment starts; the
copy's minimum and maximum are the original's, widened when needed so the desired capacity fits
(an Auto Scaling group refuses a desired capacity outside them). The copy is created without the
original's load balancers and target groups, which it takes once rerouting has succeeded. A
rollback, or a deployment that fails before rerouting, deletes the copy; a successful deployment
makes it the group's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rollwright.errors import InvalidAutoScalingGroupException

AUTO_SCALING_GROUP_NAME_MAX_LENGTH = 255  # Auto Scaling's own bound


@dataclass(frozen=True)
class AutoScalingGroupSize:
    minimum: int
    maximum: int
    desired: int


@dataclass(frozen=True)
class AutoScalingGroupCopy:
    source: str
    name: str
    size: AutoScalingGroupSize


class AutoScalingGroupCopies(Protocol):
    """Auto Scaling, as the COPY_AUTO_SCALING_GROUP green fleet needs it. A missing source group
    is ``InvalidAutoScalingGroupException``."""

    def size(self, name: str) -> AutoScalingGroupSize:
        """The group's minimum, maximum and desired capacity."""
        ...

    def healthy_count(self, name: str) -> int:
        """How many of the group's instances are InService and Healthy."""
        ...

    def create(self, copy: AutoScalingGroupCopy) -> None:
        """Create the copy of ``copy.source``: its launch template (or launch configuration, or
        mixed instances policy), subnets, health check settings and tags (not ``aws:`` ones),
        at ``copy.size``. Load balancers and target groups are not attached yet (Auto Scaling
        would register green at launch, before AllowTraffic): ``attach_load_balancers`` does it
        after rerouting. Lifecycle hooks, scaling policies and notifications are not copied.
        An existing group of the copy's name is taken as this copy (a retried step)."""
        ...

    def attach_load_balancers(self, source: str, copy: str) -> None:
        """Attach the classic load balancers and target groups of ``source`` to ``copy``
        (Auto Scaling registers the copy's instances with them); idempotent."""
        ...

    def instances(self, name: str) -> tuple[str, ...]:
        """The ids of the group's InService instances, sorted; none for a missing group."""
        ...

    def delete(self, name: str) -> None:
        """Force-delete the group, terminating its instances; a missing group is not an error."""
        ...


def copy_name(deployment_group_name: str, deployment_id: str) -> str:
    name = f"CodeDeploy_{deployment_group_name}_{deployment_id}"
    if len(name) > AUTO_SCALING_GROUP_NAME_MAX_LENGTH:
        raise ValueError(
            f"the copy's name would be longer than {AUTO_SCALING_GROUP_NAME_MAX_LENGTH}"
        )
    return name


def copied_group(auto_scaling_groups: Sequence[str], deployment_group_name: str) -> str:
    """The one Auto Scaling group a COPY_AUTO_SCALING_GROUP deployment copies. CodeDeploy needs
    exactly one ("Exactly one AutoScaling group must be specified when selecting the
    COPY_AUTO_SCALING_GROUP green fleet provisioning option")."""
    if len(auto_scaling_groups) != 1:
        raise InvalidAutoScalingGroupException(
            f"Deployment group {deployment_group_name} copies its Auto Scaling group for each "
            "blue/green deployment (COPY_AUTO_SCALING_GROUP), so it needs exactly one; it has "
            f"{len(auto_scaling_groups)}."
        )
    return auto_scaling_groups[0]


def auto_scaling_group_copy(
    *,
    source: str,
    source_size: AutoScalingGroupSize,
    healthy_instances: int,
    deployment_group_name: str,
    deployment_id: str,
) -> AutoScalingGroupCopy:
    """The copy to create: as many instances as the original has healthy ones."""
    if healthy_instances < 0:
        raise ValueError("a count of healthy instances is not negative")
    size = AutoScalingGroupSize(
        minimum=min(source_size.minimum, healthy_instances),
        maximum=max(source_size.maximum, healthy_instances),
        desired=healthy_instances,
    )
    return AutoScalingGroupCopy(source, copy_name(deployment_group_name, deployment_id), size)
