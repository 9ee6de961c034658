"""The deployment workflows: one Step Functions state machine per compute platform.

Step Functions waits, the workflow function decides (DESIGN.md section 2). Each machine is built
from one fragment per phase, so later phases slot in between the start and the end without touching
the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.accepted_findings import WILDCARD_RULE, accept, accept_wildcard_resource
from stacks.blue_green_workflow import BLUE_GREEN_FLAG, blue_green_steps

STARTED_STATUS = "InProgress"
SUCCEEDED_STATUS = "Succeeded"
# Reference §9: an in-place EC2 deployment lasts at most 8 hours.
SERVER_ROLLOUT_TIMEOUT = Duration.hours(8)
START_FAILED_ERROR = "DeploymentStartFailed"
ROLLOUT_ENDED_ERROR = "Rollwright.RolloutEnded"


class StartPhase(sfn.StateMachineFragment):
    """The first phase: the workflow function begins the deployment and reports its status.

    ``InProgress`` continues with ``on_started`` (the next phase); any other status fails the
    execution with the function's message as the cause. The phase's continuation is passed in
    rather than chained afterwards because it hangs off a Choice branch.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workflow_function: lambda_.IFunction,
        on_started: sfn.IChainable,
    ) -> None:
        super().__init__(scope, construct_id)
        begin = tasks.LambdaInvoke(
            self,
            "BeginDeployment",
            lambda_function=workflow_function,
            payload=sfn.TaskInput.from_object(
                {"action": "begin", "deploymentId": sfn.JsonPath.string_at("$.deploymentId")}
            ),
            # The lambda:invoke integration wraps the answer in {"Payload": ...}; keep the answer.
            output_path="$.Payload",
            retry_on_service_exceptions=True,
        )
        start_failed = sfn.Fail(
            self, "DeploymentStartFailed", error=START_FAILED_ERROR, cause_path="$.message"
        )
        started = (
            sfn.Choice(self, "DeploymentStarted")
            .when(sfn.Condition.string_equals("$.status", STARTED_STATUS), on_started)
            .otherwise(start_failed)
        )
        begin.next(started)
        self._start_state: sfn.State = begin

    @property
    def start_state(self) -> sfn.State:
        return self._start_state

    @property
    def end_states(self) -> list[sfn.INextable]:
        # Both branches end in the states given or made here; nothing is left open to chain.
        return []


