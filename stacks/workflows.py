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

from rollwright.deployment_plan import HostLimits
from rollwright.workflow_answers import BLUE_GREEN_ERROR, START_FAILED_ERROR
from stacks.accepted_findings import WILDCARD_RULE, accept, accept_wildcard_resource
from stacks.blue_green_workflow import BLUE_GREEN_FLAG, blue_green_steps

STARTED_STATUS = "InProgress"
SUCCEEDED_STATUS = "Succeeded"
# Where a wait after a sweep finds the deployment's sweep interval (``ServerPhases``).
SWEEP_INTERVAL_PATH = "$.error.sweepIntervalSeconds"
DEFAULT_SWEEP_INTERVAL = Duration.seconds(HostLimits().sweep_interval_seconds)


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


class ServerPhases:
    """A Server deployment's states: its hosts' rollout, and EC2 blue/green's steps around it.

    Each wait for the hosts is one Task (``.waitForTaskToken``) invoking the workflow function's
    ``rollout``, which begins the deployment if it has not begun, stores the token and starts the
    first window; from then on the agent function moves the rollout on with each host report and
    answers the token when the rollout ends. The wait times out after ``sweepIntervalSeconds``
    (``States.Timeout``, caught): ``SweepHosts`` fails dead hosts, and unless it says the rollout
    ended the workflow waits again with a new token. A rollout shorter than the interval takes no
    sweep at all: a plain in-place deployment is ``BeginRollout``, ``FinishDeployment`` and its
    end, four state transitions (issue #5's cost target).

    The first wait (``BeginRollout``, and ``PassRollout`` for each blue/green pass) is timed by
    the stack's interval (its state has no deployment's yet); a wait after a sweep by the
    deployment's own, which the sweep answers. ``rollout`` fails the wait by name when the
    deployment cannot start (``START_FAILED_ERROR``: the execution fails with its message) or is
    blue/green before its first pass (``BLUE_GREEN_ERROR``: the blue/green steps follow). Every
    other failure reaches ``finish`` (or ``blueGreenNext``) with the error at ``$.error``; a
    rollout that ended leaves ``{"Error": ""}`` there (with the sweep's answer, after a sweep).
    """

    def __init__(
        self,
        scope: Construct,
        *,
        workflow_function: lambda_.IFunction,
        sweep_interval: Duration,
        finish: sfn.IChainable,
    ) -> None:
        deployment_id = sfn.JsonPath.string_at("$.deploymentId")
        first_sweep = sfn.Timeout.duration(sweep_interval)
        self.begin = _host_wait(scope, "BeginRollout", workflow_function, first_sweep)
        pass_rollout = _host_wait(scope, "PassRollout", workflow_function, first_sweep)
        wait_again = _host_wait(
            scope, "DispatchAndWait", workflow_function, sfn.Timeout.at(SWEEP_INTERVAL_PATH)
        )
        sweep = tasks.LambdaInvoke(
            scope,
            "SweepHosts",
            lambda_function=workflow_function,
            payload=sfn.TaskInput.from_object({"action": "sweep", "deploymentId": deployment_id}),
            # What the rollout ended with so far: nothing (finish and blueGreenNext read
            # ``Error``), and the sweep's answer.
            result_selector={
                "Error": "",
                "ended": sfn.JsonPath.object_at("$.Payload.ended"),
                "sweepIntervalSeconds": sfn.JsonPath.number_at("$.Payload.sweepIntervalSeconds"),
            },
            result_path="$.error",
            retry_on_service_exceptions=True,
        )
        # Retry-safe: conditions make a repeated claim or result a no-op.
        sweep.add_retry(errors=["States.TaskFailed"], max_attempts=2, interval=Duration.seconds(1))
        blue_green, after_pass = blue_green_steps(
            scope, workflow_function=workflow_function, rollout=pass_rollout, finish=finish
        )
        is_blue_green = sfn.Condition.and_(
            sfn.Condition.is_present(BLUE_GREEN_FLAG),
            sfn.Condition.boolean_equals(BLUE_GREEN_FLAG, True),
        )
        after_rollout = (
            sfn.Choice(scope, "AfterRollout").when(is_blue_green, after_pass).otherwise(finish)
        )
        ended = sfn.Condition.boolean_equals("$.error.ended", True)
        sweep.next(
            sfn.Choice(scope, "RolloutEnded")
            .when(sfn.Condition.and_(ended, is_blue_green), after_pass)
            .when(ended, finish)
            .otherwise(wait_again)
        )
        sweep.add_catch(after_rollout, errors=["States.ALL"], result_path="$.error")
        start_failed = sfn.Fail(
            scope, "DeploymentStartFailed", error=START_FAILED_ERROR, cause_path="$.error.Cause"
        )
        for wait in (self.begin, pass_rollout, wait_again):
            wait.add_catch(start_failed, errors=[START_FAILED_ERROR], result_path="$.error")
            wait.add_catch(blue_green, errors=[BLUE_GREEN_ERROR], result_path="$.error")
            wait.add_catch(sweep, errors=["States.Timeout"], result_path="$.error")
            wait.add_catch(after_rollout, errors=["States.ALL"], result_path="$.error")
        # Only an in-place deployment's first wait is answered (a blue/green one fails it by name).
        self.begin.next(finish)
        pass_rollout.next(after_rollout)
        wait_again.next(after_rollout)


