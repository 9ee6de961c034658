"""A successful EC2 blue/green deployment leaves its deployment group selecting the green fleet.

The reference (§8) says KEEP_ALIVE "deregisters blue and removes it from the group", and after
TERMINATE the group's next deployment must find the instances that now serve as its original
fleet. CodeDeploy does not document how the group's membership changes; Rollwright rewrites the
group's members (``docs/decisions.md``; not verified against CodeDeploy):

- COPY_AUTO_SCALING_GROUP: ``autoScalingGroups`` names the copy instead of the group copied, so
  the next deployment copies the copy;
- DISCOVER_EXISTING: the group's members become the deployment's ``targetInstances``: its
  ``tagFilters`` the group's ``ec2TagFilters`` (``ec2TagSet`` cleared), or its ``ec2TagSet`` the
  group's (``ec2TagFilters`` cleared), and its ``autoScalingGroups`` the group's.

The write goes through ``DeploymentGroups.update``, which validates the result and moves the
Auto Scaling launch hooks (installed on the groups now named, removed from the others). A retried
step finds the group adopted already and changes nothing. Only a succeeded standard deployment
adopts (``blue_green_rollout``): a failure, a stop or a rollback leaves the group as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from rollwright.blue_green_targets import TargetInstances
from rollwright.deployment_group_settings import DeploymentGroupChanges, DeploymentGroupSettings
from rollwright.deployment_groups import DeploymentGroups


@dataclass(frozen=True)
class CopiedAutoScalingGroup:
    """COPY_AUTO_SCALING_GROUP's green fleet: ``copy``, made from the group's ``source``."""

    source: str
    copy: str


GreenFleet = CopiedAutoScalingGroup | TargetInstances
"""What a blue/green deployment's green fleet is: a copy of the group's Auto Scaling group, or
the instances CreateDeployment's ``targetInstances`` selects (DISCOVER_EXISTING)."""


def adopted_membership(
    settings: DeploymentGroupSettings, green: GreenFleet
) -> DeploymentGroupChanges | None:
    """The change that makes a group with ``settings`` select ``green``; None when it does
    already (an adoption done by an earlier try of the step)."""
    if isinstance(green, CopiedAutoScalingGroup):
        named = settings.auto_scaling_groups
        if green.copy in named:
            return None
        return DeploymentGroupChanges(
            auto_scaling_groups=tuple(green.copy if n == green.source else n for n in named)
        )
    if (settings.ec2_tag_filters, settings.ec2_tag_set, settings.auto_scaling_groups) == (
        green.tag_filters,
        green.tag_set,
        green.auto_scaling_groups,
    ):
        return None
    # An empty member is a change that clears it (``DeploymentGroupChanges``): the tags the
    # request did not use, and the Auto Scaling groups when it named none.
    return DeploymentGroupChanges(
        ec2_tag_filters=green.tag_filters,
        ec2_tag_set=green.tag_set,
        auto_scaling_groups=green.auto_scaling_groups,
    )


class DeploymentGroupAdoption:
    """The deployment group adopts a succeeded deployment's green fleet."""

    def __init__(self, groups: DeploymentGroups) -> None:
        self._groups = groups

    def adopt(self, application_name: str, deployment_group_name: str, green: GreenFleet) -> None:
        group = self._groups.get(application_name, deployment_group_name)
        changes = adopted_membership(group.settings, green)
        if changes is None:
            return
        # A hook that could not be removed from a group left behind (UpdateDeploymentGroup's
        # hooksNotCleanedUp) does not fail the deployment: the group no longer owns it, so an
        # instance it holds is let through (``auto_scaling_launches``).
        self._groups.update(
            application_name=application_name,
            name=deployment_group_name,
            new_name=None,
            changes=changes,
        )
