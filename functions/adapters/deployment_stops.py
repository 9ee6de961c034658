"""Stop requests on the deployment item: the ``StopStore`` of ``deployment_stops``.

``stop_requested`` ``{at_ms, auto_rollback_enabled}`` is set once, while the deployment is
Created, Queued, InProgress or Ready and its rollout has no outcome (or, for an EC2 blue/green
deployment, between two passes: its last pass succeeded and the deployment has not ended); the
claim condition of ``rollout_records`` refuses every claim once it is there. Layout:
``rollout_items.py``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.deployment_records import deployment_key
from functions.adapters.dynamodb_errors import error_code
from functions.adapters.rollout_items import milliseconds
from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus

# Ready: an EC2 blue/green deployment waiting for ContinueDeployment(READY_WAIT).
_ACTIVE = (
    DeploymentStatus.CREATED,
    DeploymentStatus.QUEUED,
    DeploymentStatus.IN_PROGRESS,
    DeploymentStatus.READY,
)


class DynamoDeploymentStops:
    def __init__(self, table: Any) -> None:
        self._table = table

    def request_stop(
        self,
        deployment_id: str,
        *,
        auto_rollback_enabled: bool,
        now: float,
        alarm: str | None = None,
    ) -> int | None:
        stop: dict[str, Any] = {
            "at_ms": milliseconds(now),
            "auto_rollback_enabled": auto_rollback_enabled,
        }
        if alarm is not None:
            stop["alarm"] = alarm
        active = {f":active{i}": status.value for i, status in enumerate(_ACTIVE)}
        try:
            answer = self._table.update_item(
                Key=deployment_key(deployment_id),
                UpdateExpression="SET stop_requested = if_not_exists(stop_requested, :stop)",
                ConditionExpression=(
                    f"#s IN ({', '.join(active)}) AND (attribute_not_exists(outcome) OR "
                    # An EC2 blue/green deployment between two passes: the pass's rollout
                    # succeeded, the next has not begun; ``blueGreenNext`` honours the stop.
                    "(outcome.#s = :succeeded AND attribute_exists(blue_green.step_index) "
                    "AND attribute_not_exists(blue_green.ended)))"
                ),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":stop": stop,
                    ":succeeded": DeploymentStatus.SUCCEEDED.value,
                    **active,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None
            raise
        return int(answer["Attributes"].get("in_progress", 0))

    def status_of(self, deployment_id: str) -> DeploymentStatus | None:
        item = self._table.get_item(
            Key=deployment_key(deployment_id),
            ConsistentRead=True,
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": "status"},
        ).get("Item")
        return None if item is None else DeploymentStatus(item["status"])

    def compute_platform(self, deployment_id: str) -> ComputePlatform | None:
        item = self._table.get_item(
            Key=deployment_key(deployment_id),
            ConsistentRead=True,
            ProjectionExpression="compute_platform, deployment_id",
        ).get("Item")
        if item is None:
            return None
        return ComputePlatform(item.get("compute_platform", ComputePlatform.SERVER.value))