class ServerRolloutPhase(sfn.StateMachineFragment):
    """The hosts' phase of a Server deployment: one wait, however many hosts and events.

    Two branches run in parallel. ``DispatchAndWait`` invokes the workflow function's ``dispatch``
    with a task token (``.waitForTaskToken``): it stores the token on the deployment item and
    starts the first window; from then on the agent function moves the rollout on with each
    host report and answers the token when the rollout ends. ``SweepHosts`` runs at once and then
    every ``sweepIntervalSeconds`` (a per-deployment setting the step returns) to fail dead hosts,
    until it answers ``ended``: a few state transitions per interval, none per host or event.
    When the wait is answered the branch fails on purpose (``ROLLOUT_ENDED_ERROR``), which stops
    the sweep branch at once instead of after its next wait. Whatever way the branches end (the
    wait's timeout included) goes to ``on_error`` with the error at ``$.error``; ``finish`` reads
    the outcome the rollout stored and uses the error only when there is none.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workflow_function: lambda_.IFunction,
        rollout_timeout: Duration,
        on_error: sfn.IChainable,
    ) -> None:
        super().__init__(scope, construct_id)
        deployment_id = sfn.JsonPath.string_at("$.deploymentId")
        wait_for_hosts = tasks.LambdaInvoke(
            self,
            "DispatchAndWait",
            lambda_function=workflow_function,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload=sfn.TaskInput.from_object(
                {
                    "action": "dispatch",
                    "deploymentId": deployment_id,
                    "taskToken": sfn.JsonPath.task_token,
                }
            ),
            task_timeout=sfn.Timeout.duration(rollout_timeout),
            retry_on_service_exceptions=True,
        )
        sweep = tasks.LambdaInvoke(
            self,
            "SweepHosts",
            lambda_function=workflow_function,
            payload=sfn.TaskInput.from_object({"action": "sweep", "deploymentId": deployment_id}),
            output_path="$.Payload",
            retry_on_service_exceptions=True,
        )
        for task in (wait_for_hosts, sweep):
            # Both steps are retry-safe: conditions make a repeated claim or result a no-op.
            task.add_retry(
                errors=["States.TaskFailed"], max_attempts=2, interval=Duration.seconds(1)
            )
        # Once the wait is answered the rollout is over: end the Parallel at once rather than
        # after the sweep branch's next wait (a branch that fails stops the other one).
        wait_for_hosts.next(
            sfn.Fail(
                self,
                "StopSweeps",
                error=ROLLOUT_ENDED_ERROR,
                cause="The rollout ended; the sweeps stop.",
            )
        )
        between_sweeps = sfn.Wait(
            self, "BetweenSweeps", time=sfn.WaitTime.seconds_path("$.sweepIntervalSeconds")
        )
        between_sweeps.next(sweep)
        sweep.next(
            sfn.Choice(self, "RolloutEnded")
            .when(sfn.Condition.boolean_equals("$.ended", True), sfn.Succeed(self, "SweepsDone"))
            .otherwise(between_sweeps)
        )
        self._rollout = sfn.Parallel(
            self,
            "Rollout",
            result_selector={"Error": ""},
            result_path="$.error",
        )
        self._rollout.branch(wait_for_hosts)
        self._rollout.branch(sweep)
        # The rollout's end comes as ROLLOUT_ENDED_ERROR too: finish reads the outcome it stored.
        self._rollout.add_catch(on_error, errors=["States.ALL"], result_path="$.error")

    @property
    def start_state(self) -> sfn.State:
        return self._rollout

    @property
    def end_states(self) -> list[sfn.INextable]:
        return [self._rollout]


class HookWait(sfn.StateMachineFragment):
    """A lifecycle hook of a traffic deployment (Lambda; ECS's hooks reuse it): ``lambdaHook``
    stores the task token and starts the hook runner; the hook's verdict (the API's
    PutLifecycleEventHookExecutionStatus, or the function's return value) answers the token. No
    answer within ``$.hookTimeoutSeconds`` (an hour, scaled by the stack's wait scale) fails the
    task with States.Timeout. Failures go to ``on_error`` with the error at ``$.error``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workflow_function: lambda_.IFunction,
        event: str,
        on_error: sfn.IChainable,
        action: str = "lambdaHook",
    ) -> None:
        super().__init__(scope, construct_id)
        self._wait = tasks.LambdaInvoke(
            self,
            event,
            lambda_function=workflow_function,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload=sfn.TaskInput.from_object(
                {
                    "action": action,
                    "deploymentId": sfn.JsonPath.string_at("$.deploymentId"),
                    "event": event,
                    "taskToken": sfn.JsonPath.task_token,
                }
            ),
            task_timeout=sfn.Timeout.at("$.hookTimeoutSeconds"),
            result_path=sfn.JsonPath.DISCARD,
            retry_on_service_exceptions=True,
        )
        self._wait.add_catch(on_error, errors=["States.ALL"], result_path="$.error")

    @property
    def start_state(self) -> sfn.State:
        return self._wait

    @property
    def end_states(self) -> list[sfn.INextable]:
        return [self._wait]


class TrafficShiftPhase(sfn.StateMachineFragment):
    """AllowTraffic of a traffic deployment: ``lambdaShift`` applies step ``$.step`` and answers
    the next step, ``waitSeconds`` and ``done``; a Wait state waits between steps. A few state
    transitions and one invocation per traffic step, none per second."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workflow_function: lambda_.IFunction,
        on_shifted: sfn.IChainable,
        on_error: sfn.IChainable,
        action: str = "lambdaShift",
    ) -> None:
        super().__init__(scope, construct_id)
        shift = tasks.LambdaInvoke(
            self,
            "ShiftTraffic",
            lambda_function=workflow_function,
            payload=sfn.TaskInput.from_object(
                {
                    "action": action,
                    "deploymentId": sfn.JsonPath.string_at("$.deploymentId"),
                    "step": sfn.JsonPath.number_at("$.step"),
                }
            ),
            output_path="$.Payload",
            retry_on_service_exceptions=True,
        )
        shift.add_catch(on_error, errors=["States.ALL"], result_path="$.error")
        between = sfn.Wait(
            self, "BetweenTrafficSteps", time=sfn.WaitTime.seconds_path("$.waitSeconds")
        )
        between.next(shift)
        shift.next(
            sfn.Choice(self, "TrafficShifted")
            .when(sfn.Condition.boolean_equals("$.done", True), on_shifted)
            .otherwise(between)
        )
        self._shift: sfn.State = shift

    @property
    def start_state(self) -> sfn.State:
        return self._shift

    @property
    def end_states(self) -> list[sfn.INextable]:
        return []


def lambda_traffic_phases(
    scope: Construct, *, workflow_function: lambda_.IFunction, finish: sfn.IChainable
) -> sfn.IChainable:
    """Plan → BeforeAllowTraffic → AllowTraffic (steps and waits) → AfterAllowTraffic → finish;
    every failure goes to ``finish`` with the error at ``$.error``."""
    plan = tasks.LambdaInvoke(
        scope,
        "PlanTraffic",
        lambda_function=workflow_function,
        payload=sfn.TaskInput.from_object(
            {"action": "lambdaPlan", "deploymentId": sfn.JsonPath.string_at("$.deploymentId")}
        ),
        output_path="$.Payload",
        retry_on_service_exceptions=True,
    )
    plan.add_catch(finish, errors=["States.ALL"], result_path="$.error")
    after = (
        HookWait(
            scope,
            "AfterHook",
            workflow_function=workflow_function,
            event="AfterAllowTraffic",
            on_error=finish,
        )
        .next(
            sfn.Pass(
                scope,
                "TrafficDeployed",
                result=sfn.Result.from_object({"Error": ""}),
                result_path="$.error",
            )
        )
        .next(finish)
    )
    shifted = TrafficShiftPhase(
        scope,
        "AllowTraffic",
        workflow_function=workflow_function,
        on_shifted=after,
        on_error=finish,
    )
    before = HookWait(
        scope,
        "BeforeHook",
        workflow_function=workflow_function,
        event="BeforeAllowTraffic",
        on_error=finish,
    ).next(shifted)
    return plan.next(before)


class FinishPhase(sfn.StateMachineFragment):
    """The last phase: ``finish`` (or ``action``) records the final status; Succeeded ends the
    execution in Succeed, anything else in Fail with CodeDeploy's error code and message."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workflow_function: lambda_.IFunction,
        action: str = "finish",
    ) -> None:
        super().__init__(scope, construct_id)
        finish = tasks.LambdaInvoke(
            self,
            "FinishDeployment",
            lambda_function=workflow_function,
            payload=sfn.TaskInput.from_object(
                {
                    "action": action,
                    "deploymentId": sfn.JsonPath.string_at("$.deploymentId"),
                    "error": sfn.JsonPath.object_at("$.error"),
                    # A rollback deployment is started on this same machine.
                    "stateMachineArn": sfn.JsonPath.string_at("$$.StateMachine.Id"),
                }
            ),
            output_path="$.Payload",
            retry_on_service_exceptions=True,
        )
        finish.add_retry(errors=["States.TaskFailed"], max_attempts=2, interval=Duration.seconds(1))
        finish.next(
            sfn.Choice(self, "DeploymentSucceeded")
            .when(
                sfn.Condition.string_equals("$.status", SUCCEEDED_STATUS),
                sfn.Succeed(self, "Succeeded"),
            )
            .otherwise(
                sfn.Fail(self, "DeploymentFailed", error_path="$.errorCode", cause_path="$.message")
            )
        )
        self._finish: sfn.State = finish

    @property
    def start_state(self) -> sfn.State:
        return self._finish

    @property
    def end_states(self) -> list[sfn.INextable]:
        return []


