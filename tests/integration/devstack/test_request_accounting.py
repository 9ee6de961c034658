"""Every AWS request is counted by service and operation, including the functions' own calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from devstack.state import DevstackState
from tests.integration.devstack.conftest import FunctionFactory


def _counts(devstack: DevstackState) -> dict[str, Any]:
    return dict(requests.get(f"{devstack.aws_endpoint_url}/_devstack/requests", timeout=10).json())


def test_requests_are_counted_by_service_and_operation(
    devstack: DevstackState, aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a function that calls DynamoDB, and counts reset
    aws("dynamodb").create_table(
        TableName="counted",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    name = create_function(
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('dynamodb').put_item(TableName='counted', Item={'pk': {'S': 'a'}})\n"
    )
    requests.delete(f"{devstack.aws_endpoint_url}/_devstack/requests", timeout=10)

    # When the function is invoked and a queue is listed and an object listed
    aws("lambda").invoke(FunctionName=name)
    aws("sqs").list_queues()
    aws("s3").list_buckets()

    # Then each request is counted under its service and operation
    services = _counts(devstack)["services"]
    assert services["lambda"]["operations"] == {"Invoke": 1}
    assert services["dynamodb"]["operations"] == {"PutItem": 1}
    assert services["sqs"]["operations"] == {"ListQueues": 1}
    assert services["s3"]["operations"] == {"ListBuckets": 1}


def test_resetting_the_counts_starts_from_zero(
    devstack: DevstackState, aws: Callable[[str], Any]
) -> None:
    # Given some counted requests
    aws("sqs").list_queues()

    # When the counts are reset
    requests.delete(f"{devstack.aws_endpoint_url}/_devstack/requests", timeout=10)

    # Then nothing is counted
    assert _counts(devstack) == {"total": 0, "services": {}}
