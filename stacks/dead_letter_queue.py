"""A dead-letter queue for events that could not be delivered or handled."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.accepted_findings import accept


class DeadLetterQueue(Construct):
    """An encrypted, TLS-only queue that keeps failed events for the longest time SQS allows."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        accept(
            self.queue,
            "AwsSolutions-SQS3",
            reason=(
                "This queue is itself a dead-letter queue (of a Lambda function's asynchronous "
                "invocations and an EventBridge target); cdk-nag only recognises queues used as "
                "another queue's redrive target."
            ),
        )
