"""The COPY_AUTO_SCALING_GROUP green fleet on Auto Scaling (``rollwright.blue_green_fleet``).

The copy takes what decides which instances the group launches and where they serve: the launch
template (or launch configuration, or mixed instances policy), availability zones and subnets,
health check settings, termination policies and tags. The source's classic load balancers and
target groups are attached only after rerouting (``attach_load_balancers``): attached at creation,
Auto Scaling would register green with them as it launches, before AllowTraffic.
``aws:`` tags are Auto Scaling's own and cannot be set by a caller. Lifecycle hooks are not
copied: the deployment installs the group's hooks itself, and a copied CodeDeploy launch hook
would start a launch deployment for every green instance.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from rollwright.blue_green_fleet import AutoScalingGroupCopy, AutoScalingGroupSize
from rollwright.errors import InvalidAutoScalingGroupException

logger = Logger(child=True)

IN_SERVICE = "InService"
HEALTHY = "Healthy"
# Settings copied as they are when the source has them.
COPIED_SETTINGS = (
    "MixedInstancesPolicy",
    "DefaultCooldown",
    "HealthCheckType",
    "HealthCheckGracePeriod",
    "PlacementGroup",
    "TerminationPolicies",
    "NewInstancesProtectedFromScaleIn",
    "ServiceLinkedRoleARN",
    "MaxInstanceLifetime",
    "CapacityRebalance",
    "DefaultInstanceWarmup",
)


class AutoScalingCopies:
    def __init__(self, autoscaling: Any) -> None:
        self._autoscaling = autoscaling

    def size(self, name: str) -> AutoScalingGroupSize:
        group = self._source(name)
        return AutoScalingGroupSize(
            minimum=int(group["MinSize"]),
            maximum=int(group["MaxSize"]),
            desired=int(group["DesiredCapacity"]),
        )

    def healthy_count(self, name: str) -> int:
        return sum(
            1
            for instance in self._source(name).get("Instances", [])
            if instance.get("LifecycleState") == IN_SERVICE
            and instance.get("HealthStatus") == HEALTHY
        )

    def create(self, copy: AutoScalingGroupCopy) -> None:
        if self._group(copy.name) is not None:
            return  # created by an earlier try of the same step
        try:
            self._autoscaling.create_auto_scaling_group(
                **_copy_request(self._source(copy.source), copy)
            )
        except ClientError as error:
            if _code(error) == "AlreadyExists":
                return
            raise InvalidAutoScalingGroupException(
                f"The Auto Scaling group {copy.source} could not be copied to {copy.name}: "
                f"{_message(error)}"
            ) from error

    def attach_load_balancers(self, source: str, copy: str) -> None:
        group = self._source(source)
        try:
            if group.get("TargetGroupARNs"):
                self._autoscaling.attach_load_balancer_target_groups(
                    AutoScalingGroupName=copy, TargetGroupARNs=group["TargetGroupARNs"]
                )
            if group.get("LoadBalancerNames"):
                self._autoscaling.attach_load_balancers(
                    AutoScalingGroupName=copy, LoadBalancerNames=group["LoadBalancerNames"]
                )
        except ClientError as error:
            raise InvalidAutoScalingGroupException(
                f"The load balancers of the Auto Scaling group {source} could not be attached to "
                f"{copy}: {_message(error)}"
            ) from error

    def instances(self, name: str) -> tuple[str, ...]:
        group = self._group(name)
        if group is None:
            return ()
        return tuple(
            sorted(
                instance["InstanceId"]
                for instance in group.get("Instances", [])
                if instance.get("LifecycleState") == IN_SERVICE
            )
        )

    def delete(self, name: str) -> None:
        try:
            self._autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
        except ClientError as error:
            if self._group(name) is None:
                return  # gone already (Auto Scaling answers a ValidationError)
            logger.warning("Auto Scaling group copy not deleted", extra={"group": name})
            raise InvalidAutoScalingGroupException(
                f"The Auto Scaling group {name} could not be deleted: {_message(error)}"
            ) from error

    def _group(self, name: str) -> dict[str, Any] | None:
        found = self._autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
        groups: list[dict[str, Any]] = found.get("AutoScalingGroups", [])
        return groups[0] if groups else None

    def _source(self, name: str) -> dict[str, Any]:
        group = self._group(name)
        if group is None:
            raise InvalidAutoScalingGroupException(f"The Auto Scaling group {name} does not exist.")
        return group


def _copy_request(source: dict[str, Any], copy: AutoScalingGroupCopy) -> dict[str, Any]:
    request: dict[str, Any] = {
        "AutoScalingGroupName": copy.name,
        "MinSize": copy.size.minimum,
        "MaxSize": copy.size.maximum,
        "DesiredCapacity": copy.size.desired,
    }
    if source.get("LaunchConfigurationName"):
        request["LaunchConfigurationName"] = source["LaunchConfigurationName"]
    template = source.get("LaunchTemplate")
    if template:
        # Auto Scaling answers both the id and the name but takes only one of them.
        reference = (
            {"LaunchTemplateId": template["LaunchTemplateId"]}
            if template.get("LaunchTemplateId")
            else {"LaunchTemplateName": template["LaunchTemplateName"]}
        )
        if template.get("Version"):
            reference["Version"] = template["Version"]
        request["LaunchTemplate"] = reference
    if source.get("VPCZoneIdentifier"):
        request["VPCZoneIdentifier"] = source["VPCZoneIdentifier"]
    elif source.get("AvailabilityZones"):
        request["AvailabilityZones"] = source["AvailabilityZones"]
    for setting in COPIED_SETTINGS:
        if source.get(setting) not in (None, "", []):
            request[setting] = source[setting]
    tags = [
        {
            "Key": tag["Key"],
            "Value": tag.get("Value", ""),
            "PropagateAtLaunch": bool(tag.get("PropagateAtLaunch", False)),
        }
        for tag in source.get("Tags", [])
        if not str(tag["Key"]).startswith("aws:")
    ]
    if tags:
        request["Tags"] = tags
    return request


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", error))
