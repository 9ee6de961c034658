"""DynamoDB ``ClientError``s as the domain sees them: throttling becomes CodeDeploy's
``ThrottlingException``; anything unexpected is re-raised unchanged (an internal failure)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from rollwright.errors import ThrottlingException

_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
}


CONDITION_FAILED = "ConditionalCheckFailedException"


def update_if(
    table: Any,
    key: dict[str, str],
    update: str,
    condition: str,
    values: dict[str, Any],
    *,
    names: dict[str, str] | None = None,
) -> bool:
    """One conditional UpdateItem: False when its condition does not hold (nothing written)."""
    try:
        table.update_item(
            Key=key,
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            **({"ExpressionAttributeNames": names} if names else {}),
        )
    except ClientError as error:
        if error_code(error) == CONDITION_FAILED:
            return False
        raise
    return True


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def cancellation_reasons(error: ClientError) -> list[str]:
    """The per-item reasons of a cancelled transaction, in the order of its items."""
    return [str(r.get("Code", "")) for r in error.response.get("CancellationReasons", [])]


def throttled_or_raise(error: ClientError) -> ThrottlingException:
    """The ThrottlingException for a throttled request; re-raises any other error."""
    if error_code(error) in _THROTTLED:
        return ThrottlingException("The request was throttled; retry it.")
    raise error


def throttled() -> ThrottlingException:
    return ThrottlingException("The request was throttled; retry it.")