def _host_wait(
    scope: Construct, construct_id: str, workflow_function: lambda_.IFunction, timeout: sfn.Timeout
) -> tasks.LambdaInvoke:
    """A wait for the hosts: ``rollout`` with the token, until the token is answered or the
    timeout sends the workflow to sweep."""
    wait = tasks.LambdaInvoke(
        scope,
        construct_id,
        lambda_function=workflow_function,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload=sfn.TaskInput.from_object(
            {
                "action": "rollout",
                "deploymentId": sfn.JsonPath.string_at("$.deploymentId"),
                "taskToken": sfn.JsonPath.task_token,
                # Orders the waits: a late step of a wait already left cannot replace the token.
                "waitEnteredAt": sfn.JsonPath.string_at("$$.State.EnteredTime"),
            }
        ),
        task_timeout=timeout,
        # The answer is the rollout's end; finish reads the outcome the rollout stored.
        result_selector={"Error": ""},
        result_path="$.error",
        retry_on_service_exceptions=True,
    )
    # The named answers are final (the first matching retrier applies: these never retry).
    wait.add_retry(errors=[START_FAILED_ERROR, BLUE_GREEN_ERROR], max_attempts=0)
    # Retry-safe: beginning again is a no-op, conditions make a repeated claim a no-op.
    wait.add_retry(errors=["States.TaskFailed"], max_attempts=2, interval=Duration.seconds(1))
    return wait


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
        sweep_interval: Duration = DEFAULT_SWEEP_INTERVAL,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        started: sfn.IChainable = sfn.Succeed(self, "DeploymentSucceeded")
        start: sfn.IChainable | None = None
        if host_rollout:
            finish = FinishPhase(self, "Finish", workflow_function=workflow_function)
            start = ServerPhases(
                self,
                workflow_function=workflow_function,
                sweep_interval=sweep_interval,
                finish=finish,
            ).begin
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
        if start is None:
            start = StartPhase(
                self, "Start", workflow_function=workflow_function, on_started=started
            )
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
        self,
        scope: Construct,
        construct_id: str,
        *,
        workflow_function: lambda_.IFunction,
        sweep_interval: Duration = DEFAULT_SWEEP_INTERVAL,
    ) -> None:
        """``sweep_interval``: the stack's ``HostLimits.sweep_interval_seconds``, which new
        deployments record: the first wait for a deployment's hosts is timed by it."""
        super().__init__(scope, construct_id)
        self.server = DeploymentWorkflow(
            self,
            "Server",
            compute_platform="Server",
            workflow_function=workflow_function,
            host_rollout=True,
            sweep_interval=sweep_interval,
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
