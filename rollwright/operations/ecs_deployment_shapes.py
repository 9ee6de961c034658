"""What GetDeployment and BatchGetDeployments add for an ECS deployment: the group's
``blueGreenDeploymentConfiguration`` and ``loadBalancerInfo`` as they were when the deployment was
created (CodeDeploy's ``DeploymentInfo`` carries both for ECS deployments), in the shape the group
itself answers them (``settings_members``)."""

from __future__ import annotations

from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    DeploymentGroupSettings,
    LoadBalancerInfo,
)
from rollwright.ecs_records import EcsDeploymentRecord
from rollwright.operations.deployment_group_shapes import settings_members
from rollwright.operations.shapes import Result
from rollwright.traffic_deployments import TRAFFIC_STYLE

GROUP_MEMBERS = ("blueGreenDeploymentConfiguration", "loadBalancerInfo")


def group_members(
    blue_green: BlueGreenConfiguration | None, load_balancers: LoadBalancerInfo | None
) -> Result:
    """``blueGreenDeploymentConfiguration`` and ``loadBalancerInfo`` (those that are set)."""
    settings = DeploymentGroupSettings(
        deployment_config_name="",
        service_role_arn="",
        deployment_style=TRAFFIC_STYLE,
        blue_green_configuration=blue_green,
        load_balancer_info=load_balancers,
    )
    members = settings_members(settings)
    return {name: members[name] for name in GROUP_MEMBERS if name in members}


def ecs_deployment_members(record: EcsDeploymentRecord) -> Result:
    return group_members(record.blue_green_configuration, record.load_balancer_info)
