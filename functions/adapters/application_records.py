"""Applications in the state table: the DynamoDB ``ApplicationStore``.

Item layout (one item per application)::

    pk = APP#<applicationName>   sk = APPLICATION
    gsi1pk = APPLICATIONS        gsi1sk = <applicationName>     (ListApplications, in name order)
    application_id (S, UUID), application_name (S), compute_platform (S),
    create_time (N, epoch seconds, millisecond precision), linked_to_github (BOOL),
    github_account_name (S, optional), tags (L of M {key, value})

    pk = APPLICATIONS            sk = COUNT        application_count (N, for the quota)

Every write is conditional, so concurrent creates of one name cannot both succeed, and a rename is
one transaction (delete the old item if unchanged + put the new one if the name is free). Create
and delete change the count in the same transaction as the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import cancellation_reasons, error_code, throttled_or_raise
from functions.adapters.item_reads import batch_get_items
from functions.adapters.named_records import (
    create_time_attribute,
    create_time_from,
    name_index_key,
    names_after,
)
from rollwright.applications import (
    APPLICATION_LIMIT,
    Application,
    ComputePlatform,
    Tag,
    application_already_exists,
    application_does_not_exist,
    application_limit_exceeded,
)
from rollwright.errors import ThrottlingException

APPLICATION_SORT_KEY = "APPLICATION"
# One counter item holds the number of applications, for CodeDeploy's quota.
APPLICATION_COUNT_KEY = {"pk": {"S": "APPLICATIONS"}, "sk": {"S": "COUNT"}}
APPLICATIONS_PARTITION = "APPLICATIONS"
# A rename that keeps losing to tag changes gives up and asks the caller to retry.
RENAME_ATTEMPTS = 3


def application_key(name: str) -> dict[str, Any]:
    return {"pk": {"S": f"APP#{name}"}, "sk": {"S": APPLICATION_SORT_KEY}}


def _index_key(name: str) -> dict[str, Any]:
    return name_index_key(APPLICATIONS_PARTITION, name)


def application_item(application: Application) -> dict[str, Any]:
    item: dict[str, Any] = {
        **application_key(application.name),
        **_index_key(application.name),
        "application_id": {"S": application.application_id},
        "application_name": {"S": application.name},
        "compute_platform": {"S": application.compute_platform.value},
        "create_time": create_time_attribute(application.create_time),
        "linked_to_github": {"BOOL": application.linked_to_github},
        "tags": {
            "L": [{"M": {"key": {"S": t.key}, "value": {"S": t.value}}} for t in application.tags]
        },
    }
    if application.github_account_name is not None:
        item["github_account_name"] = {"S": application.github_account_name}
    return item


def application_from_item(item: dict[str, Any]) -> Application:
    return Application(
        application_id=item["application_id"]["S"],
        name=item["application_name"]["S"],
        compute_platform=ComputePlatform(item["compute_platform"]["S"]),
        create_time=create_time_from(item["create_time"]),
        tags=tuple(Tag(tag["M"]["key"]["S"], tag["M"]["value"]["S"]) for tag in item["tags"]["L"]),
        linked_to_github=item["linked_to_github"]["BOOL"],
        github_account_name=item.get("github_account_name", {}).get("S"),
    )


class DynamoApplicationStore:
    """``rollwright.applications.ApplicationStore`` over the state table (a DynamoDB client)."""

    def __init__(self, client: Any, table_name: str, limit: int = APPLICATION_LIMIT) -> None:
        self._client = client
        self._table = table_name
        self._limit = limit

    def add(self, application: Application) -> None:
        """Put the item and count it in one transaction, so neither the name nor the quota can
        be taken twice under concurrent creates."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": application_item(application),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Update": self._count_update(+1, limit=self._limit)},
                ]
            )
        except ClientError as error:
            reasons = cancellation_reasons(error)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise application_already_exists(application.name) from None
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                raise application_limit_exceeded() from None
            raise throttled_or_raise(error) from error

    def find(self, name: str) -> Application | None:
        try:
            item = self._client.get_item(
                TableName=self._table, Key=application_key(name), ConsistentRead=True
            ).get("Item")
        except ClientError as error:
            raise throttled_or_raise(error) from error
        return None if item is None else application_from_item(item)

    def find_many(self, names: Sequence[str]) -> dict[str, Application]:
        keys = [application_key(name) for name in names]
        found = (
            application_from_item(item) for item in batch_get_items(self._client, self._table, keys)
        )
        return {application.name: application for application in found}

    def names_after(self, after: str | None, limit: int) -> list[str]:
        after_key = None if after is None else {**application_key(after), **_index_key(after)}
        return names_after(self._client, self._table, APPLICATIONS_PARTITION, after_key, limit)

    def rename(self, application: Application, new_name: str) -> None:
        """Move the item to ``new_name`` in one transaction.

        The delete is conditional on the application id AND on the tags read, so a TagResource
        that lands between the read and the rename is not lost: the rename reads again and retries.
        """
        for _ in range(RENAME_ATTEMPTS):
            reasons = self._try_rename(application, new_name)
            if not reasons:
                return
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise application_already_exists(new_name)
            if reasons[0] != "ConditionalCheckFailed":
                break
            current = self.find(application.name)
            if current is None or current.application_id != application.application_id:
                raise application_does_not_exist(application.name)
            application = current  # its tags changed meanwhile: rename what is there now
        raise ThrottlingException("The rename conflicted with other changes; retry it.")

    def _try_rename(self, application: Application, new_name: str) -> list[str]:
        """The per-item cancellation reasons, or [] when the rename was written."""
        renamed = application_item(application.renamed(new_name))
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": application_key(application.name),
                            "ConditionExpression": "application_id = :id AND tags = :tags",
                            "ExpressionAttributeValues": {
                                ":id": {"S": application.application_id},
                                ":tags": renamed["tags"],
                            },
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": renamed,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise throttled_or_raise(error) from error
            return cancellation_reasons(error)
        return []

    def remove(self, name: str) -> None:
        """Delete the item and uncount it together; a missing application is already removed."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": application_key(name),
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {"Update": self._count_update(-1)},
                ]
            )
        except ClientError as error:
            if cancellation_reasons(error)[:1] == ["ConditionalCheckFailed"]:
                return
            raise throttled_or_raise(error) from error

    def _count_update(self, change: int, *, limit: int | None = None) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": APPLICATION_COUNT_KEY,
            "UpdateExpression": "ADD application_count :change",
            "ExpressionAttributeValues": {":change": {"N": str(change)}},
        }
        if limit is not None:
            update["ConditionExpression"] = (
                "attribute_not_exists(application_count) OR application_count < :limit"
            )
            update["ExpressionAttributeValues"][":limit"] = {"N": str(limit)}
        return update
