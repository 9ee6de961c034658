"""Custom deployment configurations in the state table: the DynamoDB ``DeploymentConfigStore``.

Item layout::

    pk = DEPLOYMENT_CONFIG#<name>    sk = DEPLOYMENT_CONFIG
    gsi1pk = DEPLOYMENT_CONFIGS      gsi1sk = <name>          (ListDeploymentConfigs, name order)
    deployment_config_id (S, UUID), deployment_config_name (S), create_time (N, epoch seconds,
    millisecond precision), definition (S, JSON: the CreateDeploymentConfig members
    computePlatform, minimumHealthyHosts, trafficRoutingConfig, zonalConfig),
    use_count (N, deployment groups using it; written by ``deployment_group_records``)

    pk = DEPLOYMENT_CONFIGS          sk = COUNT               config_count (N)

Create is one transaction: put the item if the name is free + count it if fewer than the limit
exist. Delete is one transaction: delete the item if no group uses it + uncount it, so a group
write (which adds to ``use_count`` on the condition that the item exists) and a delete cannot both
succeed. Predefined configurations are never stored.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import cancellation_reasons, throttled, throttled_or_raise
from functions.adapters.named_records import (
    create_time_attribute,
    create_time_from,
    name_index_key,
    names_after,
)
from rollwright.deployment_configs import (
    DeploymentConfig,
    deployment_config_already_exists,
)
from rollwright.errors import DeploymentConfigInUseException, DeploymentConfigLimitExceededException
from rollwright.operations.deployment_configs import definition_members, read_definition

DEPLOYMENT_CONFIG_SORT_KEY = "DEPLOYMENT_CONFIG"
DEPLOYMENT_CONFIGS_PARTITION = "DEPLOYMENT_CONFIGS"
_COUNT_KEY = {"pk": {"S": DEPLOYMENT_CONFIGS_PARTITION}, "sk": {"S": "COUNT"}}


def deployment_config_key(name: str) -> dict[str, Any]:
    return {"pk": {"S": f"DEPLOYMENT_CONFIG#{name}"}, "sk": {"S": DEPLOYMENT_CONFIG_SORT_KEY}}


def _index_key(name: str) -> dict[str, Any]:
    return name_index_key(DEPLOYMENT_CONFIGS_PARTITION, name)


def deployment_config_item(config: DeploymentConfig) -> dict[str, Any]:
    return {
        **deployment_config_key(config.name),
        **_index_key(config.name),
        "deployment_config_id": {"S": config.deployment_config_id},
        "deployment_config_name": {"S": config.name},
        "create_time": create_time_attribute(config.create_time),
        "definition": {"S": json.dumps(definition_members(config.definition))},
        "use_count": {"N": "0"},
    }


def deployment_config_from_item(item: dict[str, Any]) -> DeploymentConfig:
    return DeploymentConfig(
        deployment_config_id=item["deployment_config_id"]["S"],
        name=item["deployment_config_name"]["S"],
        create_time=create_time_from(item["create_time"]),
        definition=read_definition(json.loads(item["definition"]["S"])),
    )


class DynamoDeploymentConfigStore:
    """``rollwright.deployment_configs.DeploymentConfigStore`` over the state table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, config: DeploymentConfig, *, limit: int) -> None:
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": deployment_config_item(config),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": _COUNT_KEY,
                            "UpdateExpression": "ADD config_count :one",
                            "ConditionExpression": (
                                "attribute_not_exists(config_count) OR config_count < :limit"
                            ),
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":limit": {"N": str(limit)},
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            reasons = self._reasons(error)
            if reasons[0] == "ConditionalCheckFailed":
                raise deployment_config_already_exists(config.name) from None
            if reasons[1] == "ConditionalCheckFailed":
                raise DeploymentConfigLimitExceededException(
                    f"The account has {limit} custom deployment configurations, the limit."
                ) from None
            raise throttled() from error

    def find(self, name: str) -> DeploymentConfig | None:
        try:
            item = self._client.get_item(
                TableName=self._table, Key=deployment_config_key(name), ConsistentRead=True
            ).get("Item")
        except ClientError as error:
            raise throttled_or_raise(error) from error
        return None if item is None else deployment_config_from_item(item)

    def names_after(self, after: str | None, limit: int) -> list[str]:
        after_key = None if after is None else {**deployment_config_key(after), **_index_key(after)}
        return names_after(
            self._client, self._table, DEPLOYMENT_CONFIGS_PARTITION, after_key, limit
        )

    def remove(self, name: str) -> None:
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": deployment_config_key(name),
                            "ConditionExpression": "attribute_exists(pk) AND use_count = :zero",
                            "ExpressionAttributeValues": {":zero": {"N": "0"}},
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": _COUNT_KEY,
                            "UpdateExpression": "ADD config_count :minus_one",
                            "ExpressionAttributeValues": {":minus_one": {"N": "-1"}},
                        }
                    },
                ]
            )
        except ClientError as error:
            if self._reasons(error)[0] != "ConditionalCheckFailed":
                raise throttled() from error
            # The condition failed: either nothing to delete (fine) or a group uses it.
            if self.find(name) is not None:
                raise DeploymentConfigInUseException(
                    f"The deployment configuration {name} is used by a deployment group."
                ) from None

    @staticmethod
    def _reasons(error: ClientError) -> list[str]:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise throttled_or_raise(error) from error
        # Padded, so a cancellation without per-item reasons reads as neither condition.
        return [*cancellation_reasons(error), "", ""]
