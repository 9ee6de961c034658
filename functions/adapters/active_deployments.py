"""The one active deployment of a deployment group: a claim item, taken and released by condition.

Item: ``pk = ACTIVE_DEPLOYMENT#<deploymentGroupId>``, ``sk = ACTIVE_DEPLOYMENT``, holding
``deployment_id``. CreateDeployment puts it with ``attribute_not_exists(pk)`` in the transaction
that writes the deployment, so a second deployment to a busy group is refused by DynamoDB, never
by a read; the deployment's end deletes it, on condition that it still names that deployment.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import error_code

ACTIVE_SORT_KEY = "ACTIVE_DEPLOYMENT"


def active_deployment_key(group_id: str) -> dict[str, str]:
    return {"pk": f"ACTIVE_DEPLOYMENT#{group_id}", "sk": ACTIVE_SORT_KEY}


def claim_put(table_name: str, group_id: str, deployment_id: str) -> dict[str, Any]:
    """The transaction's Put that claims the group for ``deployment_id``."""
    return {
        "Put": {
            "TableName": table_name,
            "Item": {**active_deployment_key(group_id), "deployment_id": deployment_id},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def active_deployment(table: Any, group_id: str) -> str | None:
    item = table.get_item(Key=active_deployment_key(group_id), ConsistentRead=True).get("Item")
    return None if item is None else str(item["deployment_id"])


def release_active_deployment(table: Any, group_id: str, deployment_id: str) -> bool:
    """Free the group if ``deployment_id`` holds it; False if it did not (already released, or
    never claimed: a deployment that ended at creation)."""
    try:
        table.delete_item(
            Key=active_deployment_key(group_id),
            ConditionExpression="deployment_id = :id",
            ExpressionAttributeValues={":id": deployment_id},
        )
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True
