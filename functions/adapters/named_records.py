"""What the state table's account-wide named records share: applications and custom deployment
configurations are one item per name, listed in name order (ListApplications,
ListDeploymentConfigs) from the ``gsi1`` index under one partition per kind, and keep their
creation time as epoch seconds to the millisecond, as CodeDeploy returns it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from functions.adapters.item_reads import query_attribute

NAME_INDEX = "gsi1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def name_index_key(partition: str, name: str) -> dict[str, Any]:
    """The index attributes that list the record named ``name`` among its ``partition``."""
    return {"gsi1pk": {"S": partition}, "gsi1sk": {"S": name}}


def names_after(
    client: Any, table: str, partition: str, after_key: dict[str, Any] | None, limit: int
) -> list[str]:
    """Up to ``limit`` names of ``partition``, in order, after the record whose table and index
    key is ``after_key`` (from the first name when None; that record need not exist any more)."""
    query: dict[str, Any] = {
        "TableName": table,
        "IndexName": NAME_INDEX,
        "KeyConditionExpression": "gsi1pk = :partition",
        "ExpressionAttributeValues": {":partition": {"S": partition}},
        "ProjectionExpression": "gsi1sk",
    }
    if after_key is not None:
        query["ExclusiveStartKey"] = after_key
    return query_attribute(client, query, "gsi1sk", limit)


def create_time_attribute(moment: datetime) -> dict[str, str]:
    milliseconds = round(moment.timestamp() * 1000)
    return {"N": str(Decimal(milliseconds) / 1000)}


def create_time_from(attribute: dict[str, str]) -> datetime:
    return _EPOCH + timedelta(milliseconds=int(Decimal(attribute["N"]) * 1000))
