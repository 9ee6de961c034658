"""Sends notifications: ``events:PutEvents`` to the default bus, ``sns:Publish`` per trigger.

A notification that cannot be sent is logged and counted, never raised: a deployment must not
fail or stall because a topic was deleted, its policy refuses us, or EventBridge throttled. The
events go in batches of at most ten (PutEvents' limit); a batch is retried once for the entries
EventBridge reports as failed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rollwright.deployment_notifications import Notifications, StateChangeEvent

PUT_EVENTS_BATCH = 10
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishReport:
    events_sent: int = 0
    events_failed: int = 0
    messages_sent: int = 0
    messages_failed: int = 0


class NotificationPublisher:
    def __init__(self, events_client: Any, sns_client: Any) -> None:
        self._events = events_client
        self._sns = sns_client

    def publish(self, notifications: Notifications) -> PublishReport:
        events_sent = events_failed = 0
        for start in range(0, len(notifications.events), PUT_EVENTS_BATCH):
            sent, failed = self._put_events(notifications.events[start : start + PUT_EVENTS_BATCH])
            events_sent += sent
            events_failed += failed
        messages_sent = messages_failed = 0
        for message in notifications.messages:
            try:
                self._sns.publish(
                    TopicArn=message.topic_arn, Subject=message.subject, Message=message.message
                )
                messages_sent += 1
            except (ClientError, BotoCoreError) as error:
                messages_failed += 1
                logger.warning(
                    "trigger %s could not publish %s to %s: %s",
                    message.trigger_name,
                    message.event.value,
                    message.topic_arn,
                    error,
                )
        return PublishReport(events_sent, events_failed, messages_sent, messages_failed)

    def _put_events(self, batch: Sequence[StateChangeEvent]) -> tuple[int, int]:
        """(sent, failed) for one batch; the failed entries are retried once."""
        entries = [event.entry() for event in batch]
        for attempt in (1, 2):
            try:
                answer = self._events.put_events(Entries=entries)
            except (ClientError, BotoCoreError) as error:
                logger.warning("PutEvents failed (attempt %d): %s", attempt, error)
                continue
            results = answer.get("Entries", [])
            failed = [
                (entry, result)
                for entry, result in zip(entries, results, strict=False)
                if result.get("ErrorCode")
            ]
            if not failed:
                return len(batch), 0
            for entry, result in failed:
                logger.warning(
                    "EventBridge refused %s (attempt %d): %s %s",
                    entry["DetailType"],
                    attempt,
                    result.get("ErrorCode"),
                    result.get("ErrorMessage"),
                )
            entries = [entry for entry, _ in failed]
        return len(batch) - len(entries), len(entries)
