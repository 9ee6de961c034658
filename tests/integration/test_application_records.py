"""The DynamoDB application store against moto."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from functions.adapters.application_records import DynamoApplicationStore, application_key
from rollwright.applications import Application, ComputePlatform, Tag
from rollwright.errors import (
    ApplicationAlreadyExistsException,
    ApplicationDoesNotExistException,
    ApplicationLimitExceededException,
    ThrottlingException,
)
from tests.integration.application_api import TABLE_NAME, dynamodb, store

__all__ = ["dynamodb", "store"]


def application(name: str, application_id: str = "id-1") -> Application:
    return Application(
        application_id=application_id,
        name=name,
        compute_platform=ComputePlatform.LAMBDA,
        create_time=datetime(2026, 11, 27, 22, 0, 0, 123000, tzinfo=UTC),
        tags=(Tag("team", "payments"),),
    )


def test_an_added_application_is_found_as_it_was(store: DynamoApplicationStore) -> None:
    store.add(application("shop"))
    assert store.find("shop") == application("shop")


def test_the_item_follows_the_documented_layout(
    store: DynamoApplicationStore, dynamodb: Any
) -> None:
    store.add(application("shop"))
    item = dynamodb.get_item(TableName=TABLE_NAME, Key=application_key("shop"))["Item"]
    assert item["pk"] == {"S": "APP#shop"}
    assert item["sk"] == {"S": "APPLICATION"}
    assert item["gsi1pk"] == {"S": "APPLICATIONS"}
    assert item["gsi1sk"] == {"S": "shop"}
    assert item["create_time"] == {"N": "1795816800.123"}


def test_adding_a_taken_name_fails_and_keeps_the_first(store: DynamoApplicationStore) -> None:
    store.add(application("shop", "first"))
    with pytest.raises(ApplicationAlreadyExistsException):
        store.add(application("shop", "second"))
    assert store.find("shop") == application("shop", "first")


def test_find_many_returns_only_existing_names(store: DynamoApplicationStore) -> None:
    store.add(application("a"))
    store.add(application("b"))
    assert set(store.find_many(["a", "b", "ghost"])) == {"a", "b"}


def test_names_after_pages_through_the_index_in_order(store: DynamoApplicationStore) -> None:
    for name in ("d", "b", "a", "c", "e"):
        store.add(application(name))
    assert store.names_after(None, 2) == ["a", "b"]
    assert store.names_after("b", 2) == ["c", "d"]
    assert store.names_after("d", 10) == ["e"]
    assert store.names_after("e", 10) == []


def test_names_after_a_deleted_name_continues_after_it(store: DynamoApplicationStore) -> None:
    for name in ("a", "b", "c"):
        store.add(application(name))
    store.remove("b")
    assert store.names_after("b", 10) == ["c"]


def test_rename_moves_the_item_atomically(store: DynamoApplicationStore) -> None:
    store.add(application("old"))
    store.rename(application("old"), "new")
    assert store.find("old") is None
    assert store.find("new") == application("new")
    assert store.names_after(None, 10) == ["new"]


def test_rename_onto_a_taken_name_fails_and_changes_nothing(
    store: DynamoApplicationStore,
) -> None:
    store.add(application("old", "id-old"))
    store.add(application("taken", "id-taken"))
    with pytest.raises(ApplicationAlreadyExistsException, match="taken"):
        store.rename(application("old", "id-old"), "taken")
    assert store.find("old") == application("old", "id-old")
    assert store.find("taken") == application("taken", "id-taken")


def test_rename_keeps_tags_changed_after_the_application_was_read(
    store: DynamoApplicationStore, dynamodb: Any
) -> None:
    # Given "old" was read with its team tag, and then its tags were changed
    read = application("old")
    store.add(read)
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key=application_key("old"),
        UpdateExpression="SET tags = :tags",
        ExpressionAttributeValues={
            ":tags": {"L": [{"M": {"key": {"S": "team"}, "value": {"S": "checkout"}}}]}
        },
    )
    # When the stale read is renamed
    store.rename(read, "new")
    # Then the renamed application has the tags as they are now, not as they were read
    renamed = store.find("new")
    assert renamed is not None
    assert renamed.tags == (Tag("team", "checkout"),)
    assert store.find("old") is None


def test_rename_of_an_application_replaced_meanwhile_fails(
    store: DynamoApplicationStore,
) -> None:
    # Given "old" was read, then deleted and re-created with another id
    read = application("old", "id-1")
    store.add(application("old", "id-2"))
    # When the stale read is renamed, Then it fails and the new "old" stays
    with pytest.raises(ApplicationDoesNotExistException):
        store.rename(read, "new")
    assert store.find("old") == application("old", "id-2")
    assert store.find("new") is None


def test_remove_is_idempotent(store: DynamoApplicationStore) -> None:
    store.add(application("shop"))
    store.remove("shop")
    store.remove("shop")
    assert store.find("shop") is None


def test_throttling_becomes_the_codedeploy_throttling_exception(dynamodb: Any) -> None:
    class Throttled:
        def get_item(self, **_: Any) -> None:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                "GetItem",
            )

    with pytest.raises(ThrottlingException):
        DynamoApplicationStore(Throttled(), TABLE_NAME).find("shop")


def test_other_dynamodb_errors_are_not_disguised(dynamodb: Any) -> None:
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        DynamoApplicationStore(dynamodb, "no-such-table").find("shop")


def test_creating_past_the_quota_is_refused_and_changes_nothing(dynamodb: Any) -> None:
    # Given a store whose quota is two applications, both taken
    store = DynamoApplicationStore(dynamodb, TABLE_NAME, limit=2)
    store.add(application("a", "id-a"))
    store.add(application("b", "id-b"))
    # When a third is created, Then the quota refuses it
    with pytest.raises(ApplicationLimitExceededException):
        store.add(application("c", "id-c"))
    assert store.find("c") is None


def test_deleting_an_application_frees_its_place_in_the_quota(dynamodb: Any) -> None:
    store = DynamoApplicationStore(dynamodb, TABLE_NAME, limit=1)
    store.add(application("a", "id-a"))
    store.remove("a")
    store.remove("a")  # a second delete of the same name frees nothing more
    store.add(application("b", "id-b"))
    with pytest.raises(ApplicationLimitExceededException):
        store.add(application("c", "id-c"))
