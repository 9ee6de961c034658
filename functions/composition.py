"""The domain services on the state table: what the api and workflow functions are made of.

``codedeploy_services`` builds every service of the CodeDeploy API once per execution
environment. The function's own ARN names the region and account of the ARNs they hand out; the
Server state machine is named by the caller (the api function reads it from its environment; the
workflow function, which that machine invokes, is told by the machine itself, since its
environment cannot name the machine without a dependency cycle).
"""

from __future__ import annotations

import os
import secrets
import time
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3

from functions.adapters.application_records import DynamoApplicationStore
from functions.adapters.application_tag_records import DynamoApplicationTagStore
from functions.adapters.appspec_objects import S3AppSpecObjects
from functions.adapters.auto_scaling_hooks import (
    AutoScalingLifecycleActions,
    AutoScalingLifecycleHooks,
)
from functions.adapters.blue_green_records import BlueGreenRecords
from functions.adapters.deployment_config_records import DynamoDeploymentConfigStore
from functions.adapters.deployment_group_records import DynamoDeploymentGroupStore
from functions.adapters.deployment_store import DynamoDeploymentStore
from functions.adapters.fleet_instances import Ec2Fleet
from functions.adapters.lambda_aliases import LambdaAliases, LambdaHookInvoker
from functions.adapters.lambda_deployment_records import DynamoLambdaDeployments
from functions.adapters.lazy_clients import LazyClient
from functions.adapters.lifecycle_action_records import DynamoHeldActions
from functions.adapters.on_premises_instance_records import DynamoOnPremisesInstanceStore
from functions.adapters.revision_records import DynamoRevisionStore
from functions.adapters.task_tokens import TaskTokens
from functions.adapters.workflow_starts import StepFunctionsWorkflows
from functions.api.deployment_stops import deployment_stops
from functions.ecs_composition import ecs_deployments
from rollwright.account_region import AccountRegion
from rollwright.alarm_watch import AlarmReader
from rollwright.applications import Applications, ComputePlatform
from rollwright.auto_scaling_deployments import GroupLaunchDeployments
from rollwright.auto_scaling_launches import AutoScalingLaunches
from rollwright.blue_green_continue import BlueGreenContinues
from rollwright.deployment_configs import DeploymentConfigs
from rollwright.deployment_groups import DeploymentGroups
from rollwright.deployment_plan import HostLimits
from rollwright.deployment_requests import new_deployment_id
from rollwright.deployment_rollbacks import DeploymentRollbacks
from rollwright.deployments import Deployments
from rollwright.lambda_deployments import LambdaDeployments
from rollwright.lambda_rollout import LambdaRollout
from rollwright.on_premises_instances import OnPremisesInstances
from rollwright.operations.shapes import CodeDeployServices
from rollwright.predefined_deployment_configs import PREDEFINED_DEPLOYMENT_CONFIGS
from rollwright.resource_tags import ResourceTags
from rollwright.revisions import ApplicationRevisions


def host_limits_from_environment() -> HostLimits:
    """The stack's host limits (``HOST_START_SECONDS`` …), the defaults where one is not set."""
    defaults = HostLimits()
    return HostLimits(
        start_seconds=int(os.environ.get("HOST_START_SECONDS", defaults.start_seconds)),
        heartbeat_seconds=int(os.environ.get("HOST_HEARTBEAT_SECONDS", defaults.heartbeat_seconds)),
        sweep_interval_seconds=int(
            os.environ.get("HOST_SWEEP_INTERVAL_SECONDS", defaults.sweep_interval_seconds)
        ),
    )


def wait_scale_from_environment() -> float:
    """The stack's ``WAIT_SCALE`` (every wait of the traffic workflows multiplied by it), 1 when
    unset; a value that is not a positive number is a broken deployment of the stack."""
    scale = float(os.environ.get("WAIT_SCALE") or 1)
    if not scale > 0:
        raise ValueError(f"WAIT_SCALE must be a positive number, got {scale}")
    return scale


