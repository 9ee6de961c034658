"""Lifecycle actions held for their launch deployment (``rollwright.auto_scaling_launches``).

Item: ``pk = LIFECYCLE_ACTION#<instanceId>``, ``sk = LIFECYCLE_ACTION``, holding
``auto_scaling_group``, ``hook_name``, ``token``, ``transition``, ``deployment_group_id``,
``heartbeat_at`` (epoch seconds: when it was held, then of its last heartbeat,
``rollwright.auto_scaling_heartbeats``) and ``expires_at`` (TTL: the hook's timeout has passed,
Auto Scaling has moved on). ``release`` is one delete that answers the old item, so of a finish
step and a launch that both release, one wins.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.auto_scaling_hooks import HEARTBEAT_TIMEOUT_SECONDS
from rollwright.auto_scaling_heartbeats import HeldAction
from rollwright.auto_scaling_launches import LifecycleAction, LifecycleTransition

_SORT_KEY = "LIFECYCLE_ACTION"


def _key(instance_id: str) -> dict[str, str]:
    return {"pk": f"LIFECYCLE_ACTION#{instance_id}", "sk": _SORT_KEY}


class DynamoHeldActions:
    def __init__(self, table: Any) -> None:
        self._table = table

    def hold(self, action: LifecycleAction) -> None:
        now = time.time()
        item: dict[str, Any] = {
            **_key(action.instance_id),
            "auto_scaling_group": action.auto_scaling_group,
            "hook_name": action.hook_name,
            "token": action.token,
            "transition": action.transition.value,
            "heartbeat_at": Decimal(str(now)),
            "expires_at": int(now) + 2 * HEARTBEAT_TIMEOUT_SECONDS,
        }
        if action.deployment_group_id is not None:
            item["deployment_group_id"] = action.deployment_group_id
        self._table.put_item(Item=item)

    def holds(self, instance_id: str) -> bool:
        return "Item" in self._table.get_item(Key=_key(instance_id), ConsistentRead=True)

    def release(self, instance_id: str) -> LifecycleAction | None:
        old = self._table.delete_item(Key=_key(instance_id), ReturnValues="ALL_OLD").get(
            "Attributes"
        )
        return None if old is None else _action(instance_id, old)

    def held_action(self, instance_id: str) -> HeldAction | None:
        item = self._table.get_item(Key=_key(instance_id), ConsistentRead=True).get("Item")
        if item is None:
            return None
        return HeldAction(_action(instance_id, item), float(item.get("heartbeat_at", 0)))

    def record_heartbeat_at(self, instance_id: str, at: float, *, previous: float) -> bool:
        try:
            self._table.update_item(
                Key=_key(instance_id),
                UpdateExpression="SET heartbeat_at = :at, expires_at = :expires",
                # (an action held before heartbeats were recorded has no time yet)
                ConditionExpression=(
                    "attribute_exists(pk) AND "
                    "(heartbeat_at = :previous OR attribute_not_exists(heartbeat_at))"
                ),
                ExpressionAttributeValues={
                    ":at": Decimal(str(at)),
                    ":previous": Decimal(str(previous)),
                    ":expires": int(at) + 2 * HEARTBEAT_TIMEOUT_SECONDS,
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _action(instance_id: str, old: dict[str, Any]) -> LifecycleAction:
    group_id = old.get("deployment_group_id")
    return LifecycleAction(
        auto_scaling_group=str(old["auto_scaling_group"]),
        hook_name=str(old["hook_name"]),
        instance_id=instance_id,
        token=str(old["token"]),
        transition=LifecycleTransition(old["transition"]),
        deployment_group_id=None if group_id is None else str(group_id),
    )
