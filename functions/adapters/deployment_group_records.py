"""Deployment groups in the state table: the DynamoDB ``DeploymentGroupStore``.

Items and keys are described in ``deployment_group_items``. Every write is one
``TransactWriteItems`` that changes, together with the group item:

* the application's group count (``COUNT``, conditional on staying under the limit and on the
  application not being closed by DeleteApplication);
* the custom deployment configuration's ``use_count`` (+1 on the condition that the configuration
  exists, -1 when released), so DeleteDeploymentConfig's ``use_count = 0`` condition and a group
  write can never both succeed;
* one ``ECS_SERVICE#`` item per ECS service (put on ``attribute_not_exists``), so an ECS service
  belongs to one group at most.

Updates and deletes are conditional on the group's ``version``; a rename deletes the old key and
puts the new one on ``attribute_not_exists``. Reads: one GetItem (consistent) per group, one
BatchGetItem per batch, one Query of the application's partition per listing page, one Query of
``gsi1`` to find a group by id.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.deployment_config_records import deployment_config_key
from functions.adapters.deployment_group_items import (
    GROUP_INDEX,
    GROUP_PREFIX,
    ecs_service_key,
    group_count_key,
    group_from_item,
    group_item,
    group_key,
    group_partition,
)
from functions.adapters.dynamodb_errors import (
    cancellation_reasons,
    error_code,
    throttled,
    throttled_or_raise,
)
from functions.adapters.item_reads import batch_get_items, query_attribute
from rollwright.deployment_configs import deployment_config_does_not_exist, is_predefined_name
from rollwright.deployment_group_settings import EcsService
from rollwright.deployment_groups import (
    DeploymentGroup,
    DeploymentGroupChanged,
    deployment_group_already_exists,
)
from rollwright.errors import (
    ApplicationDoesNotExistException,
    DeploymentGroupLimitExceededException,
    ECSServiceMappingLimitExceededException,
)

_FAILED = "ConditionalCheckFailed"
# A closed application's COUNT item outlives DeleteApplication by a day, then DynamoDB's TTL
# removes it (it is only needed while the application's groups are being deleted).
_CLOSED_COUNT_TTL_SECONDS = 86_400


class DynamoDeploymentGroupStore:
    """``rollwright.deployment_groups.DeploymentGroupStore`` over the state table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # --- writes ---------------------------------------------------------------------------------

    def add(self, group: DeploymentGroup, *, limit: int) -> None:
        writes = _Transaction(self._table)
        writes.put(
            group_item(group),
            "attribute_not_exists(pk)",
            on_failure=lambda: deployment_group_already_exists(group.name),
        )
        writes.update(
            group_count_key(group.application_id),
            "ADD group_count :one",
            "(attribute_not_exists(group_count) OR group_count < :limit) "
            "AND attribute_not_exists(closed)",
            {":one": {"N": "1"}, ":limit": {"N": str(limit)}},
            on_failure=lambda: self._count_refused(group.application_id, limit),
        )
        self._use_config(writes, group.settings.deployment_config_name)
        for service in group.settings.ecs_services:
            self._map_service(writes, group, service)
        self._commit(writes)

    def replace(self, current: DeploymentGroup, updated: DeploymentGroup) -> None:
        updated = replace(updated, version=current.version + 1)
        writes = _Transaction(self._table)
        version = {":version": {"N": str(current.version)}}
        if updated.name == current.name:
            writes.put(
                group_item(updated),
                "version = :version",
                version,
                on_failure=DeploymentGroupChanged,
            )
        else:
            writes.delete(
                group_key(current.application_id, current.name),
                "version = :version",
                version,
                on_failure=DeploymentGroupChanged,
            )
            writes.put(
                group_item(updated),
                "attribute_not_exists(pk)",
                on_failure=lambda: deployment_group_already_exists(updated.name),
            )
        old_config = current.settings.deployment_config_name
        new_config = updated.settings.deployment_config_name
        if old_config != new_config:
            self._release_config(writes, old_config)
            self._use_config(writes, new_config)
        old_services = set(current.settings.ecs_services)
        new_services = set(updated.settings.ecs_services)
        for service in sorted(old_services - new_services, key=lambda s: s.identifier):
            self._unmap_service(writes, current, service)
        for service in sorted(new_services - old_services, key=lambda s: s.identifier):
            self._map_service(writes, updated, service)
        self._commit(writes)

    def remove(self, group: DeploymentGroup) -> None:
        writes = _Transaction(self._table)
        writes.delete(
            group_key(group.application_id, group.name),
            "version = :version",
            {":version": {"N": str(group.version)}},
            on_failure=DeploymentGroupChanged,
        )
        writes.update(
            group_count_key(group.application_id),
            "ADD group_count :minus_one",
            None,
            {":minus_one": {"N": "-1"}},
        )
        self._release_config(writes, group.settings.deployment_config_name)
        for service in group.settings.ecs_services:
            self._unmap_service(writes, group, service)
        self._commit(writes)

    def close_application(self, application_id: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=group_count_key(application_id),
                UpdateExpression="SET closed = :true, expires_at = :expires",
                ExpressionAttributeValues={
                    ":true": {"BOOL": True},
                    ":expires": {"N": str(int(time.time()) + _CLOSED_COUNT_TTL_SECONDS)},
                },
            )
        except ClientError as error:
            raise throttled_or_raise(error) from error

    # --- reads ----------------------------------------------------------------------------------

    def find(self, application_id: str, name: str) -> DeploymentGroup | None:
        try:
            item = self._client.get_item(
                TableName=self._table, Key=group_key(application_id, name), ConsistentRead=True
            ).get("Item")
        except ClientError as error:
            raise throttled_or_raise(error) from error
        return None if item is None else group_from_item(item)

    def find_by_id(self, deployment_group_id: str) -> DeploymentGroup | None:
        try:
            items = self._client.query(
                TableName=self._table,
                IndexName=GROUP_INDEX,
                KeyConditionExpression="gsi1pk = :id",
                ExpressionAttributeValues={":id": {"S": f"{GROUP_PREFIX}{deployment_group_id}"}},
            ).get("Items", [])
        except ClientError as error:
            raise throttled_or_raise(error) from error
        # The index is eventually consistent: read the item itself for the current version.
        for item in items:
            return self.find(item["application_id"]["S"], item["deployment_group_name"]["S"])
        return None

    def find_many(self, application_id: str, names: Sequence[str]) -> dict[str, DeploymentGroup]:
        keys = [group_key(application_id, name) for name in names]
        found = (group_from_item(item) for item in batch_get_items(self._client, self._table, keys))
        return {group.name: group for group in found}

    def names_after(self, application_id: str, after: str | None, limit: int) -> list[str]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": group_partition(application_id)},
                ":prefix": {"S": GROUP_PREFIX},
            },
            "ProjectionExpression": "deployment_group_name",
            "ConsistentRead": True,
        }
        if after is not None:
            query["ExclusiveStartKey"] = group_key(application_id, after)
        return query_attribute(self._client, query, "deployment_group_name", limit)

    # --- transaction parts ----------------------------------------------------------------------

    def _use_config(self, writes: _Transaction, name: str) -> None:
        if is_predefined_name(name):
            return  # predefined configurations are never deleted, so their use is not counted
        writes.update(
            deployment_config_key(name),
            "ADD use_count :one",
            "attribute_exists(pk)",
            {":one": {"N": "1"}},
            on_failure=lambda: deployment_config_does_not_exist(name),
        )

    def _release_config(self, writes: _Transaction, name: str) -> None:
        if is_predefined_name(name):
            return
        writes.update(
            deployment_config_key(name),
            "ADD use_count :minus_one",
            "attribute_exists(pk)",
            {":minus_one": {"N": "-1"}},
        )

    def _map_service(
        self, writes: _Transaction, group: DeploymentGroup, service: EcsService
    ) -> None:
        writes.put(
            {
                **ecs_service_key(service),
                "deployment_group_id": {"S": group.deployment_group_id},
                "application_id": {"S": group.application_id},
            },
            "attribute_not_exists(pk)",
            on_failure=lambda: _service_mapped(service),
        )

    def _unmap_service(
        self, writes: _Transaction, group: DeploymentGroup, service: EcsService
    ) -> None:
        writes.delete(
            ecs_service_key(service),
            "attribute_not_exists(pk) OR deployment_group_id = :group",
            {":group": {"S": group.deployment_group_id}},
        )

    def _commit(self, writes: _Transaction) -> None:
        try:
            self._client.transact_write_items(TransactItems=writes.items)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise throttled_or_raise(error) from error
            for reason, refusal in zip(cancellation_reasons(error), writes.refusals, strict=False):
                if reason == _FAILED and refusal is not None:
                    raise refusal() from None
            # A conflict with a concurrent transaction, or throttling: the caller may retry.
            raise throttled() from error

    def _count_refused(self, application_id: str, limit: int) -> Exception:
        # One condition guards both the limit and closing; a consistent read tells which held.
        try:
            item = self._client.get_item(
                TableName=self._table, Key=group_count_key(application_id), ConsistentRead=True
            ).get("Item")
        except ClientError as error:
            raise throttled_or_raise(error) from error
        if item and item.get("closed", {}).get("BOOL"):
            return ApplicationDoesNotExistException(
                "The application is being deleted; its deployment groups cannot change."
            )
        return DeploymentGroupLimitExceededException(
            f"The application has {limit} deployment groups, the limit."
        )


