"""The ECS deployment workflow's phases (reference §5, ECS): built from the traffic deployments'
fragments (``HookWait``, ``TrafficShiftPhase``) with the ECS steps between them.

Plan → BeforeInstall → Install (the replacement task set) → AfterInstall → AllowTestTraffic →
AfterAllowTestTraffic → BeforeAllowTraffic → AllowTraffic (steps and waits) → AfterAllowTraffic →
the termination wait → finish. The termination wait is a task-token wait whose timeout is the
group's termination wait (scaled): ContinueDeployment(TERMINATION_WAIT) answers the token early,
the timeout ends it on time; both go on to finish, which deletes the original task set. Every
failure goes to ``finish`` with the error at ``$.error``.
"""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.workflows import HookWait, TrafficShiftPhase

HOOK_ACTION = "ecsHook"
DEPLOYMENT_ID = "$.deploymentId"


def _step(
    scope: Construct,
    name: str,
    action: str,
    workflow_function: lambda_.IFunction,
    finish: sfn.IChainable,
) -> tasks.LambdaInvoke:
    """A step that acts and lets the state through unchanged."""
    step = tasks.LambdaInvoke(
        scope,
        name,
        lambda_function=workflow_function,
        payload=sfn.TaskInput.from_object(
            {"action": action, "deploymentId": sfn.JsonPath.string_at(DEPLOYMENT_ID)}
        ),
        result_path=sfn.JsonPath.DISCARD,
        retry_on_service_exceptions=True,
    )
    step.add_catch(finish, errors=["States.ALL"], result_path="$.error")
    return step


def ecs_traffic_phases(
    scope: Construct, *, workflow_function: lambda_.IFunction, finish: sfn.IChainable
) -> sfn.IChainable:
    def hook(event: str) -> HookWait:
        return HookWait(
            scope,
            f"{event}Hook",
            workflow_function=workflow_function,
            event=event,
            on_error=finish,
            action=HOOK_ACTION,
        )

    plan = tasks.LambdaInvoke(
        scope,
        "PlanEcsDeployment",
        lambda_function=workflow_function,
        payload=sfn.TaskInput.from_object(
            {"action": "ecsPlan", "deploymentId": sfn.JsonPath.string_at(DEPLOYMENT_ID)}
        ),
        output_path="$.Payload",
        retry_on_service_exceptions=True,
    )
    plan.add_catch(finish, errors=["States.ALL"], result_path="$.error")
    deployed = sfn.Pass(
        scope,
        "EcsDeployed",
        result=sfn.Result.from_object({"Error": ""}),
        result_path="$.error",
    ).next(finish)
    termination_wait = tasks.LambdaInvoke(
        scope,
        "TerminationWait",
        lambda_function=workflow_function,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload=sfn.TaskInput.from_object(
            {
                "action": "ecsTerminationWait",
                "deploymentId": sfn.JsonPath.string_at(DEPLOYMENT_ID),
                "taskToken": sfn.JsonPath.task_token,
            }
        ),
        task_timeout=sfn.Timeout.at("$.terminationWaitSeconds"),
        result_path=sfn.JsonPath.DISCARD,
        retry_on_service_exceptions=True,
    )
    # The wait's end on time is its timeout: the deployment goes on, as after ContinueDeployment.
    termination_wait.add_catch(deployed, errors=["States.Timeout"], result_path="$.error")
    termination_wait.add_catch(finish, errors=["States.ALL"], result_path="$.error")
    termination_wait.next(deployed)
    after_allow = hook("AfterAllowTraffic").next(termination_wait)
    shifted = TrafficShiftPhase(
        scope,
        "AllowTraffic",
        workflow_function=workflow_function,
        on_shifted=after_allow,
        on_error=finish,
        action="ecsShift",
    )
    return (
        plan.next(hook("BeforeInstall"))
        .next(_step(scope, "Install", "ecsInstall", workflow_function, finish))
        .next(hook("AfterInstall"))
        .next(_step(scope, "AllowTestTraffic", "ecsTestTraffic", workflow_function, finish))
        .next(hook("AfterAllowTestTraffic"))
        .next(hook("BeforeAllowTraffic"))
        .next(shifted)
    )
