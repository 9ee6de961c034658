"""The last state change seen for each alarm, kept in the state table.

Item layout: ``pk = ALARM#<alarmName>``, ``sk = STATE``. A write only replaces an older change
(events can arrive out of order), so the item always holds the newest state.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from rollwright.alarm_events import AlarmStateChange

ALARM_STATE_SORT_KEY = "STATE"


def alarm_state_key(alarm_name: str) -> dict[str, str]:
    return {"pk": f"ALARM#{alarm_name}", "sk": ALARM_STATE_SORT_KEY}


class AlarmStates:
    def __init__(self, table: Any) -> None:
        self._table = table

    def record(self, change: AlarmStateChange) -> bool:
        """Store ``change`` unless a newer one is stored already; True if it was stored."""
        item = {
            **alarm_state_key(change.alarm_name),
            "alarm_arn": change.alarm_arn,
            "state": change.state.value,
            "previous_state": change.previous_state.value if change.previous_state else None,
            "reason": change.reason,
            "changed_at": change.timestamp,
        }
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR changed_at <= :at",
                ExpressionAttributeValues={":at": change.timestamp},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def latest(self, alarm_name: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(
            Key=alarm_state_key(alarm_name), ConsistentRead=True
        ).get("Item")
        return item
