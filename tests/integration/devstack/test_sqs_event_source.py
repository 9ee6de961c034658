"""SQS event-source mappings deliver batches to Lambda and delete what was processed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.devstack.conftest import FunctionFactory, wait_for


def _queue(aws: Callable[[str], Any], name: str) -> tuple[str, str]:
    url = aws("sqs").create_queue(QueueName=name, Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    arn = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def _messages_left(aws: Callable[[str], Any], url: str) -> int:
    attributes = aws("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_a_mapped_function_receives_the_batch_and_the_messages_are_deleted(
    aws: Callable[[str], Any],
    create_function: FunctionFactory,
    recorder_source: str,
    recorded_events: Callable[[str], list[dict[str, Any]]],
) -> None:
    # Given a queue mapped to a function that records its events
    aws("sqs").create_queue(QueueName="sqs-batches")
    url, arn = _queue(aws, "work-items")
    name = create_function(recorder_source, environment={"RECORD_QUEUE": "sqs-batches"})
    aws("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=10)

    # When a message is sent
    aws("sqs").send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
    )

    # Then the function got an SQSEvent and the message left the queue
    [event] = recorded_events("sqs-batches")
    [record] = event["Records"]
    assert record["body"] == "hello"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn
    assert record["messageAttributes"]["kind"]["stringValue"] == "greeting"
    assert wait_for(lambda: _messages_left(aws, url) == 0)


def test_reported_batch_item_failures_stay_on_the_queue(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a function reporting "bad" messages as failed, mapped with ReportBatchItemFailures
    url, arn = _queue(aws, "partial-failures")
    name = create_function(
        "def handler(event, context):\n"
        "    return {'batchItemFailures': [{'itemIdentifier': r['messageId']}\n"
        "            for r in event['Records'] if r['body'] == 'bad']}\n"
    )
    aws("lambda").create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )

    # When a good and a bad message are sent together
    aws("sqs").send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": "1", "MessageBody": "good"}, {"Id": "2", "MessageBody": "bad"}],
    )

    # Then the good one is deleted and the bad one stays on the queue, to be retried
    assert wait_for(lambda: _messages_left(aws, url) == 1)
