"""The host's command queue: long-poll it, keep a running command hidden, delete it when done.

Receiving is the agent's only traffic while idle: one ``ReceiveMessage`` long poll
(``WaitTimeSeconds`` up to 20) at a time, one message at a time (a host runs one command at a time).
A message that is not a valid host command for this host is logged and deleted: it can never
become valid, and leaving it would bring it back after every visibility timeout (SQS moves it to a
dead-letter queue only if the control plane gave the queue one).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from rollwright.agent_protocol import HostCommand, InvalidAgentMessageError, read_host_command

logger = logging.getLogger(__name__)

BODY_EXCERPT_CHARS = 200
_MISSING_QUEUE_CODES = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


class QueueMissingError(Exception):
    """The host's queue does not exist yet: the control plane creates it with the first command
    for the host."""


@dataclass(frozen=True)
class ReceivedCommand:
    command: HostCommand
    message_id: str
    receipt_handle: str


class CommandPoller:
    def __init__(
        self,
        sqs: Any,
        *,
        queue_name: str,
        host_id: str,
        wait_seconds: int = 20,
        visibility_timeout_seconds: int = 300,
    ) -> None:
        self._sqs = sqs
        self._queue_name = queue_name
        self._host_id = host_id
        self._wait_seconds = wait_seconds
        self._visibility_timeout = visibility_timeout_seconds
        self._queue_url: str | None = None

    @property
    def queue_url(self) -> str:
        # Resolved on first use, not at start-up: the control plane creates a host's queue when
        # the host is first targeted, which may be after the agent starts (the daemon looks again
        # every few seconds until then: QueueMissingError).
        if self._queue_url is None:
            try:
                answer = self._sqs.get_queue_url(QueueName=self._queue_name)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING_QUEUE_CODES:
                    raise QueueMissingError(self._queue_name) from error
                raise
            self._queue_url = str(answer["QueueUrl"])
        return self._queue_url

    def receive(self) -> ReceivedCommand | None:
        """One long poll: the next command for this host, or ``None`` when the wait ran out or
        the message was not a valid command (it is deleted then)."""
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=1,
            WaitTimeSeconds=self._wait_seconds,
            VisibilityTimeout=self._visibility_timeout,
        )
        messages = response.get("Messages") or []
        if not messages:
            return None
        message = messages[0]
        body = str(message.get("Body", ""))
        try:
            command = self._read(body)
        except InvalidAgentMessageError as error:
            logger.error(
                "deleting message %s, not a host command for this host: %s (body starts %r)",
                message.get("MessageId"),
                error,
                body[:BODY_EXCERPT_CHARS],
            )
            self._sqs.delete_message(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
            return None
        return ReceivedCommand(
            command=command,
            message_id=str(message["MessageId"]),
            receipt_handle=str(message["ReceiptHandle"]),
        )

    def extend(self, received: ReceivedCommand) -> None:
        """Keep a running command hidden for another visibility timeout."""
        self._sqs.change_message_visibility(
            QueueUrl=self.queue_url,
            ReceiptHandle=received.receipt_handle,
            VisibilityTimeout=self._visibility_timeout,
        )

    def release(self, received: ReceivedCommand) -> None:
        """Hand a command back to the queue at once (visibility 0), e.g. when shutting down
        before it ran."""
        self._sqs.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=received.receipt_handle, VisibilityTimeout=0
        )

    def delete(self, received: ReceivedCommand) -> None:
        self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=received.receipt_handle)

    def _read(self, body: str) -> HostCommand:
        try:
            document = json.loads(body)
        except ValueError as error:
            raise InvalidAgentMessageError(f"the body is not JSON: {error}") from None
        command = read_host_command(document)
        if command.host_id != self._host_id:
            raise InvalidAgentMessageError(
                f"host command {command.command_id} is for host {command.host_id}, "
                f"this is {self._host_id}"
            )
        return command
