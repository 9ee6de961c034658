"""Slot claims on the deployment item, and the deployment order, for ``RolloutRecords``.

A claim is one conditional ``UpdateItem`` that answers the deployment either way: as the claim
left it (``ReturnValues=ALL_NEW``: the counters after it and ``claimed``, so the position taken is
``claimed - 1``) or, when the condition failed, as it found it
(``ReturnValuesOnConditionCheckFailure=ALL_OLD``). The report handler so moves from a host's result
to the next host without reading the deployment first, and a handler that lost a race sees the
state that beat it without a read of its own.

The order (position → host id) never changes within a rollout pass once the pass has begun, so
``DeploymentOrders`` reads it in one query and keeps it for the life of the Lambda environment:
starting a claimed host takes no read of its position item. Item layouts: ``rollout_items.py``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from functions.adapters.deployment_records import deployment_key
from functions.adapters.dynamodb_errors import CONDITION_FAILED, error_code
from functions.adapters.rollout_items import read_deployment
from rollwright.deployment_status import DeploymentStatus
from rollwright.rollout_counters import CounterDelta, claim_condition, claim_delta
from rollwright.rollout_store import Claim

_DESERIALIZER = TypeDeserializer()
# Orders kept per Lambda environment: a few deployments' worth (a 1,000-host order is ~20 KB).
ORDERS_KEPT = 16


def claim(
    table: Any,
    deployment_id: str,
    *,
    host_is_healthy: bool,
    position: int | None = None,
    count: int = 1,
) -> Claim:
    """Take ``position``, or the next position whatever it is, if its host has the health class
    of ``host_is_healthy`` and the claim condition holds; the deployment either way. With
    ``count`` (and ``position``): the ``count`` positions from ``position`` on, all or none."""
    if count != 1 and position is None:
        raise ValueError("several positions are claimed from a given position only")
    condition = claim_condition(host_is_healthy=host_is_healthy, count=count)
    clauses = [
        "free_slots >= :min_free",
        "attribute_not_exists(outcome)",
        "attribute_not_exists(start_outcome)",
        "attribute_not_exists(stop_requested)",
        "#s = :in_progress",
    ]
    values: dict[str, Any] = {
        ":min_free": condition.min_free_slots,
        ":in_progress": DeploymentStatus.IN_PROGRESS.value,
    }
    names = {"#s": "status"}
    if position is not None:
        clauses.insert(0, "claimed = :position")
        values[":position"] = position
    elif host_is_healthy:
        # Healthy hosts follow the unhealthy ones (attribute-to-attribute comparisons).
        clauses[:0] = ["claimed >= #unhealthy_total", "claimed < #total"]
        names.update({"#unhealthy_total": "unhealthy_total", "#total": "total"})
    else:
        clauses.insert(0, "claimed < #unhealthy_total")
        names["#unhealthy_total"] = "unhealthy_total"
    if condition.min_headroom is not None:
        clauses.append("headroom >= :min_headroom")
        values[":min_headroom"] = condition.min_headroom
    additions, added = counter_additions(claim_delta(host_is_healthy=host_is_healthy, count=count))
    try:
        answer = table.update_item(
            Key=deployment_key(deployment_id),
            UpdateExpression=f"ADD claimed :count, {additions}",
            ConditionExpression=" AND ".join(clauses),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, **added, ":count": count},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error_code(error) != CONDITION_FAILED:
            raise
        # In DynamoDB's own notation: an error's members skip the resource layer's conversion.
        stored = error.response.get("Item")
        if not stored or "host_limits" not in stored:
            raise LookupError(f"deployment {deployment_id} does not exist") from error
        item = {name: _DESERIALIZER.deserialize(value) for name, value in stored.items()}
        return Claim(None, read_deployment(item))
    deployment = read_deployment(answer["Attributes"])
    return Claim(deployment.claimed - count, deployment)


def counter_additions(delta: CounterDelta) -> tuple[str, dict[str, Any]]:
    """``delta`` as the clauses of an ``ADD`` and their values."""
    pairs = delta.additions()
    clauses = ", ".join(f"{name} :add_{name}" for name, _ in pairs)
    return clauses, {f":add_{name}": value for name, value in pairs}


class DeploymentOrders:
    """Position → host id per (deployment, rollout pass), read once per Lambda environment."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._orders: OrderedDict[tuple[str, str], list[str]] = OrderedDict()

    def host_at(self, deployment_id: str, position: int, *, rollout_pass: str = "") -> str:
        key = (deployment_id, rollout_pass)
        order = self._orders.get(key)
        if order is None or position >= len(order):
            # Not read yet in this environment (or read before the pass had this many positions).
            order = self._orders[key] = self._read(deployment_id)
            while len(self._orders) > ORDERS_KEPT:
                self._orders.popitem(last=False)
        self._orders.move_to_end(key)
        if not 0 <= position < len(order):
            raise LookupError(f"deployment {deployment_id} has no position {position}")
        return order[position]

    def _read(self, deployment_id: str) -> list[str]:
        """Every position item in position order (keys ``POSITION#<000000 position>``)."""
        order: list[str] = []
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :position)",
            "ProjectionExpression": "host_id",
            "ExpressionAttributeValues": {
                ":pk": f"DEPLOYMENT#{deployment_id}",
                ":position": "POSITION#",
            },
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**query)
            order += [str(item["host_id"]) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return order
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
