"""The members a blue/green EC2 deployment adds to its ``DeploymentInfo``."""

from __future__ import annotations

from rollwright.blue_green_deployments import BlueGreenDeployment
from rollwright.deployment_group_settings import TagFilter
from rollwright.operations.shapes import Result


def blue_green_members(deployment: BlueGreenDeployment) -> Result:
    """``blueGreenDeploymentConfiguration`` (the options the deployment runs with, defaults
    filled in), ``targetInstances`` (DISCOVER_EXISTING's green instances, as asked for) and
    ``loadBalancerInfo`` (the load balancers it reroutes)."""
    options = deployment.options
    members: Result = {
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": options.blue_action.value,
                "terminationWaitTimeInMinutes": options.termination_wait_minutes,
            },
            "deploymentReadyOption": {
                "actionOnTimeout": options.ready_action.value,
                "waitTimeInMinutes": options.ready_wait_minutes,
            },
            "greenFleetProvisioningOption": {"action": options.provisioning.value},
        }
    }
    if deployment.load_balancers is not None:
        members["loadBalancerInfo"] = {
            "elbInfoList": [{"name": name} for name in deployment.load_balancers.elb_names],
            "targetGroupInfoList": [
                {"name": name} for name in deployment.load_balancers.target_group_names
            ],
        }
    target = deployment.target_instances
    if target is not None:
        members["targetInstances"] = {
            "tagFilters": [_tag_filter(f) for f in target.tag_filters],
            "autoScalingGroups": list(target.auto_scaling_groups),
            **(
                {
                    "ec2TagSet": {
                        "ec2TagSetList": [[_tag_filter(f) for f in g] for g in target.tag_set]
                    }
                }
                if target.tag_set
                else {}
            ),
        }
    return members


def _tag_filter(tag_filter: TagFilter) -> Result:
    shape: Result = {"Type": tag_filter.type.value}
    if tag_filter.key is not None:
        shape["Key"] = tag_filter.key
    if tag_filter.value is not None:
        shape["Value"] = tag_filter.value
    return shape