def _service_mapped(service: EcsService) -> ECSServiceMappingLimitExceededException:
    return ECSServiceMappingLimitExceededException(
        f"The ECS service {service.identifier} already belongs to a deployment group; an ECS "
        "service can belong to one deployment group only."
    )


Refusal = Callable[[], Exception]
"""What a failed condition of one transaction item means, as the exception to raise."""


class _Transaction:
    """The items of one TransactWriteItems and, for each, what its failed condition means."""

    def __init__(self, table: str) -> None:
        self._table = table
        self.items: list[dict[str, Any]] = []
        self.refusals: list[Refusal | None] = []

    def put(
        self,
        item: dict[str, Any],
        condition: str,
        values: dict[str, Any] | None = None,
        *,
        on_failure: Refusal | None = None,
    ) -> None:
        self._add("Put", {"Item": item}, condition, values, on_failure)

    def update(
        self,
        key: dict[str, Any],
        expression: str,
        condition: str | None,
        values: dict[str, Any],
        *,
        on_failure: Refusal | None = None,
    ) -> None:
        self._add(
            "Update", {"Key": key, "UpdateExpression": expression}, condition, values, on_failure
        )

    def delete(
        self,
        key: dict[str, Any],
        condition: str,
        values: dict[str, Any] | None = None,
        *,
        on_failure: Refusal | None = None,
    ) -> None:
        self._add("Delete", {"Key": key}, condition, values, on_failure)

    def _add(
        self,
        kind: str,
        body: dict[str, Any],
        condition: str | None,
        values: dict[str, Any] | None,
        refusal: Refusal | None,
    ) -> None:
        operation: dict[str, Any] = {"TableName": self._table, **body}
        if condition is not None:
            operation["ConditionExpression"] = condition
        if values:
            operation["ExpressionAttributeValues"] = values
        self.items.append({kind: operation})
        self.refusals.append(refusal)
