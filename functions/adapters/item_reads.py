"""The state table's two multi-request reads, shared by every record adapter.

``batch_get_items`` reads keys with BatchGetItem, retrying the keys DynamoDB leaves unprocessed;
``query_attribute`` pages a Query until it has collected ``limit`` values of one attribute. Both
answer throttling with CodeDeploy's ``ThrottlingException``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import throttled, throttled_or_raise

UNPROCESSED_RETRIES = 5


def batch_get_items(
    client: Any, table: str, keys: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The items that exist among ``keys`` (at most 100, no repeats), consistently read."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {table: {"Keys": list(keys), "ConsistentRead": True}}
    for _ in range(UNPROCESSED_RETRIES):
        try:
            response = client.batch_get_item(RequestItems=request)
        except ClientError as error:
            raise throttled_or_raise(error) from error
        items.extend(response.get("Responses", {}).get(table, []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return items
    raise throttled()


def query_attribute(client: Any, query: dict[str, Any], attribute: str, limit: int) -> list[str]:
    """Up to ``limit`` string values of ``attribute`` from the items ``query`` finds, in order.

    A Query with a FilterExpression may return fewer items than its Limit; pages are read until
    ``limit`` values are found or the query is exhausted.
    """
    request = dict(query)
    values: list[str] = []
    while len(values) < limit:
        try:
            response = client.query(**request, Limit=limit - len(values))
        except ClientError as error:
            raise throttled_or_raise(error) from error
        values.extend(item[attribute]["S"] for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return values[:limit]
