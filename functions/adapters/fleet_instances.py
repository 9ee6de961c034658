"""The EC2 instances a Server deployment group may target (the ``Fleet`` of deployments).

EC2 ``DescribeInstances`` (every instance not terminated; ``select_targets`` applies the group's
tag filters and tag sets, which EC2's filters cannot express: VALUE_ONLY, AND across tag groups)
and Auto Scaling ``DescribeAutoScalingGroups`` for the members of the group's Auto Scaling groups.
"""

from __future__ import annotations

from typing import Any

from rollwright.applications import Tag
from rollwright.deployment_group_settings import DeploymentGroupSettings
from rollwright.target_selection import Ec2Instance, Ec2InstanceState

# DescribeAutoScalingGroups takes at most 50 names per call (CodeDeploy allows 10 per group).
_GROUPS_PER_CALL = 50


class Ec2Fleet:
    def __init__(self, ec2: Any, autoscaling: Any) -> None:
        self._ec2 = ec2
        self._autoscaling = autoscaling

    def ec2_instances(self, settings: DeploymentGroupSettings) -> list[Ec2Instance]:
        members = self._auto_scaling_members(settings.auto_scaling_groups)
        instances: list[Ec2Instance] = []
        pages = self._ec2.get_paginator("describe_instances").paginate(
            Filters=[
                {
                    "Name": "instance-state-name",
                    "Values": ["pending", "running", "stopping", "stopped"],
                }
            ]
        )
        for page in pages:
            for reservation in page.get("Reservations", []):
                for instance in reservation.get("Instances", []):
                    instance_id = instance["InstanceId"]
                    instances.append(
                        Ec2Instance(
                            instance_id=instance_id,
                            state=Ec2InstanceState(instance["State"]["Name"]),
                            tags=tuple(
                                Tag(tag["Key"], tag.get("Value", ""))
                                for tag in instance.get("Tags", [])
                            ),
                            auto_scaling_group=members.get(instance_id),
                        )
                    )
        return instances

    def _auto_scaling_members(self, group_names: tuple[str, ...]) -> dict[str, str]:
        members: dict[str, str] = {}
        names = list(group_names)
        for start in range(0, len(names), _GROUPS_PER_CALL):
            pages = self._autoscaling.get_paginator("describe_auto_scaling_groups").paginate(
                AutoScalingGroupNames=names[start : start + _GROUPS_PER_CALL]
            )
            for page in pages:
                for group in page.get("AutoScalingGroups", []):
                    for instance in group.get("Instances", []):
                        members[instance["InstanceId"]] = group["AutoScalingGroupName"]
        return members