def lambda_rollout(
    groups: DeploymentGroups,
    revisions: ApplicationRevisions,
    *,
    runner_function: str = "",
    alarms: AlarmReader | None = None,
) -> LambdaRollout:
    """The Lambda workflow's steps on the state table, Lambda and Step Functions; ``alarms``:
    CloudWatch, for the workflow's alarm polling (the other callers never poll)."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    lambda_client = LazyClient("lambda")
    return LambdaRollout(
        DynamoLambdaDeployments(table),
        LambdaAliases(lambda_client),
        tasks=TaskTokens(LazyClient("stepfunctions")),
        hooks=LambdaHookInvoker(lambda_client, runner_function=runner_function),
        groups=groups,
        revisions=revisions,
        clock=time.time,
        alarms=alarms,
    )


def codedeploy_services(
    function_arn: str,
    *,
    server_state_machine_arn: str,
    lambda_state_machine_arn: str | None = None,
    ecs_state_machine_arn: str | None = None,
) -> CodeDeployServices:
    dynamodb, table = boto3.client("dynamodb"), os.environ["TABLE_NAME"]
    account_region = AccountRegion.of_function(function_arn)
    applications = Applications(
        DynamoApplicationStore(dynamodb, table),
        clock=lambda: datetime.now(UTC),
        new_id=lambda: str(uuid.uuid4()),
    )
    deployment_configs = DeploymentConfigs(
        DynamoDeploymentConfigStore(dynamodb, table),
        PREDEFINED_DEPLOYMENT_CONFIGS,
        clock=lambda: datetime.now(UTC),
        new_id=lambda: str(uuid.uuid4()),
    )
    deployment_groups = DeploymentGroups(
        DynamoDeploymentGroupStore(dynamodb, table),
        applications,
        deployment_configs,
        new_id=lambda: str(uuid.uuid4()),
        hooks=AutoScalingLifecycleHooks(LazyClient("autoscaling")),
    )
    revisions = ApplicationRevisions(
        DynamoRevisionStore(dynamodb, table), applications, clock=lambda: datetime.now(UTC)
    )
    on_premises_instances = OnPremisesInstances(
        DynamoOnPremisesInstanceStore(dynamodb, table),
        account_region=account_region,
        clock=lambda: datetime.now(UTC),
    )
    workflows = StepFunctionsWorkflows(
        LazyClient("stepfunctions"),
        server_state_machine_arn=server_state_machine_arn,
        lambda_state_machine_arn=lambda_state_machine_arn,
        ecs_state_machine_arn=ecs_state_machine_arn,
    )
    lambda_deployments = LambdaDeployments(
        DynamoLambdaDeployments(boto3.resource("dynamodb").Table(table)),
        functions=LambdaAliases(LazyClient("lambda")),
        appspec_objects=S3AppSpecObjects(LazyClient("s3")),
        workflows=workflows,
        rollout=cache(lambda: lambda_rollout(deployment_groups, revisions)),
        account_region=account_region,
        wait_scale=wait_scale_from_environment(),
    )
    deployments = Deployments(
        DynamoDeploymentStore(boto3.resource("dynamodb").Table(table)),
        applications=applications,
        groups=deployment_groups,
        configs=deployment_configs,
        revisions=revisions,
        on_premises=on_premises_instances,
        fleet=Ec2Fleet(LazyClient("ec2"), LazyClient("autoscaling")),
        workflows=workflows,
        clock=lambda: datetime.now(UTC),
        new_id=lambda: new_deployment_id(secrets.choice),
        account_region=account_region,
        host_limits=host_limits_from_environment(),
        wait_scale=wait_scale_from_environment(),
        lambda_deployments=lambda_deployments,
        ecs_deployments=(
            ecs := ecs_deployments(
                deployment_groups,
                revisions,
                workflows=workflows,
                account_region=account_region,
                wait_scale=wait_scale_from_environment(),
            )
        ),
    )
    return CodeDeployServices(
        applications=applications,
        deployment_configs=deployment_configs,
        deployment_groups=deployment_groups,
        resource_tags=ResourceTags(
            account_region, DynamoApplicationTagStore(dynamodb, table), deployment_groups
        ),
        revisions=revisions,
        on_premises_instances=on_premises_instances,
        deployments=deployments,
        deployment_stops=deployment_stops(
            {ComputePlatform.LAMBDA: lambda_deployments, ComputePlatform.ECS: ecs},
            rollbacks=DeploymentRollbacks(deployments, deployment_groups),
        ),
        blue_green_waits=BlueGreenContinues(
            BlueGreenRecords(boto3.resource("dynamodb").Table(table)),
            TaskTokens(LazyClient("stepfunctions")),
        ),
    )


def auto_scaling_launches(
    function_arn: str, table: Any, *, server_state_machine_arn: str
) -> AutoScalingLaunches:
    """Launch deployments and lifecycle actions (the auto scaling function, the finish step)."""
    services = codedeploy_services(function_arn, server_state_machine_arn=server_state_machine_arn)
    return AutoScalingLaunches(
        services.deployment_groups,
        GroupLaunchDeployments(
            services.deployments,
            Ec2Fleet(LazyClient("ec2"), LazyClient("autoscaling")),
            DynamoDeploymentStore(table),
        ),
        AutoScalingLifecycleActions(LazyClient("autoscaling")),
        DynamoHeldActions(table),
    )
