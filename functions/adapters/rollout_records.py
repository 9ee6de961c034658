"""A Server deployment's rollout in the state table: the ``RolloutStore`` of ``server_rollout``.

Item layouts: ``rollout_items.py``. Every change is one conditional write (a host's result is one
transaction of two), so concurrent report handlers, the sweep and retried Lambdas never lose or
double a count: the condition of each write is what the rollout's safety rests on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.active_deployments import release_active_deployment
from functions.adapters.deployment_records import deployment_key
from functions.adapters.dynamodb_errors import (
    CONDITION_FAILED,
    cancellation_reasons,
    error_code,
    update_if,
)
from functions.adapters.rollout_claims import DeploymentOrders, claim, counter_additions
from functions.adapters.rollout_events import record_events
from functions.adapters.rollout_items import (
    deployment_item,
    milliseconds,
    outcome_document,
    position_item,
    read_deployment,
    read_host,
    target_item,
    target_key,
)
from rollwright.deployment_plan import DeploymentPlan
from rollwright.deployment_status import DeploymentStatus
from rollwright.host_progress import HostRecord
from rollwright.lifecycle_segments import EventProgress
from rollwright.rollout import InstanceStatus
from rollwright.rollout_counters import (
    RolloutCounters,
    RolloutOutcome,
    result_delta,
    skip_delta,
)
from rollwright.rollout_store import Claim, DeploymentRecord, FinalStatus

# TransactWriteItems takes at most 100 items.
TRANSACTION_LIMIT = 100


class DeploymentExistsError(Exception):
    """A deployment with this id was written already."""


class WrittenWithError(Exception):
    """An item written with a plan (``with_items[index]``) was refused by its condition."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class RolloutRecords:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client
        self._name = table.name
        self._orders = DeploymentOrders(table)

    # --- creating -----------------------------------------------------------------------------

    def write_plan(
        self,
        plan: DeploymentPlan,
        *,
        attributes: Mapping[str, Any] | None = None,
        with_items: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Write the deployment, its targets and its order. Up to 49 hosts in one transaction;
        more in batches first, then the deployment item, conditionally: it is what makes the
        deployment exist, so a half-written plan is invisible and a retry overwrites it.

        ``attributes`` are added to the deployment item; ``with_items`` (TransactWriteItems
        requests, conditions included) are written in the deployment item's transaction, and
        ``WrittenWithError(i)`` says that the i-th of them was refused by its condition.
        """
        deployment_id = plan.settings.deployment_id
        children = [target_item(deployment_id, t) for t in plan.targets]
        children += [position_item(deployment_id, t) for t in plan.targets]
        deployment = {**deployment_item(plan), **(attributes or {})}
        new = "attribute_not_exists(pk)"

        def put(item: dict[str, Any]) -> dict[str, Any]:
            return {"Put": {"TableName": self._name, "Item": item, "ConditionExpression": new}}

        together = [put(deployment), *with_items]
        if len(children) + len(together) <= TRANSACTION_LIMIT:
            self._transact(deployment_id, [*together, *(put(child) for child in children)])
            return
        if self._table.get_item(Key=deployment_key(deployment_id)).get("Item") is not None:
            raise DeploymentExistsError(deployment_id)
        with self._table.batch_writer() as batch:
            for item in children:
                batch.put_item(Item=item)
        self._transact(deployment_id, together)

    def _transact(self, deployment_id: str, requests: list[dict[str, Any]]) -> None:
        try:
            self._client.transact_write_items(TransactItems=requests)
        except ClientError as error:
            reasons = cancellation_reasons(error)
            if "ConditionalCheckFailed" in reasons[:1]:
                raise DeploymentExistsError(deployment_id) from error
            for index, reason in enumerate(reasons[1:]):
                if reason == "ConditionalCheckFailed":
                    raise WrittenWithError(index) from error
            raise

    # --- reading ------------------------------------------------------------------------------

    def deployment(self, deployment_id: str) -> DeploymentRecord | None:
        item = self._table.get_item(Key=deployment_key(deployment_id), ConsistentRead=True).get(
            "Item"
        )
        return None if item is None or "host_limits" not in item else read_deployment(item)

    def deployment_item(self, deployment_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(
            Key=deployment_key(deployment_id), ConsistentRead=True
        ).get("Item")
        return item

    def host(self, deployment_id: str, host_id: str) -> HostRecord | None:
        item = self.target_item(deployment_id, host_id)
        return None if item is None else read_host(item)

    def target_item(self, deployment_id: str, host_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(
            Key=target_key(deployment_id, host_id), ConsistentRead=True
        ).get("Item")
        return item

    def host_at(self, deployment_id: str, position: int, *, rollout_pass: str = "") -> str:
        return self._orders.host_at(deployment_id, position, rollout_pass=rollout_pass)

    def unfinished_hosts(self, deployment_id: str) -> list[HostRecord]:
        hosts: list[HostRecord] = []
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :target)",
            "FilterExpression": "#s IN (:pending, :in_progress)",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":pk": f"DEPLOYMENT#{deployment_id}",
                ":target": "TARGET#",
                ":pending": InstanceStatus.PENDING.value,
                ":in_progress": InstanceStatus.IN_PROGRESS.value,
            },
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**query)
            hosts += [read_host(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return hosts
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- the workflow's wait ------------------------------------------------------------------

    def store_task_token(
        self, deployment_id: str, token: str, *, wait_entered_ms: int = 0
    ) -> DeploymentRecord | None:
        now = milliseconds(time.time())
        try:
            answer = self._table.update_item(
                Key=deployment_key(deployment_id),
                UpdateExpression=(
                    "SET task_token = :token, wait_entered_ms = :entered, "
                    "start_time_ms = if_not_exists(start_time_ms, :now)"
                ),
                ConditionExpression=(
                    "#s = :in_progress AND attribute_not_exists(blue_green.#wait) AND "
                    "(attribute_not_exists(wait_entered_ms) OR wait_entered_ms <= :entered)"
                ),
                ExpressionAttributeNames={"#s": "status", "#wait": "wait"},
                ExpressionAttributeValues={
                    ":token": token,
                    ":entered": wait_entered_ms,
                    ":now": now,
                    ":in_progress": DeploymentStatus.IN_PROGRESS.value,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                return None
            raise
        return read_deployment(answer["Attributes"])

    # --- the counters -------------------------------------------------------------------------

    def claim(
        self,
        deployment_id: str,
        *,
        host_is_healthy: bool,
        position: int | None = None,
        count: int = 1,
    ) -> Claim:
        return claim(
            self._table,
            deployment_id,
            host_is_healthy=host_is_healthy,
            position=position,
            count=count,
        )

    def record_result(
        self, host: HostRecord, *, succeeded: bool, now: float, silent_since: float | None = None
    ) -> bool:
        status = InstanceStatus.SUCCEEDED if succeeded else InstanceStatus.FAILED
        condition = "#s = :in_progress AND segment_index = :segment"
        values: dict[str, Any] = {
            ":in_progress": InstanceStatus.IN_PROGRESS.value,
            ":segment": host.segment_index,
            ":result": status.value,
            ":now": milliseconds(now),
        }
        if silent_since is not None:
            condition += " AND last_seen_at_ms = :seen"
            values[":seen"] = milliseconds(silent_since)
        additions, added = counter_additions(result_delta(succeeded=succeeded))
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._name,
                            "Key": target_key(host.deployment_id, host.host_id),
                            "UpdateExpression": "SET #s = :result, result_time_ms = :now",
                            "ConditionExpression": condition,
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": values,
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._name,
                            "Key": deployment_key(host.deployment_id),
                            "UpdateExpression": f"ADD {additions}",
                            "ExpressionAttributeValues": added,
                        }
                    },
                ]
            )
        except ClientError as error:
            if cancellation_reasons(error)[:1] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    def end(self, deployment_id: str, outcome: RolloutOutcome, counters: RolloutCounters) -> bool:
        additions, added = counter_additions(skip_delta(counters))
        update = "SET outcome = :outcome" + (f" ADD {additions}" if additions else "")
        return self._update(
            deployment_key(deployment_id),
            update,
            "attribute_not_exists(outcome) AND in_progress = :in_progress"
            " AND pending_healthy = :pending_healthy AND pending_unhealthy = :pending_unhealthy",
            {
                ":outcome": outcome_document(outcome),
                ":in_progress": counters.in_progress,
                ":pending_healthy": counters.pending_healthy,
                ":pending_unhealthy": counters.pending_unhealthy,
                **added,
            },
            names=False,
        )

    def skip_host(self, deployment_id: str, host_id: str) -> None:
        self._update(
            target_key(deployment_id, host_id),
            "SET #s = :skipped",
            "#s = :pending",
            {":skipped": InstanceStatus.SKIPPED.value, ":pending": InstanceStatus.PENDING.value},
        )

    # --- one host -----------------------------------------------------------------------------

    def start_segment(
        self, deployment_id: str, host_id: str, *, segment_index: int, command_id: str, now: float
    ) -> HostRecord | None:
        values: dict[str, Any] = {
            ":in_progress": InstanceStatus.IN_PROGRESS.value,
            ":segment": segment_index,
            ":command": command_id,
            ":false": False,
            ":now": milliseconds(now),
        }
        if segment_index == 0:
            condition = "#s = :pending"
            values[":pending"] = InstanceStatus.PENDING.value
        else:
            condition = "#s = :in_progress AND segment_index = :previous"
            values[":previous"] = segment_index - 1
        try:
            answer = self._table.update_item(
                Key=target_key(deployment_id, host_id),
                UpdateExpression=(
                    "SET #s = :in_progress, segment_index = :segment, command_id = :command, "
                    "segment_started = :false, dispatched_at_ms = :now, last_seen_at_ms = :now"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                return None
            raise
        return read_host(answer["Attributes"])

    def record_events(
        self,
        deployment_id: str,
        host_id: str,
        progress: Sequence[EventProgress],
        *,
        command_id: str,
        now: float,
    ) -> HostRecord | None:
        return record_events(
            self._table, deployment_id, host_id, progress, command_id=command_id, now=now
        )

    def record_heartbeat(
        self, deployment_id: str, host_id: str, *, command_id: str, now: float
    ) -> bool:
        return self._update(
            target_key(deployment_id, host_id),
            "SET last_heartbeat_at_ms = :now, last_seen_at_ms = :now, segment_started = :true",
            "command_id = :command AND #s = :in_progress",
            {
                ":now": milliseconds(now),
                ":true": True,
                ":command": command_id,
                ":in_progress": InstanceStatus.IN_PROGRESS.value,
            },
        )

    # --- the end ------------------------------------------------------------------------------

    def finish(self, deployment_id: str, final: FinalStatus, *, now: float) -> bool:
        update = "SET #s = :final, updated_at = :seconds, complete_time_ms = :now"
        values: dict[str, Any] = {
            ":final": final.status.value,
            ":seconds": int(now),
            ":now": milliseconds(now),
            ":in_progress": DeploymentStatus.IN_PROGRESS.value,
        }
        if final.error_code is not None:
            update += ", error_information = :error"
            values[":error"] = {"code": final.error_code, "message": final.message}
        finished = self._update(deployment_key(deployment_id), update, "#s = :in_progress", values)
        # Also when finished already (a retried step), in case the release was lost to a crash.
        self.release_if_ended(deployment_id)
        return finished

    def release_if_ended(self, deployment_id: str) -> bool:
        """Free the deployment's group for the next deployment, once the deployment has ended."""
        item = self.deployment_item(deployment_id)
        if item is None or not DeploymentStatus(item["status"]).is_terminal:
            return False
        return release_active_deployment(
            self._table, str(item["deployment_group_id"]), deployment_id
        )

    def _update(
        self,
        key: dict[str, str],
        update: str,
        condition: str,
        values: dict[str, Any],
        *,
        names: bool = True,
    ) -> bool:
        status = {"#s": "status"} if names else None
        return update_if(self._table, key, update, condition, values, names=status)
