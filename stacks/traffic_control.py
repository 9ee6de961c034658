"""Permissions for BlockTraffic and AllowTraffic: taking instances out of the deployment groups'
load balancers and putting them back (functions/adapters/load_balancers.py)."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from stacks.accepted_findings import accept_wildcards

REGISTRATION_ACTIONS = [
    "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
    "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
    "elasticloadbalancing:DeregisterTargets",
    "elasticloadbalancing:RegisterTargets",
]
DESCRIBE_ACTIONS = [
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
]


def grant_traffic_control(role: iam.IRole) -> None:
    """Register and deregister instances in this account's and region's classic load balancers
    and target groups, and read their state. Which ones a deployment touches is the deployment
    group's ``loadBalancerInfo``, chosen by whoever may create deployment groups."""
    stack = Stack.of(role)
    prefix = f"arn:{stack.partition}:elasticloadbalancing:{stack.region}:{stack.account}"
    statements = [
        iam.PolicyStatement(
            actions=REGISTRATION_ACTIONS,
            resources=[f"{prefix}:loadbalancer/*", f"{prefix}:targetgroup/*/*"],
        ),
        iam.PolicyStatement(actions=DESCRIBE_ACTIONS, resources=["*"]),
    ]
    for statement in statements:
        role.add_to_principal_policy(statement)
    accept_wildcards(
        role,
        statements,
        reason=(
            "Deployment groups name their load balancers and target groups at run time, any in "
            "this account and region; Elastic Load Balancing's Describe actions do not support "
            "resource-level permissions."
        ),
    )
