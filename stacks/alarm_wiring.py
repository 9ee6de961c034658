"""CloudWatch alarm state changes, delivered by EventBridge to the alarm function."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

ALARM_EVENT_SOURCE = "aws.cloudwatch"
ALARM_EVENT_DETAIL_TYPE = "CloudWatch Alarm State Change"


class AlarmWiring(Construct):
    """An EventBridge rule sending every alarm state change of the account to the alarm function.

    Deliveries EventBridge gives up on land in the dead-letter queue, as do invocations the function
    itself fails after Lambda's asynchronous retries: an alarm event must never vanish unseen.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alarm_function: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "AlarmStateChangeRule",
            description="Rollwright: CloudWatch alarm state changes to the alarm function",
            event_pattern=events.EventPattern(
                source=[ALARM_EVENT_SOURCE],
                detail_type=[ALARM_EVENT_DETAIL_TYPE],
            ),
            targets=[
                targets.LambdaFunction(
                    alarm_function,
                    dead_letter_queue=dead_letter_queue,
                    retry_attempts=8,
                    max_event_age=Duration.hours(1),
                )
            ],
        )
