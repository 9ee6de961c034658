"""The sweep's and the finish step's Auto Scaling part: while a launch or termination deployment
runs, the sweep keeps its instance's lifecycle action alive (``send_heartbeats``). The finish
step's part (``rollwright.auto_scaling_launches``): a launch
deployment's instance waits in ``Pending:Wait`` for its verdict (a termination deployment's in
``Terminating:Wait``), and the group's outdated Auto
Scaling instances may be due an auto-update once the rollback (if any) has been decided."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from functions.adapters.auto_scaling_hooks import AutoScalingLifecycleActions
from functions.adapters.instance_records import DynamoInstanceRecords
from functions.adapters.lifecycle_action_records import DynamoHeldActions
from functions.adapters.rollout_records import RolloutRecords
from functions.composition import auto_scaling_launches, wait_scale_from_environment
from rollwright.auto_scaling_heartbeats import LifecycleHeartbeats, heartbeat_interval_seconds
from rollwright.auto_scaling_launches import AutoScalingLaunches
from rollwright.rollback import AUTO_SCALING_CREATORS
from rollwright.rollout import InstanceStatus
from rollwright.rollout_store import DeploymentRecord

logger = Logger(child=True)


@cache
def _table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


@cache
def _launches(function_arn: str, server_state_machine_arn: str) -> AutoScalingLaunches:
    launches: AutoScalingLaunches = auto_scaling_launches(
        function_arn, _table(), server_state_machine_arn=server_state_machine_arn
    )
    return launches


@cache
def _heartbeats() -> LifecycleHeartbeats:
    return LifecycleHeartbeats(
        DynamoHeldActions(_table()),
        AutoScalingLifecycleActions(boto3.client("autoscaling")),
        interval_seconds=heartbeat_interval_seconds(wait_scale_from_environment()),
    )


def send_heartbeats(deployment: DeploymentRecord | None, *, now: float) -> None:
    """Record the heartbeats due for a running launch or termination deployment's instance."""
    if (
        deployment is None
        or deployment.commands.creator not in AUTO_SCALING_CREATORS
        or deployment.outcome is not None
    ):
        return
    try:
        records = RolloutRecords(_table())
        hosts = [records.host_at(deployment.deployment_id, p) for p in range(deployment.claimed)]
        sent = _heartbeats().beat(deployment.commands.creator, hosts, now=now)
    except Exception:
        # A missed heartbeat is retried by the next sweep; the rollout must go on.
        logger.exception("lifecycle action heartbeats not sent")
        return
    if sent:
        logger.info("lifecycle action heartbeats recorded", extra={"instances": sent})


class AutoScalingEnd:
    def __init__(
        self, finished: DeploymentRecord | None, function_arn: str, server_state_machine_arn: str
    ) -> None:
        self._finished = finished if finished is not None and finished.status.is_terminal else None
        self._function_arn = function_arn
        self._machine = server_state_machine_arn
        self._hosts: dict[str, InstanceStatus] | None = None

    def complete_launch(self) -> None:
        finished = self._finished
        if finished is None or finished.commands.creator not in AUTO_SCALING_CREATORS:
            return
        done = self._launches().after_deployment(
            finished.commands.creator, finished.status, self._host_results()
        )
        logger.info("lifecycle actions completed", extra={"completed": done})

    def update_outdated(self) -> None:
        finished = self._finished
        if finished is None:
            return
        try:
            auto_update = self._launches().update_outdated(
                deployment_id=finished.deployment_id,
                creator=finished.commands.creator,
                deployment_group_id=finished.commands.deployment_group_id,
                hosts=self._host_results(),
            )
        except Exception:
            # The deployment has ended whatever becomes of the auto-update: a later deployment
            # of the group looks at its outdated instances again.
            logger.exception("the auto-update of outdated instances could not be started")
            return
        if auto_update is not None:
            logger.info("outdated instances are being updated", extra={"autoUpdate": auto_update})

    def _launches(self) -> AutoScalingLaunches:
        return _launches(self._function_arn, self._machine)

    def _host_results(self) -> dict[str, InstanceStatus]:
        if self._hosts is None:
            assert self._finished is not None
            results = DynamoInstanceRecords(_table()).host_results(self._finished.deployment_id)
            self._hosts = {result.host_id: result.status for result in results}
        return self._hosts
