"""Auto Scaling integration: lifecycle actions of Rollwright's hooks, delivered by EventBridge to
the auto scaling function, and the Auto Scaling permissions of the functions that manage the hooks
and complete the actions (functions/adapters/auto_scaling_hooks.py)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.accepted_findings import accept_wildcards

AUTO_SCALING_EVENT_SOURCE = "aws.autoscaling"
LIFECYCLE_ACTION_DETAIL_TYPES = [
    "EC2 Instance-launch Lifecycle Action",
    "EC2 Instance-terminate Lifecycle Action",
]
# Rollwright's hooks only (rollwright.auto_scaling_hooks): other hooks of the account are not ours.
HOOK_NAME_PREFIX = "CodeDeploy-managed-"
HOOK_MANAGEMENT_ACTIONS = ["autoscaling:PutLifecycleHook", "autoscaling:DeleteLifecycleHook"]
ACTION_COMPLETION_ACTIONS = ["autoscaling:CompleteLifecycleAction"]
ACTION_HEARTBEAT_ACTIONS = ["autoscaling:RecordLifecycleActionHeartbeat"]


def _auto_scaling_groups_arn(role: iam.IRole) -> str:
    stack = Stack.of(role)
    return (
        f"arn:{stack.partition}:autoscaling:{stack.region}:{stack.account}:"
        "autoScalingGroup:*:autoScalingGroupName/*"
    )


def grant_hook_management(role: iam.IRole) -> None:
    """Put and delete lifecycle hooks (CreateDeploymentGroup, UpdateDeploymentGroup,
    DeleteDeploymentGroup)."""
    _grant(role, HOOK_MANAGEMENT_ACTIONS, "A deployment group names any Auto Scaling group")


def grant_action_completion(role: iam.IRole) -> None:
    """Complete lifecycle actions (the launch's end, a termination)."""
    _grant(role, ACTION_COMPLETION_ACTIONS, "A lifecycle action comes from any Auto Scaling group")


def grant_action_heartbeats(role: iam.IRole) -> None:
    """Keep lifecycle actions alive while their launch or termination deployment runs."""
    _grant(role, ACTION_HEARTBEAT_ACTIONS, "A lifecycle action comes from any Auto Scaling group")


def _grant(role: iam.IRole, actions: list[str], why: str) -> None:
    statement = iam.PolicyStatement(actions=actions, resources=[_auto_scaling_groups_arn(role)])
    role.add_to_principal_policy(statement)
    accept_wildcards(
        role,
        [statement],
        reason=(
            f"{why} of the account and region (up to 10 per group); Auto Scaling group ARNs "
            "hold a generated id, so the name alone cannot be scoped tighter."
        ),
    )


class AutoScalingWiring(Construct):
    """An EventBridge rule sending the lifecycle actions of Rollwright's hooks to the auto scaling
    function, with retries and a dead-letter queue: an instance waits in ``Pending:Wait`` until
    its action is completed, so an event must not vanish unseen."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        auto_scaling_function: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "LifecycleActionRule",
            description="Rollwright: Auto Scaling lifecycle actions to the auto scaling function",
            event_pattern=events.EventPattern(
                source=[AUTO_SCALING_EVENT_SOURCE],
                detail_type=LIFECYCLE_ACTION_DETAIL_TYPES,
                detail={"LifecycleHookName": [{"prefix": HOOK_NAME_PREFIX}]},
            ),
            targets=[
                targets.LambdaFunction(
                    auto_scaling_function,
                    dead_letter_queue=dead_letter_queue,
                    retry_attempts=8,
                    max_event_age=Duration.hours(1),
                )
            ],
        )
