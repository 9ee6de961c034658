"""Which deployments watch an alarm: the alarm function's way from an alarm to the deployments it
stops.

Watch item: ``pk = ALARM#<alarmName>`` (the partition of the alarm's state, ``alarm_states.py``),
``sk = WATCH#<deploymentId>``: ``deployment_id``, ``expires_at`` (TTL: the longest a deployment
may run, and an hour more: 8 hours for Server, 50 for Lambda). Written with the deployment
(CreateDeployment's transaction, Server and Lambda deployments alike), never deleted: a finished
deployment ignores a stop, and TTL removes the item.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import throttled_or_raise
from rollwright.deployment_group_settings import AlarmConfiguration

WATCH_SECONDS = 9 * 3600
LAMBDA_WATCH_SECONDS = 51 * 3600


def watch_put(
    table_name: str,
    alarm_name: str,
    deployment_id: str,
    now: float,
    *,
    seconds: int = WATCH_SECONDS,
) -> dict[str, Any]:
    """The TransactWriteItems request that makes ``deployment_id`` a watcher of ``alarm_name``."""
    return {
        "Put": {
            "TableName": table_name,
            "Item": {
                "pk": f"ALARM#{alarm_name}",
                "sk": f"WATCH#{deployment_id}",
                "deployment_id": deployment_id,
                "expires_at": int(now) + seconds,
            },
        }
    }


def alarm_document(alarms: AlarmConfiguration) -> dict[str, Any]:
    """The deployment item's ``alarm_configuration`` (read by ``rollout_items``)."""
    return {
        "enabled": alarms.enabled,
        "ignore_poll_alarm_failure": alarms.ignore_poll_alarm_failure,
        "alarm_names": list(alarms.alarm_names),
    }


def watchers(table: Any, alarm_name: str) -> list[str]:
    """The deployments (running or not) that watch the alarm."""
    request: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :watch)",
        "ExpressionAttributeValues": {":pk": f"ALARM#{alarm_name}", ":watch": "WATCH#"},
        "ProjectionExpression": "deployment_id",
        "ConsistentRead": True,
    }
    found: list[str] = []
    while True:
        try:
            page = table.query(**request)
        except ClientError as error:
            raise throttled_or_raise(error) from error
        found += [str(item["deployment_id"]) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
