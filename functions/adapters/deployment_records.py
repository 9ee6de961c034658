"""Deployment records in the state table (the workflow's view of them).

Item layout: ``pk = DEPLOYMENT#<deploymentId>``, ``sk = DEPLOYMENT``; ``status`` holds the
CodeDeploy deployment status and ``updated_at`` the epoch second of the last transition.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from rollwright.deployment_status import DeploymentStatus

DEPLOYMENT_SORT_KEY = "DEPLOYMENT"


def deployment_key(deployment_id: str) -> dict[str, str]:
    return {"pk": f"DEPLOYMENT#{deployment_id}", "sk": DEPLOYMENT_SORT_KEY}


class DeploymentRecords:
    """Reads and moves deployment statuses with conditional writes."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def status_of(self, deployment_id: str) -> DeploymentStatus | None:
        item = self._table.get_item(
            Key=deployment_key(deployment_id),
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": "status"},
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else DeploymentStatus(item["status"])

    def transition(
        self, deployment_id: str, current: DeploymentStatus, target: DeploymentStatus
    ) -> bool:
        """Move the status from ``current`` to ``target``; False if it was no longer ``current``."""
        try:
            self._table.update_item(
                Key=deployment_key(deployment_id),
                UpdateExpression="SET #s = :target, updated_at = :now",
                ConditionExpression="#s = :current",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":target": target.value,
                    ":current": current.value,
                    ":now": int(time.time()),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
