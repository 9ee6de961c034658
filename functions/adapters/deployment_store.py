"""Deployments for the API: the ``DeploymentStore`` of ``rollwright.deployments``.

CreateDeployment writes, in one transaction (``RolloutRecords.write_plan``): the deployment, its
targets and order (layouts in ``rollout_items.py``), plus these items:

- request: ``pk = CREATE_DEPLOYMENT#<request key>``, ``sk = REQUEST``: ``deployment_id``,
  ``expires_at`` (TTL, epoch s). Put if absent or expired: a retried identical request finds it;
- listings: ``pk = DEPLOYMENT#<id>``, ``sk = LISTED#GROUP`` / ``LISTED#ACCOUNT``, with
  ``gsi1pk = DEPLOYMENTS#<deploymentGroupId>`` / ``DEPLOYMENTS`` and ``gsi1sk =
  <create time ms, 13 digits>#<id>``: ListDeployments per group and per account, newest first.
  They are separate items so that the deployment item's many counter updates write no index;
- the group's active-deployment claim (``active_deployments.py``) and one watch item per alarm the
  deployment watches (``alarm_watchers.py``), unless the deployment ended at creation.

The deployment item also gets ``compute_platform``, ``deployment_style``,
``update_outdated_instances_only``, ``auto_rollback_configuration``,
``override_alarm_configuration``, ``previous_revision`` (a revision document), ``rollback_info``
(``{triggering_deployment_id}`` on a rollback; ``{deployment_id?, message?}`` set once on a
deployment that ended badly, by ``record_rollback``), and, when it ended at creation, its final
``status``, ``error_information`` and ``complete_time_ms``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.active_deployments import (
    active_deployment,
    claim_put,
    release_active_deployment,
)
from functions.adapters.alarm_watchers import watch_put
from functions.adapters.deployment_items import (
    choice_attributes,
    read_stored_deployment,
    read_stored_target,
    rollback_attribute,
)
from functions.adapters.deployment_records import deployment_key
from functions.adapters.dynamodb_errors import error_code, throttled_or_raise
from functions.adapters.instance_records import DynamoInstanceRecords
from functions.adapters.rollout_items import milliseconds, target_key
from functions.adapters.rollout_records import RolloutRecords, WrittenWithError
from rollwright.deployment_records import (
    CreatedDeployment,
    DeploymentError,
    DeploymentQuery,
    NewDeployment,
    RollbackInfo,
    StoredDeployment,
    StoredTarget,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import DeploymentLimitExceededException
from rollwright.instance_history import InstanceRecord
from rollwright.rollout import InstanceStatus

# How long an identical CreateDeployment answers the deployment it created (SDK retries).
IDEMPOTENCY_SECONDS = 60
_QUERY_PAGE = 100


def _request_key(key: str) -> dict[str, str]:
    return {"pk": f"CREATE_DEPLOYMENT#{key}", "sk": "REQUEST"}


def _list_position(create_time_ms: int, deployment_id: str) -> str:
    return f"{create_time_ms:013d}#{deployment_id}"


class DynamoDeploymentStore:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client
        self._name = table.name
        self._records = RolloutRecords(table)
        self._instances = DynamoInstanceRecords(table)

    # --- creating -----------------------------------------------------------------------------

    def create(self, deployment: NewDeployment) -> CreatedDeployment:
        plan = deployment.plan
        deployment_id = plan.settings.deployment_id
        group_id = plan.settings.deployment_group_id
        now = time.time()
        position = _list_position(milliseconds(plan.create_time), deployment_id)
        requests: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._name,
                    "Item": {
                        **_request_key(deployment.request_key),
                        "deployment_id": deployment_id,
                        "expires_at": int(now) + IDEMPOTENCY_SECONDS,
                    },
                    "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                    "ExpressionAttributeValues": {":now": int(now)},
                }
            },
            self._listing(deployment_id, "GROUP", f"DEPLOYMENTS#{group_id}", position),
            self._listing(deployment_id, "ACCOUNT", "DEPLOYMENTS", position),
        ]
        if deployment.ended is None:
            if deployment.claims_group:
                requests.append(claim_put(self._name, group_id, deployment_id))
            alarms = deployment.choices.alarm_configuration
            for alarm in () if alarms is None else alarms.alarm_names:
                requests.append(watch_put(self._name, alarm, deployment_id, now))
        try:
            self._records.write_plan(
                plan, attributes=choice_attributes(deployment, now), with_items=requests
            )
        except WrittenWithError as refused:
            if refused.index == 0:
                earlier = self._table.get_item(
                    Key=_request_key(deployment.request_key), ConsistentRead=True
                ).get("Item")
                if earlier is not None:
                    return CreatedDeployment(str(earlier["deployment_id"]), new=False)
            active = active_deployment(self._table, group_id)
            raise DeploymentLimitExceededException(
                f"The deployment group {plan.settings.deployment_group_name} already has an "
                f"active Deployment {active or '(ending now)'}."
            ) from None
        return CreatedDeployment(deployment_id, new=True)

    def _listing(self, deployment_id: str, scope: str, index: str, position: str) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._name,
                "Item": {
                    "pk": f"DEPLOYMENT#{deployment_id}",
                    "sk": f"LISTED#{scope}",
                    "gsi1pk": index,
                    "gsi1sk": position,
                    "deployment_id": deployment_id,
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def abandon(self, deployment_id: str, group_id: str, error: DeploymentError) -> None:
        now = time.time()
        try:
            self._table.update_item(
                Key=deployment_key(deployment_id),
                UpdateExpression=(
                    "SET #s = :failed, error_information = :error, complete_time_ms = :now"
                ),
                ConditionExpression="#s = :created",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":failed": DeploymentStatus.FAILED.value,
                    ":created": DeploymentStatus.CREATED.value,
                    ":error": {"code": error.code, "message": error.message},
                    ":now": milliseconds(now),
                },
            )
        except ClientError:
            return  # it started after all, or is gone: the workflow owns it
        release_active_deployment(self._table, group_id, deployment_id)

    def record_rollback(self, deployment_id: str, info: RollbackInfo) -> bool:
        try:
            self._table.update_item(
                Key=deployment_key(deployment_id),
                UpdateExpression="SET rollback_info = :info",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(rollback_info)",
                ExpressionAttributeValues={":info": rollback_attribute(info)},
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise throttled_or_raise(error) from error
        return True

    def record_auto_update(self, root_deployment_id: str, auto_update_deployment_id: str) -> None:
        # A string set: recording the same auto-update again (a retried finish step) adds
        # nothing.
        for deployment_id, expression, values in (
            (
                root_deployment_id,
                "ADD auto_update_ids :ids",
                {":ids": {auto_update_deployment_id}},
            ),
            (
                auto_update_deployment_id,
                "SET auto_update_root = :root",
                {":root": root_deployment_id},
            ),
        ):
            try:
                self._table.update_item(
                    Key=deployment_key(deployment_id),
                    UpdateExpression=expression,
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=values,
                )
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise throttled_or_raise(error) from error

    def instance_records(self, group_id: str) -> dict[str, InstanceRecord]:
        return self._instances.records(group_id)

    # --- reading deployments ------------------------------------------------------------------

    def find(self, deployment_id: str) -> StoredDeployment | None:
        item = self._records.deployment_item(deployment_id)
        return None if item is None else read_stored_deployment(item)

    def find_many(self, deployment_ids: Sequence[str]) -> dict[str, StoredDeployment]:
        items = self._batch_get([deployment_key(i) for i in deployment_ids])
        return {str(item["deployment_id"]): read_stored_deployment(item) for item in items}

    def deployments_after(
        self, query: DeploymentQuery, after: str | None, limit: int
    ) -> list[tuple[str, str]]:
        if query.external_id is not None:
            return []  # only CloudFormation sets externalId; no Rollwright deployment has one
        index = (
            "DEPLOYMENTS"
            if query.deployment_group_id is None
            else f"DEPLOYMENTS#{query.deployment_group_id}"
        )
        low = _bound(query.created_after, "0")
        high = _bound(query.created_before, "~")
        if after is not None:
            high = min(high, after)
        request: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :index AND gsi1sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":index": index, ":low": low, ":high": high},
            "ScanIndexForward": False,
        }
        found: list[tuple[str, str]] = []
        while len(found) < limit:
            page = self._query(request, _QUERY_PAGE)
            listed = [
                (str(i["deployment_id"]), str(i["gsi1sk"]))
                for i in page.get("Items", [])
                if i["gsi1sk"] != after
            ]
            found += self._with_status(listed, query.statuses)
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found[:limit]

    def _with_status(
        self, listed: list[tuple[str, str]], statuses: frozenset[DeploymentStatus]
    ) -> list[tuple[str, str]]:
        if not statuses or not listed:
            return listed
        items = self._batch_get([deployment_key(i) for i, _ in listed])
        wanted = {
            str(item["deployment_id"])
            for item in items
            if DeploymentStatus(item["status"]) in statuses
        }
        return [(i, position) for i, position in listed if i in wanted]

    # --- reading targets ----------------------------------------------------------------------

    def targets_after(
        self,
        deployment_id: str,
        statuses: frozenset[InstanceStatus],
        after: str | None,
        limit: int,
    ) -> list[StoredTarget]:
        request: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {
                ":pk": f"DEPLOYMENT#{deployment_id}",
                ":low": f"TARGET#{after}\x00" if after is not None else "TARGET#",
                ":high": "TARGET$",
            },
            "ConsistentRead": True,
        }
        if statuses:
            names = {f":s{i}": status.value for i, status in enumerate(sorted(statuses))}
            request["FilterExpression"] = f"#s IN ({', '.join(names)})"
            request["ExpressionAttributeNames"] = {"#s": "status"}
            request["ExpressionAttributeValues"].update(names)
        found: list[StoredTarget] = []
        while len(found) < limit:
            page = self._query(request, limit - len(found))
            found += [read_stored_target(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found[:limit]

    def find_targets(self, deployment_id: str, host_ids: Sequence[str]) -> dict[str, StoredTarget]:
        items = self._batch_get([target_key(deployment_id, host_id) for host_id in host_ids])
        return {str(item["host_id"]): read_stored_target(item) for item in items}

    # --- DynamoDB -----------------------------------------------------------------------------

    def _query(self, request: dict[str, Any], limit: int) -> dict[str, Any]:
        try:
            page: dict[str, Any] = self._table.query(**request, Limit=limit)
        except ClientError as error:
            raise throttled_or_raise(error) from error
        return page

    def _batch_get(self, keys: list[dict[str, str]]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {
                self._name: {"Keys": keys[start : start + 100], "ConsistentRead": True}
            }
            while pending:
                try:
                    answer = self._client.batch_get_item(RequestItems=pending)
                except ClientError as error:
                    raise throttled_or_raise(error) from error
                items += answer.get("Responses", {}).get(self._name, [])
                pending = answer.get("UnprocessedKeys") or {}
        return items


def _bound(moment: datetime | None, default: str) -> str:
    return default if moment is None else f"{round(moment.timestamp() * 1000):013d}"
