"""The Rollwright stack: wires the control plane's capabilities together (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from rollwright.deployment_plan import HostLimits
from stacks.accepted_findings import accept_wildcards
from stacks.agent_logs import AgentLogs
from stacks.alarm_wiring import AlarmWiring
from stacks.api import STAGE_NAME, CodeDeployApi
from stacks.artifacts import ArtifactStore
from stacks.auto_scaling_wiring import (
    AutoScalingWiring,
    grant_action_completion,
    grant_action_heartbeats,
    grant_hook_management,
)
from stacks.blue_green_workflow import grant_blue_green_fleets
from stacks.dead_letter_queue import DeadLetterQueue
from stacks.ecs_traffic import grant_task_set_shifting
from stacks.fleet_reads import grant_fleet_reads
from stacks.host_access import HOST_QUEUE_PREFIX, HostAccess
from stacks.lambda_traffic import grant_alias_shifting, grant_hook_invocation
from stacks.notifications import DeploymentNotifications
from stacks.python_function import PythonFunction
from stacks.state_table import INDEX_NAME, StateTable
from stacks.traffic_control import grant_traffic_control
from stacks.workflows import DeploymentWorkflows

STACK_NAME = "Rollwright"


def _function(scope: Construct, package: str, **options: Any) -> PythonFunction:
    """The function of ``functions/<package>/handler.py``: construct id ``<Package>Function``,
    service name ``<package>`` (dashed); ``options`` as ``PythonFunction`` takes them."""
    return PythonFunction(
        scope,
        "".join(word.capitalize() for word in package.split("_")) + "Function",
        handler=f"functions.{package}.handler.handler",
        service_name=package.replace("_", "-"),
        **options,
    )


def _event_function(
    scope: Construct, package: str, dead_letters_id: str, **options: Any
) -> tuple[PythonFunction, sqs.IQueue]:
    """``_function`` for a function EventBridge invokes asynchronously, and its dead-letter queue
    (construct id ``dead_letters_id``): the function's failed invocations go there, and the
    event rule's target should send its undeliverable events there too."""
    dead_letters = DeadLetterQueue(scope, dead_letters_id).queue
    return _function(scope, package, dead_letter_queue=dead_letters, **options), dead_letters


