"""The ECS deployment workflow's phases (reference §5, ECS): built from the traffic deployments'
fragments (``HookWait``, ``TrafficShiftPhase``) with the ECS steps between them.

Plan → BeforeInstall → Install (the replacement task set, until it is steady) → AfterInstall →
AllowTestTraffic → AfterAllowTestTraffic → the ready wait (deploymentReadyOption STOP_DEPLOYMENT
only) → BeforeAllowTraffic → AllowTraffic (steps and waits) → AfterAllowTraffic →
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
    before_allow = hook("BeforeAllowTraffic")
    before_allow.next(shifted)
    after_install = hook("AfterInstall")
    plan.next(hook("BeforeInstall")).next(
        _step(scope, "Install", "ecsInstall", workflow_function, finish)
    ).next(
        _until_steady(scope, workflow_function=workflow_function, then=after_install, finish=finish)
    )
    after_install.next(
        _step(scope, "AllowTestTraffic", "ecsTestTraffic", workflow_function, finish)
    ).next(hook("AfterAllowTestTraffic")).next(
        _ready_wait(scope, workflow_function=workflow_function, then=before_allow, finish=finish)
    )
    return plan


def _until_steady(
    scope: Construct,
    *,
    workflow_function: lambda_.IFunction,
    then: sfn.IChainable,
    finish: sfn.IChainable,
) -> tasks.LambdaInvoke:
    """Install ends when the replacement task set is steady: asked now, then every
    ``steadyPollSeconds`` (Wait states: nothing runs meanwhile); the step itself fails the
    deployment when the replacement is not steady in time."""
    check = tasks.LambdaInvoke(
        scope,
        "CheckReplacementTaskSet",
        lambda_function=workflow_function,
        payload=sfn.TaskInput.from_object(
            {"action": "ecsCheckReplacement", "deploymentId": sfn.JsonPath.string_at(DEPLOYMENT_ID)}
        ),
        result_selector={"steady.$": "$.Payload.steady"},
        result_path="$.replacement",
        retry_on_service_exceptions=True,
    )
    check.add_catch(finish, errors=["States.ALL"], result_path="$.error")
    poll = sfn.Wait(
        scope, "ReplacementNotSteady", time=sfn.WaitTime.seconds_path("$.steadyPollSeconds")
    )
    poll.next(check)
    check.next(
        sfn.Choice(scope, "ReplacementSteady")
        .when(sfn.Condition.boolean_equals("$.replacement.steady", True), then)
        .otherwise(poll)
    )
    return check


def _ready_wait(
    scope: Construct,
    *,
    workflow_function: lambda_.IFunction,
    then: sfn.IChainable,
    finish: sfn.IChainable,
) -> sfn.Choice:
    """deploymentReadyOption STOP_DEPLOYMENT: a task-token wait (the deployment Ready) whose
    timeout is the group's ``waitTimeInMinutes`` (scaled); ContinueDeployment(READY_WAIT)
    answers the token and the deployment goes on to BeforeAllowTraffic; the timeout stops it
    (``ecsReadyWaitExpired``). Without the option (``readyWaitSeconds`` 0) it goes on at once."""
    ready_wait = tasks.LambdaInvoke(
        scope,
        "ReadyWait",
        lambda_function=workflow_function,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload=sfn.TaskInput.from_object(
            {
                "action": "ecsReadyWait",
                "deploymentId": sfn.JsonPath.string_at(DEPLOYMENT_ID),
                "taskToken": sfn.JsonPath.task_token,
            }
        ),
        task_timeout=sfn.Timeout.at("$.readyWaitSeconds"),
        result_path=sfn.JsonPath.DISCARD,
        retry_on_service_exceptions=True,
    )
    expired = _step(scope, "ReadyWaitExpired", "ecsReadyWaitExpired", workflow_function, finish)
    expired.next(finish)
    ready_wait.add_catch(expired, errors=["States.Timeout"], result_path="$.error")
    ready_wait.add_catch(finish, errors=["States.ALL"], result_path="$.error")
    ready_wait.next(then)
    return (
        sfn.Choice(scope, "WaitUntilReady")
        .when(sfn.Condition.number_greater_than("$.readyWaitSeconds", 0), ready_wait)
        .otherwise(then)
    )
