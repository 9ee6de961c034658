"""What a deployment group remembers of its hosts (``rollwright.instance_history``).

Instance item: ``pk = INSTANCES#<deploymentGroupId>``, ``sk = HOST#<host id>``: ``host_id``,
``last_deployment_id``, ``healthy`` (bool), ``revision_id`` (64 hex; absent when the host never
installed a revision of the group successfully). One partition per group, so CreateDeployment reads
a whole fleet with one Query page per ~3,000 hosts; the finish step writes them in batches of 25.

``host_results`` reads a finished deployment's target items (layout in ``rollout_items.py``),
projected to the host id, status and blue/green ``instance_label``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import throttled_or_raise
from rollwright.instance_history import HostResult, InstanceRecord
from rollwright.rollout import InstanceStatus


def _partition(group_id: str) -> str:
    return f"INSTANCES#{group_id}"


class DynamoInstanceRecords:
    def __init__(self, table: Any) -> None:
        self._table = table

    def records(self, group_id: str) -> dict[str, InstanceRecord]:
        items = self._query(
            {
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": _partition(group_id)},
                "ConsistentRead": True,
            }
        )
        return {
            str(item["host_id"]): InstanceRecord(
                host_id=str(item["host_id"]),
                last_deployment_id=str(item["last_deployment_id"]),
                healthy=bool(item["healthy"]),
                revision_id=str(item["revision_id"]) if "revision_id" in item else None,
            )
            for item in items
        }

    def write(self, group_id: str, records: Sequence[InstanceRecord]) -> None:
        """Put the records (idempotent: a retried finish writes the same items)."""
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for record in records:
                item: dict[str, Any] = {
                    "pk": _partition(group_id),
                    "sk": f"HOST#{record.host_id}",
                    "host_id": record.host_id,
                    "last_deployment_id": record.last_deployment_id,
                    "healthy": record.healthy,
                }
                if record.revision_id is not None:
                    item["revision_id"] = record.revision_id
                batch.put_item(Item=item)

    def host_results(self, deployment_id: str) -> list[HostResult]:
        items = self._query(
            {
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :target)",
                "ExpressionAttributeValues": {
                    ":pk": f"DEPLOYMENT#{deployment_id}",
                    ":target": "TARGET#",
                },
                "ProjectionExpression": "host_id, #s, instance_label",
                "ExpressionAttributeNames": {"#s": "status"},
                "ConsistentRead": True,
            }
        )
        return [
            HostResult(
                str(i["host_id"]),
                InstanceStatus(i["status"]),
                str(i["instance_label"]) if i.get("instance_label") else None,
            )
            for i in items
        ]

    def _query(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            try:
                page = self._table.query(**request)
            except ClientError as error:
                raise throttled_or_raise(error) from error
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}
