"""Host commands onto each host's own SQS queue, ``<prefix><host id>`` (DESIGN.md §4).

A host's queue is created the first time the host is targeted. CreateQueue is idempotent when the
attributes and tags are the same, so every sender creates with the same ones; a known queue URL
is kept for the life of the Lambda environment.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from rollwright.agent_protocol import HostCommand, host_command_document
from rollwright.host_ids import host_queue_name

HOST_TAG_KEY = "rollwright:host"
# A command that nobody received in four days is long past its deadline.
QUEUE_ATTRIBUTES = {"SqsManagedSseEnabled": "true", "MessageRetentionPeriod": "345600"}
_MISSING = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


class HostQueues:
    """The ``HostCommandSender`` of ``server_rollout``."""

    def __init__(self, sqs: Any, *, queue_prefix: str) -> None:
        self._sqs = sqs
        self._prefix = queue_prefix
        self._urls: dict[str, str] = {}

    def send(self, command: HostCommand) -> None:
        body = json.dumps(host_command_document(command), separators=(",", ":"))
        self._sqs.send_message(QueueUrl=self.queue_url(command.host_id), MessageBody=body)

    def queue_url(self, host_id: str) -> str:
        url = self._urls.get(host_id)
        if url is None:
            url = self._urls[host_id] = self._find_or_create(host_id)
        return url

    def _find_or_create(self, host_id: str) -> str:
        name = host_queue_name(self._prefix, host_id)
        try:
            return str(self._sqs.get_queue_url(QueueName=name)["QueueUrl"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _MISSING:
                raise
        created = self._sqs.create_queue(
            QueueName=name, Attributes=QUEUE_ATTRIBUTES, tags={HOST_TAG_KEY: host_id}
        )
        return str(created["QueueUrl"])
