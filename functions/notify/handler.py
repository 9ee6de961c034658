"""Notify function: the state table's stream (NEW_AND_OLD_IMAGES) delivers every item change here.

Deployment and instance state changes become EventBridge events on the account's default bus and
SNS messages to the deployment group's trigger targets (``state_changes.py`` decides, the
publisher sends). Nothing here can fail or slow a deployment: the hot paths never wait for it.

A read that fails (throttling) stops the batch at that record and reports it, so Lambda retries
from there (``ReportBatchItemFailures``) without resending what came before; a publish that fails
is logged and dropped; an unreadable item is logged and skipped (a retry cannot fix it).
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBStreamEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from functions.adapters.deployment_lookups import DeploymentLookups
from functions.adapters.notification_publisher import NotificationPublisher
from functions.notify.state_changes import notifications_for
from rollwright.account_region import AccountRegion
from rollwright.deployment_notifications import Notifications

logger = Logger()
metrics = Metrics()
_dynamodb = boto3.client("dynamodb")
_table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
_publisher = NotificationPublisher(boto3.client("events"), boto3.client("sns"))


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    place = AccountRegion.of_function(context.invoked_function_arn)
    lookups = DeploymentLookups(_table, _dynamodb)
    decided = Notifications()
    retry_from: str | None = None
    for record in DynamoDBStreamEvent(event).records:
        try:
            decided = decided + notifications_for(record, lookups, place)
        except (ClientError, BotoCoreError):
            logger.exception("a read failed: the batch is retried from this record")
            retry_from = record.dynamodb.sequence_number if record.dynamodb else None
            break
        except (KeyError, ValueError, TypeError):
            logger.exception("skipped an unreadable item", extra={"event_id": record.event_id})
            metrics.add_metric(name="UnreadableItems", unit=MetricUnit.Count, value=1)
    report = _publisher.publish(decided)
    for name, value in (
        ("NotificationEventsSent", report.events_sent),
        ("NotificationEventsFailed", report.events_failed),
        ("TriggerMessagesSent", report.messages_sent),
        ("TriggerMessagesFailed", report.messages_failed),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    failures = [] if retry_from is None else [{"itemIdentifier": retry_from}]
    return {"batchItemFailures": failures}
