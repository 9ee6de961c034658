"""A successful COPY_AUTO_SCALING_GROUP deployment makes the copy its group's Auto Scaling
group: the group's ``autoScalingGroups`` names the copy instead of the original, so the next
deployment copies the copy, and the group's launch hook moves with it (``DeploymentGroups``)."""

from __future__ import annotations

from rollwright.deployment_group_settings import DeploymentGroupChanges
from rollwright.deployment_groups import DeploymentGroups


class DeploymentGroupCopyAdoption:
    def __init__(self, groups: DeploymentGroups) -> None:
        self._groups = groups

    def adopt(
        self, application_name: str, deployment_group_name: str, source: str, copy: str
    ) -> None:
        group = self._groups.get(application_name, deployment_group_name)
        named = group.settings.auto_scaling_groups
        if copy in named:
            return  # adopted already (a retried step)
        self._groups.update(
            application_name=application_name,
            name=deployment_group_name,
            new_name=None,
            changes=DeploymentGroupChanges(
                auto_scaling_groups=tuple(copy if name == source else name for name in named)
            ),
        )
