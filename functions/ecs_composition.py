"""The ECS deployment services on the state table, ECS, Elastic Load Balancing, Lambda (hooks) and
Step Functions: what ``composition.codedeploy_services`` and the workflow and hook runner
functions build for ECS deployments."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import cache

import boto3

from functions.adapters.appspec_objects import S3AppSpecObjects
from functions.adapters.ecs_deployment_records import DynamoEcsDeployments
from functions.adapters.ecs_task_sets import EcsTaskSets
from functions.adapters.lambda_aliases import LambdaHookInvoker
from functions.adapters.lazy_clients import LazyClient
from functions.adapters.listener_weights import ElbListenerWeights
from functions.adapters.task_tokens import TaskTokens
from rollwright.account_region import AccountRegion
from rollwright.alarm_watch import AlarmReader
from rollwright.deployment_groups import DeploymentGroups
from rollwright.ecs_deployments import EcsDeployments
from rollwright.ecs_records import EcsWorkflows
from rollwright.ecs_rollout import EcsRollout
from rollwright.revisions import ApplicationRevisions


def ecs_rollout(
    groups: DeploymentGroups,
    revisions: ApplicationRevisions,
    *,
    runner_function: str = "",
    alarms: AlarmReader | None = None,
) -> EcsRollout:
    """The ECS workflow's steps (the hook runner and the API need no runner function);
    ``alarms``: CloudWatch, for the workflow's alarm polling (the other callers never poll)."""
    return EcsRollout(
        DynamoEcsDeployments(boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])),
        EcsTaskSets(LazyClient("ecs")),
        ElbListenerWeights(LazyClient("elbv2")),
        tasks=TaskTokens(LazyClient("stepfunctions")),
        hooks=LambdaHookInvoker(LazyClient("lambda"), runner_function=runner_function),
        groups=groups,
        revisions=revisions,
        clock=time.time,
        alarms=alarms,
    )


def ecs_deployments(
    groups: DeploymentGroups,
    revisions: ApplicationRevisions,
    *,
    workflows: EcsWorkflows,
    account_region: AccountRegion,
    wait_scale: float,
) -> EcsDeployments:
    rollout: Callable[[], EcsRollout] = cache(lambda: ecs_rollout(groups, revisions))
    return EcsDeployments(
        DynamoEcsDeployments(boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])),
        services=EcsTaskSets(LazyClient("ecs")),
        listeners=ElbListenerWeights(LazyClient("elbv2")),
        appspec_objects=S3AppSpecObjects(LazyClient("s3")),
        workflows=workflows,
        rollout=rollout,
        account_region=account_region,
        wait_scale=wait_scale,
    )