class DeploymentWorkflow(Construct):
    """The state machine that drives deployments of one compute platform, with its logs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        compute_platform: str,
        workflow_function: lambda_.IFunction,
        host_rollout: bool = False,
        traffic_rollout: bool = False,
        ecs_rollout: bool = False,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        started: sfn.IChainable = sfn.Succeed(self, "DeploymentSucceeded")
        if host_rollout:
            finish = FinishPhase(self, "Finish", workflow_function=workflow_function)
            # An EC2 blue/green deployment runs the host rollout once per pass
            # (stacks/blue_green_workflow.py); begin says which kind of deployment it is.
            after_rollout = sfn.Choice(self, "AfterRollout")
            hosts = ServerRolloutPhase(
                self,
                "Hosts",
                workflow_function=workflow_function,
                rollout_timeout=SERVER_ROLLOUT_TIMEOUT,
                on_error=after_rollout,
            ).next(after_rollout)
            blue_green, after_pass = blue_green_steps(
                self, workflow_function=workflow_function, rollout=hosts, finish=finish
            )
            is_blue_green = sfn.Condition.boolean_equals(BLUE_GREEN_FLAG, True)
            after_rollout.when(is_blue_green, after_pass).otherwise(finish)
            started = sfn.Choice(self, "BlueGreen").when(is_blue_green, blue_green).otherwise(hosts)
        if traffic_rollout:
            started = lambda_traffic_phases(
                self,
                workflow_function=workflow_function,
                finish=FinishPhase(
                    self, "Finish", workflow_function=workflow_function, action="lambdaFinish"
                ),
            )
        if ecs_rollout:
            # A module of its own, which builds on this one's fragments (imported here: a cycle).
            from stacks.ecs_workflow import ecs_traffic_phases  # noqa: PLC0415

            started = ecs_traffic_phases(
                self,
                workflow_function=workflow_function,
                finish=FinishPhase(
                    self, "Finish", workflow_function=workflow_function, action="ecsFinish"
                ),
            )
        start = StartPhase(self, "Start", workflow_function=workflow_function, on_started=started)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            comment=f"Rollwright deployments to the {compute_platform} compute platform",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(start),
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                include_execution_data=True,
            ),
            tracing_enabled=True,
        )
        self._accept_findings(workflow_function)

    def _accept_findings(self, workflow_function: lambda_.IFunction) -> None:
        accept_wildcard_resource(
            self.state_machine,
            f"{workflow_function.function_arn}:*",
            reason=(
                "Generated by CDK for the lambda:invoke task: the workflow function's versions "
                "and aliases. The function itself is the only one the machine can invoke."
            ),
        )
        accept(
            self.state_machine,
            WILDCARD_RULE,
            finding="Resource::*",
            reason=(
                "X-Ray tracing and CloudWatch Logs delivery (execution logging) actions do not "
                "support resource-level permissions; CDK grants exactly those."
            ),
        )


class DeploymentWorkflows(Construct):
    """The three state machines: Server (EC2/on-premises), Lambda and ECS deployments."""

    def __init__(
        self, scope: Construct, construct_id: str, *, workflow_function: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.server = DeploymentWorkflow(
            self,
            "Server",
            compute_platform="Server",
            workflow_function=workflow_function,
            host_rollout=True,
        ).state_machine
        self.lambda_ = DeploymentWorkflow(
            self,
            "Lambda",
            compute_platform="Lambda",
            workflow_function=workflow_function,
            traffic_rollout=True,
        ).state_machine
        self.ecs = DeploymentWorkflow(
            self,
            "Ecs",
            compute_platform="ECS",
            workflow_function=workflow_function,
            ecs_rollout=True,
        ).state_machine

    @property
    def state_machines(self) -> Sequence[sfn.StateMachine]:
        return (self.server, self.lambda_, self.ecs)

    @property
    def environment(self) -> dict[str, str]:
        """The contract's environment variables naming the three state machines."""
        return {
            "SERVER_STATE_MACHINE_ARN": self.server.state_machine_arn,
            "LAMBDA_STATE_MACHINE_ARN": self.lambda_.state_machine_arn,
            "ECS_STATE_MACHINE_ARN": self.ecs.state_machine_arn,
        }
