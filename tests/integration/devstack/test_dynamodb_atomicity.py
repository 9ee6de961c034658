"""DynamoDB requests through the gateway are atomic, as DynamoDB's are (moto alone loses
concurrent ``ADD`` updates to one item)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from devstack.dynamodb_atomicity import DynamoDbRequests
from devstack.request_accounting import AwsOperation

UPDATE = AwsOperation("dynamodb", "UpdateItem")


def test_a_dynamodb_request_waits_while_another_runs_and_other_services_do_not():
    # Given a DynamoDB request in progress
    requests = DynamoDbRequests()
    entered = threading.Event()

    def second_update() -> None:
        with requests.one_at_a_time(UPDATE):
            entered.set()

    with requests.one_at_a_time(UPDATE):
        waiting = threading.Thread(target=second_update)
        waiting.start()
        # Then another DynamoDB request does not start, while a request to SQS does
        assert not entered.wait(0.2)
        with requests.one_at_a_time(AwsOperation("sqs", "SendMessage")):
            pass
    # And it runs once the first one ended
    waiting.join(timeout=5)
    assert entered.is_set()


def test_concurrent_counter_updates_through_the_gateway_are_all_counted(aws):
    # Given an item with a counter
    dynamodb = aws("dynamodb")
    dynamodb.create_table(
        TableName="atomic-counters",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    key = {"pk": {"S": "counter"}}

    def add_many(_: int) -> None:
        client = aws("dynamodb")
        for _ in range(60):
            client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "atomic-counters",
                            "Key": key,
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    }
                ]
            )

    # When 12 clients add 1 sixty times each, at once
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(add_many, range(12)))
    # Then every addition counted
    item = dynamodb.get_item(TableName="atomic-counters", Key=key, ConsistentRead=True)["Item"]
    assert item["n"] == {"N": str(12 * 60)}
