"""StopDeployment's service, wired to the state table, the host queues and Step Functions: a stop
with nothing in progress ends the rollout at once, which answers the workflow's wait."""

from __future__ import annotations

import os
import time
from typing import Any

import boto3

from functions.adapters.deployment_stops import DynamoDeploymentStops
from functions.adapters.host_queues import HostQueues
from functions.adapters.rollout_records import RolloutRecords
from functions.adapters.task_tokens import TaskTokens
from rollwright.deployment_stops import DeploymentStops, TrafficStops
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
                HostQueues(boto3.client("sqs"), queue_prefix=os.environ["HOST_QUEUE_PREFIX"]),
                TaskTokens(boto3.client("stepfunctions")),
            )
        self._rollout.settle_stop(deployment_id, now=now)


def deployment_stops(traffic: TrafficStops | None = None) -> DeploymentStops:
    """``traffic``: the Lambda deployments, which stop at once (their traffic goes back)."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return DeploymentStops(
        DynamoDeploymentStops(table), _RolloutOnFirstUse(table), clock=time.time, traffic=traffic
    )
