"""StopDeployment's service, wired to the state table, the host queues and Step Functions: a stop
with nothing in progress ends the rollout at once, which answers the workflow's wait."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import boto3

from functions.adapters.deployment_stops import DynamoDeploymentStops
from functions.adapters.host_queues import HostQueues
from functions.adapters.lazy_clients import LazyClient
from functions.adapters.rollout_records import RolloutRecords
from functions.adapters.task_tokens import TaskTokens
from rollwright.applications import ComputePlatform
from rollwright.deployment_stops import (
    DeploymentStops,
    EndedDeploymentRollbacks,
    PlatformStops,
)
from rollwright.server_rollout import ServerRollout


class _RolloutOnFirstUse:
    """The rollout, built when a stop first has to end one (most requests never need it)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._rollout: ServerRollout | None = None

    def settle_stop(self, deployment_id: str, *, now: float) -> None:
        if self._rollout is None:
            self._rollout = ServerRollout(
                RolloutRecords(self._table),
                HostQueues(LazyClient("sqs"), queue_prefix=os.environ["HOST_QUEUE_PREFIX"]),
                TaskTokens(LazyClient("stepfunctions")),
            )
        self._rollout.settle_stop(deployment_id, now=now)


def deployment_stops(
    platforms: Mapping[ComputePlatform, PlatformStops] | None = None,
    *,
    rollbacks: EndedDeploymentRollbacks | None = None,
) -> DeploymentStops:
    """``platforms``: how deployments of the platforms other than Server stop (Lambda: traffic
    back at once); a deployment of a platform not named stops as a Server one. ``rollbacks``:
    what follows a platform's stop (its rollback or the message why none)."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return DeploymentStops(
        DynamoDeploymentStops(table),
        _RolloutOnFirstUse(table),
        clock=time.time,
        platforms=platforms,
        rollbacks=rollbacks,
    )
