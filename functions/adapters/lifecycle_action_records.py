"""Lifecycle actions held for their launch deployment (``rollwright.auto_scaling_launches``).

Item: ``pk = LIFECYCLE_ACTION#<instanceId>``, ``sk = LIFECYCLE_ACTION``, holding
``auto_scaling_group``, ``hook_name``, ``token``, ``transition``, ``deployment_group_id`` and
``expires_at`` (TTL: the hook's timeout has passed, Auto Scaling has moved on). ``release`` is one
delete that answers the old item, so of a finish step and a launch that both release, one wins.
"""

from __future__ import annotations

import time
from typing import Any

from functions.adapters.auto_scaling_hooks import HEARTBEAT_TIMEOUT_SECONDS
from rollwright.auto_scaling_launches import LifecycleAction, LifecycleTransition

_SORT_KEY = "LIFECYCLE_ACTION"


def _key(instance_id: str) -> dict[str, str]:
    return {"pk": f"LIFECYCLE_ACTION#{instance_id}", "sk": _SORT_KEY}


class DynamoHeldActions:
    def __init__(self, table: Any) -> None:
        self._table = table

    def hold(self, action: LifecycleAction) -> None:
        item: dict[str, Any] = {
            **_key(action.instance_id),
            "auto_scaling_group": action.auto_scaling_group,
            "hook_name": action.hook_name,
            "token": action.token,
            "transition": action.transition.value,
            "expires_at": int(time.time()) + 2 * HEARTBEAT_TIMEOUT_SECONDS,
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
        if old is None:
            return None
        group_id = old.get("deployment_group_id")
        return LifecycleAction(
            auto_scaling_group=str(old["auto_scaling_group"]),
            hook_name=str(old["hook_name"]),
            instance_id=instance_id,
            token=str(old["token"]),
            transition=LifecycleTransition(old["transition"]),
            deployment_group_id=None if group_id is None else str(group_id),
        )
