"""Permissions of ECS deployments: the services' task sets and the load balancers' listeners.

Least privilege as CodeDeploy's AWSCodeDeployRoleForECS: task sets of any service in this account
and region (a deployment group names its service at run time), listeners and rules of any load
balancer, reads where the API has no resource-level permissions, and iam:PassRole only to ECS
tasks (a task set runs its task definition's task and execution roles).
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from stacks.accepted_findings import accept_wildcards

TASK_SET_ACTIONS = [
    "ecs:CreateTaskSet",
    "ecs:DeleteTaskSet",
    "ecs:UpdateServicePrimaryTaskSet",
    "ecs:UpdateTaskSet",
]
LISTENER_ACTIONS = ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"]
# Describe* of ECS task definitions and of Elastic Load Balancing take no resource-level
# permissions.
READ_ACTIONS = [
    "ecs:DescribeServices",
    "ecs:DescribeTaskSets",
    "ecs:DescribeTaskDefinition",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
]


def grant_task_set_shifting(*roles: iam.IRole) -> None:
    """Create, promote and delete task sets and move listener weights (the workflow deploys;
    CreateDeployment reads; StopDeployment and alarm stops put traffic back)."""
    for role in roles:
        stack = Stack.of(role)
        prefix = f"arn:{stack.partition}:ecs:{stack.region}:{stack.account}"
        balancing = f"arn:{stack.partition}:elasticloadbalancing:{stack.region}:{stack.account}"
        statements = [
            iam.PolicyStatement(
                actions=TASK_SET_ACTIONS,
                resources=[f"{prefix}:service/*/*", f"{prefix}:task-set/*/*/*"],
            ),
            iam.PolicyStatement(
                actions=LISTENER_ACTIONS,
                resources=[
                    f"{balancing}:listener/app/*/*/*",
                    f"{balancing}:listener/net/*/*/*",
                    f"{balancing}:listener-rule/app/*/*/*/*",
                    f"{balancing}:listener-rule/net/*/*/*/*",
                ],
            ),
            iam.PolicyStatement(actions=READ_ACTIONS, resources=["*"]),
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=["*"],
                conditions={"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            ),
        ]
        for statement in statements:
            role.add_to_principal_policy(statement)
        accept_wildcards(
            role,
            statements,
            reason=(
                "An ECS deployment group deploys whichever service, task definition, target "
                "groups and listeners it names, any in this account and region (as CodeDeploy's "
                "AWSCodeDeployRoleForECS allows); Describe* take no resource-level permissions; "
                "PassRole only to ECS tasks, for the task definition's roles."
            ),
        )
