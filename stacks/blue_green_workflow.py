"""EC2 blue/green deployments on the Server state machine, and the permission they add.

A blue/green deployment runs the Server machine's own host rollout phase several times (once per
pass: install green, register green, deregister blue; ``rollwright.blue_green_rollout``) with
waits between them. ``blueGreenNext`` decides after each pass or wait and answers ``next``:
``Rollout`` (back into the host rollout phase), ``Wait`` (a task-token wait of ``waitSeconds``,
ended by ContinueDeployment or a stop, or by its timeout) or ``Finish``. A few state transitions
per pass, none per host.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.accepted_findings import accept_wildcards

BLUE_GREEN_FLAG = "$.blueGreen"


def blue_green_steps(
    scope: Construct,
    *,
    workflow_function: lambda_.IFunction,
    rollout: sfn.IChainable,
    finish: sfn.IChainable,
) -> tuple[sfn.State, sfn.State]:
    """``blueGreenNext`` and the wait it may send the workflow to; its answer replaces the state
    (``deploymentId``, ``blueGreen``, ``next``, ``waitSeconds``, ``error``). Returns the state
    that begins a deployment (no ``$.error`` yet) and ``blueGreenNext`` itself, where each
    rollout phase goes on."""
    deployment_id = sfn.JsonPath.string_at("$.deploymentId")
    next_step = tasks.LambdaInvoke(
        scope,
        "BlueGreenNext",
        lambda_function=workflow_function,
        payload=sfn.TaskInput.from_object(
            {
                "action": "blueGreenNext",
                "deploymentId": deployment_id,
                "error": sfn.JsonPath.object_at("$.error"),
            }
        ),
        output_path="$.Payload",
        retry_on_service_exceptions=True,
    )
    next_step.add_retry(errors=["States.TaskFailed"], max_attempts=2, interval=Duration.seconds(1))
    next_step.add_catch(finish, errors=["States.ALL"], result_path="$.error")
    wait = tasks.LambdaInvoke(
        scope,
        "BlueGreenWait",
        lambda_function=workflow_function,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload=sfn.TaskInput.from_object(
            {
                "action": "blueGreenWait",
                "deploymentId": deployment_id,
                "taskToken": sfn.JsonPath.task_token,
            }
        ),
        task_timeout=sfn.Timeout.at("$.waitSeconds"),
        result_path=sfn.JsonPath.DISCARD,
        retry_on_service_exceptions=True,
    )
    # A timeout is an answer too: blueGreenNext reads it from $.error (the ready wait ends the
    # deployment Stopped; the termination wait goes on to terminate blue).
    wait.add_catch(next_step, errors=["States.ALL"], result_path="$.error")
    wait.next(next_step)
    first = sfn.Pass(
        scope,
        "BlueGreenStart",
        result=sfn.Result.from_object({"Error": ""}),
        result_path="$.error",
    )
    first.next(next_step)
    next_step.next(
        sfn.Choice(scope, "BlueGreenNextStep")
        .when(sfn.Condition.string_equals("$.next", "Rollout"), rollout)
        .when(sfn.Condition.string_equals("$.next", "Wait"), wait)
        .when(
            sfn.Condition.string_equals("$.next", "Poll"),
            # A copied Auto Scaling group's instances are launching: look again shortly.
            sfn.Wait(
                scope, "BlueGreenProvisioning", time=sfn.WaitTime.seconds_path("$.waitSeconds")
            ).next(next_step),
        )
        .otherwise(finish)
    )
    return first, next_step


def grant_blue_instance_termination(role: iam.IRole) -> None:
    """EC2 TerminateInstances for blue instances of a TERMINATE blue/green deployment: any
    instance a deployment group may target, so the resource is every instance of the account."""
    statement = iam.PolicyStatement(
        actions=["ec2:TerminateInstances"],
        resources=["arn:aws:ec2:*:*:instance/*"],
    )
    role.add_to_principal_policy(statement)
    accept_wildcards(
        role,
        [statement],
        reason=(
            "A blue/green deployment group's original instances are whatever its tags and Auto "
            "Scaling groups select, decided per deployment; the workflow terminates exactly "
            "those recorded on the deployment when the group says TERMINATE."
        ),
    )


def grant_auto_scaling_copies(role: iam.IRole) -> None:
    """COPY_AUTO_SCALING_GROUP: create the copy of a group's Auto Scaling group (launching its
    instances from the original's launch template or configuration), attach the original's load
    balancers and target groups to it once rerouting succeeded, delete a copy that failed or was
    rolled back, and delete the original once a TERMINATE deployment succeeded. A launch
    template or configuration that names an instance profile makes the caller pass its role to
    EC2: ``iam:PassRole``, to EC2 only."""
    groups = iam.PolicyStatement(
        actions=[
            "autoscaling:CreateAutoScalingGroup",
            "autoscaling:DeleteAutoScalingGroup",
            "autoscaling:CreateOrUpdateTags",
            "autoscaling:AttachLoadBalancerTargetGroups",
            "autoscaling:AttachLoadBalancers",
        ],
        resources=["arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*"],
    )
    launches = iam.PolicyStatement(actions=["ec2:RunInstances", "ec2:CreateTags"], resources=["*"])
    instance_profiles = iam.PolicyStatement(
        actions=["iam:PassRole"],
        resources=["*"],
        conditions={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    )
    statements = [groups, launches, instance_profiles]
    for statement in statements:
        role.add_to_principal_policy(statement)
    accept_wildcards(
        role,
        statements,
        reason=(
            "The Auto Scaling groups a blue/green deployment group copies and deletes are the "
            "group's own, named by the user per group; creating a group from a launch template "
            "needs the caller's ec2:RunInstances and ec2:CreateTags on the template's resources, "
            "and iam:PassRole (only to EC2) for whatever instance profile role the user's "
            "template names."
        ),
    )


def grant_blue_green_fleets(role: iam.IRole) -> None:
    """What the workflow does to a blue/green deployment's fleets beyond the load balancers."""
    grant_blue_instance_termination(role)
    grant_auto_scaling_copies(role)
