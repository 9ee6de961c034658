"""The devstack's ``TransactWriteItems`` backs a failed transaction out item by item, as moto's
whole-table copy did, and never copies the table (moto in-process, with the devstack's patch)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends

from devstack.dynamodb_transactions import use_item_level_rollback

TABLE = "transactions"


@pytest.fixture
def dynamodb(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    use_item_level_rollback()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        client.put_item(TableName=TABLE, Item=_item("a", n=1))
        yield client


def _item(sk: str, n: int) -> dict:
    return {"pk": {"S": "p"}, "sk": {"S": sk}, "n": {"N": str(n)}}


def _key(sk: str) -> dict:
    return {"pk": {"S": "p"}, "sk": {"S": sk}}


def _table():
    return dynamodb_backends["123456789012"]["us-east-1"].tables[TABLE]


def _everything(client) -> list:
    return sorted(client.scan(TableName=TABLE)["Items"], key=lambda item: item["sk"]["S"])


def test_a_failed_transaction_leaves_every_item_and_the_stream_as_they_were(dynamodb):
    # Given a table with one item, and its stream so far
    before, table = _everything(dynamodb), _table()
    stream_length = len(table.stream_shard.items)
    # When a transaction updates it, inserts another and then fails a condition
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": _key("a"),
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Put": {"TableName": TABLE, "Item": _item("b", n=5)}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": _key("c"),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    # Then it is cancelled with moto's reasons, nothing changed, and no stream record remains
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _everything(dynamodb) == before
    assert len(_table().stream_shard.items) == stream_length
    # and the table was restored in place, not replaced by a copy of itself
    assert _table() is table


def test_a_transaction_that_holds_applies_every_item(dynamodb):
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": _key("a"),
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Put": {"TableName": TABLE, "Item": _item("b", n=5)}},
        ]
    )
    assert _everything(dynamodb) == [_item("a", n=2), _item("b", n=5)]
