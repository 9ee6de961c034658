"""Permissions for CreateDeployment's target resolution: reading EC2 instances and the members of
Auto Scaling groups (functions/adapters/fleet_instances.py)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from stacks.accepted_findings import accept_wildcards

FLEET_READ_ACTIONS = ["ec2:DescribeInstances", "autoscaling:DescribeAutoScalingGroups"]


def grant_fleet_reads(role: iam.IRole) -> None:
    """Describe EC2 instances and Auto Scaling groups; read-only, and neither action supports
    resource-level permissions, so the resource is ``*``."""
    statement = iam.PolicyStatement(actions=FLEET_READ_ACTIONS, resources=["*"])
    role.add_to_principal_policy(statement)
    accept_wildcards(
        role,
        [statement],
        reason=(
            "ec2:DescribeInstances and autoscaling:DescribeAutoScalingGroups support no "
            "resource-level permissions; CreateDeployment reads which instances a deployment "
            "group's tags and Auto Scaling groups select."
        ),
    )