class ControlPlaneStack(Stack):
    """Rollwright's control plane: API, state, workflows, alarms, artifacts and host access.

    Every function gets only the environment variables and permissions it uses.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str = STACK_NAME,
        *,
        on_premises_principal: iam.IPrincipal | None = None,
        host_limits: HostLimits | None = None,
        wait_scale: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # How long a host may stay silent before it fails (``HostLimits``): both functions that
        # create deployments (api; workflow, for rollbacks) stamp them on each deployment.
        limits = host_limits or HostLimits()
        limit_environment = {
            "HOST_START_SECONDS": str(limits.start_seconds),
            "HOST_HEARTBEAT_SECONDS": str(limits.heartbeat_seconds),
            "HOST_SWEEP_INTERVAL_SECONDS": str(limits.sweep_interval_seconds),
        }
        state = StateTable(self, "State")
        artifacts = ArtifactStore(self, "Artifacts")
        agent_logs = AgentLogs(self, "AgentLogs")
        table_name = state.table.table_name
        agent_log_group_name = agent_logs.log_group.log_group_name

        workflow = _function(
            self,
            "workflow",
            description="Rollwright workflow steps, called by the deployment state machines",
            timeout=Duration.minutes(5),
            memory_size=512,
            environment={
                "TABLE_NAME": table_name,
                "HOST_QUEUE_PREFIX": HOST_QUEUE_PREFIX,
                "AGENT_LOG_GROUP": agent_log_group_name,
                **limit_environment,
                # Also scales the interval of Auto Scaling lifecycle action heartbeats (5 min).
                "WAIT_SCALE": str(wait_scale),
            },
        )
        workflows = DeploymentWorkflows(
            self,
            "Workflows",
            workflow_function=workflow.function,
            sweep_interval=Duration.seconds(limits.sweep_interval_seconds),
        )
        api = _function(
            self,
            "api",
            description="Rollwright CodeDeploy API (JSON 1.1 and Smithy RPC v2 CBOR)",
            timeout=Duration.seconds(29),
            memory_size=512,
            environment={
                "TABLE_NAME": table_name,
                **workflows.environment,
                "ARTIFACTS_BUCKET": artifacts.bucket.bucket_name,
                "HOST_QUEUE_PREFIX": HOST_QUEUE_PREFIX,
                **limit_environment,
                # Every wait of the traffic workflows, multiplied (docs/operations.md).
                "WAIT_SCALE": str(wait_scale),
            },
        )
        agent = _function(
            self,
            "agent",
            description="Rollwright agent protocol: host reports and heartbeats",
            timeout=Duration.seconds(29),
            environment={
                "TABLE_NAME": table_name,
                "AGENT_LOG_GROUP": agent_log_group_name,
                "HOST_QUEUE_PREFIX": HOST_QUEUE_PREFIX,
            },
        )
        # The functions that change deployments on an event (alarm state change, lifecycle action).
        deployment_environment = {
            "TABLE_NAME": table_name,
            "HOST_QUEUE_PREFIX": HOST_QUEUE_PREFIX,
            **workflows.environment,
        }
        alarm, alarm_dead_letters = _event_function(
            self,
            "alarm",
            "AlarmDeadLetters",
            description="Rollwright alarm watcher: CloudWatch alarm state changes",
            timeout=Duration.minutes(1),
            # Lambda gives CPU in proportion to memory (1,769 MB is one vCPU): the first ALARM
            # usually meets a cold function, whose imports and clients are CPU-bound, and 1 GB
            # gives four times the CPU of 256 MB. It runs a few times a day: the price is nil.
            memory_size=1024,
            environment=deployment_environment,
        )
        AlarmWiring(
            self,
            "AlarmWiring",
            alarm_function=alarm.function,
            dead_letter_queue=alarm_dead_letters,
        )
        auto_scaling, auto_scaling_dead_letters = _event_function(
            self,
            "auto_scaling",
            "AutoScalingDeadLetters",
            description="Rollwright Auto Scaling: launch deployments for lifecycle actions",
            timeout=Duration.minutes(1),
            environment={**deployment_environment, **limit_environment},
        )
        AutoScalingWiring(
            self,
            "AutoScalingWiring",
            auto_scaling_function=auto_scaling.function,
            dead_letter_queue=auto_scaling_dead_letters,
        )
        notify_dead_letters = DeadLetterQueue(self, "NotifyDeadLetters")
        notify = _function(
            self,
            "notify",
            description="Rollwright notifications: EventBridge events and SNS triggers",
            timeout=Duration.minutes(1),
            environment={"TABLE_NAME": table_name},
        )
        DeploymentNotifications(
            self,
            "Notifications",
            notify_function=notify.function,
            role=notify.role,
            table=state.table,
            dead_letter_queue=notify_dead_letters.queue,
        )
        accept_wildcards(
            notify.role,
            state.table.grant_read_data(notify.role).principal_statements,
            reason=f"Deployment groups are found by id on the table's index {INDEX_NAME}.",
        )
        http_api = CodeDeployApi(
            self, "Api", api_function=api.function, agent_function=agent.function
        )
        hook_runner = _function(
            self,
            "hook_runner",
            description="Rollwright hook runner: invokes a Lambda deployment's hook function",
            # A hook runs inside it; Lambda's longest run (the hook's own hour is the wait's).
            timeout=Duration.minutes(15),
            # The URL from the API's id and stage name, not its Stage resource: the stage
            # depends on the functions behind it, the workflow's among them (a cycle).
            environment={
                "TABLE_NAME": table_name,
                "API_URL": (
                    f"https://{http_api.rest_api.rest_api_id}.execute-api.{Aws.REGION}."
                    f"{Aws.URL_SUFFIX}/{STAGE_NAME}"
                ),
            },
        )
        workflow.function.add_environment(
            "HOOK_RUNNER_FUNCTION", hook_runner.function.function_name
        )
        accept_wildcards(
            workflow.role,
            hook_runner.function.grant_invoke(workflow.role).principal_statements,
            reason="Generated by CDK for lambda:InvokeFunction: the hook runner's versions.",
        )
        # The alarm function puts a stopped Lambda deployment's traffic back (as StopDeployment).
        grant_alias_shifting(api.role, workflow.role, alarm.role)
        grant_hook_invocation(hook_runner.role)
        # ECS deployments: the same roles move task sets and listener weights.
        grant_task_set_shifting(api.role, workflow.role, alarm.role)
        hosts = HostAccess(
            self,
            "HostAccess",
            agent_log_group=agent_logs.log_group,
            agent_routes_arn=http_api.agent_routes_arn,
            on_premises_principal=on_premises_principal or iam.AccountRootPrincipal(),
        )

        self._grant_state(state, (api, agent, workflow, alarm, hook_runner, auto_scaling))
        self._grant_workflows(
            workflows,
            api=api,
            agent=agent,
            alarm=alarm,
            workflow=workflow,
            hook_runner=hook_runner,
        )
        # Launch deployments start Server executions; lifecycle hooks come and go with the
        # deployment groups (api; the workflow, when a succeeded blue/green deployment's green
        # Auto Scaling groups become the group's: rollwright/blue_green_adoption.py); lifecycle
        # actions are completed by the auto scaling function (at once, or when no deployment is
        # due) and the workflow's finish step.
        workflows.server.grant_start_execution(auto_scaling.role)
        grant_hook_management(api.role)
        grant_hook_management(workflow.role)
        grant_action_completion(auto_scaling.role)
        grant_action_completion(workflow.role)
        # The workflow's sweep keeps a running launch or termination's action alive.
        grant_action_heartbeats(workflow.role)
        for reader in (api.role, hosts.host_role):
            # Hosts download the revisions they deploy (DownloadBundle) with their own session.
            accept_wildcards(
                reader,
                [artifacts.grant_revision_reads(reader)],
                reason="Revisions are any object (and version) of the artifacts bucket.",
            )
        agent_logs.log_group.grant_write(agent.role)
        # CreateDeployment resolves EC2 and Auto Scaling targets (the workflow: for a rollback).
        grant_fleet_reads(api.role)
        grant_fleet_reads(workflow.role)
        grant_blue_green_fleets(workflow.role)
        grant_fleet_reads(auto_scaling.role)
        # The workflow polls the alarms its deployments watch (before the first window, each sweep).
        alarm_reads = iam.PolicyStatement(
            actions=["cloudwatch:DescribeAlarms"],
            resources=[f"arn:{self.partition}:cloudwatch:{self.region}:{self.account}:alarm:*"],
        )
        workflow.role.add_to_principal_policy(alarm_reads)
        accept_wildcards(
            workflow.role,
            [alarm_reads],
            reason="Deployment groups name any alarm of the account and region (up to 10 each).",
        )
        for traffic_controller in (agent, workflow):
            # BlockTraffic/AllowTraffic: begun on a host's report, looked at again by the sweep.
            grant_traffic_control(traffic_controller.role)
        for function in (api, workflow, agent, auto_scaling):
            accept_wildcards(
                function.role,
                hosts.grant_queue_management(function.role).principal_statements,
                reason=(
                    "Host queues are created at run time, one per host, all named "
                    f"{HOST_QUEUE_PREFIX}<host id> in this account and region."
                ),
            )

        outputs = {
            "ApiUrl": http_api.url,
            "TableName": table_name,
            "ServerStateMachineArn": workflows.server.state_machine_arn,
            "LambdaStateMachineArn": workflows.lambda_.state_machine_arn,
            "EcsStateMachineArn": workflows.ecs.state_machine_arn,
            "ArtifactsBucketName": artifacts.bucket.bucket_name,
            "AgentLogGroupName": agent_log_group_name,
            "HostPolicyArn": hosts.host_policy.managed_policy_arn,
            "HostRoleArn": hosts.host_role.role_arn,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)

    @staticmethod
    def _grant_state(state: StateTable, functions: tuple[PythonFunction, ...]) -> None:
        for function in functions:
            accept_wildcards(
                function.role,
                state.table.grant_read_write_data(function.role).principal_statements,
                reason=f"Queries on the table's index {INDEX_NAME} (<table arn>/index/*).",
            )

    @staticmethod
    def _grant_workflows(
        workflows: DeploymentWorkflows,
        *,
        api: PythonFunction,
        agent: PythonFunction,
        alarm: PythonFunction,
        workflow: PythonFunction,
        hook_runner: PythonFunction,
    ) -> None:
        """Start and stop executions (api: deployments; alarm: stop and roll back) and answer
        task tokens (agent: host reports)."""
        for machine in workflows.state_machines:
            for function in (api, alarm):
                machine.grant_start_execution(function.role)
                accept_wildcards(
                    function.role,
                    machine.grant_execution(
                        function.role, "states:StopExecution"
                    ).principal_statements,
                    reason="StopExecution names executions, which are created per deployment.",
                )
            machine.grant_task_response(agent.role)
        # StopDeployment (api) or an alarm's stop with nothing in progress ends the rollout, which
        # answers its wait.
        workflows.server.grant_task_response(api.role)
        workflows.server.grant_task_response(alarm.role)
        # Hook verdicts (PutLifecycleEventHookExecutionStatus) and ContinueDeployment answer the
        # traffic workflows' waits.
        workflows.lambda_.grant_task_response(api.role)
        workflows.ecs.grant_task_response(api.role)
        # The workflow function answers its own Server wait when a rollout ends at dispatch or a
        # sweep ends it, and starts a rollback deployment's execution. A policy of its own: the
        # function's default policy may not name the machine, which names the function (a
        # dependency cycle).
        iam.Policy(
            workflows,
            "HookTaskResponses",
            roles=[workflow.role, hook_runner.role],
            statements=[
                iam.PolicyStatement(
                    actions=["states:SendTaskSuccess", "states:SendTaskFailure"],
                    resources=[
                        workflows.lambda_.state_machine_arn,
                        workflows.ecs.state_machine_arn,
                    ],
                )
            ],
        )
        iam.Policy(
            workflows,
            "WorkflowTaskResponses",
            roles=[workflow.role],
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "states:SendTaskSuccess",
                        "states:SendTaskFailure",
                        "states:StartExecution",
                    ],
                    resources=[workflows.server.state_machine_arn],
                )
            ],
        )
