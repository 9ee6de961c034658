"""SQS event-source mappings: one poller thread per enabled mapping, as Lambda's pollers behave.

moto pushes a queue's messages to the mapped function inside SendMessage (through Docker); the
gateway detaches the mappings from the queues and polls instead: long-poll, invoke with a batch in
the SQSEvent format, delete on success, honour `ReportBatchItemFailures`.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from devstack import moto_emulator
from devstack.event_source_mappings import EventSourceMappings
from devstack.lambda_runtime import LambdaRuntime
from devstack.settings import INTERNAL_ACCESS_KEY_ID, INTERNAL_SECRET_ACCESS_KEY, GatewaySettings

logger = logging.getLogger("devstack.sqs")
LONG_POLL_SECONDS = 20
DEFAULT_BATCH_SIZE = 10


@dataclass(frozen=True)
class SqsMapping:
    uuid: str
    queue_arn: str
    function_arn: str
    batch_size: int
    report_batch_item_failures: bool

    @property
    def region(self) -> str:
        return self.queue_arn.split(":")[3]

    @property
    def queue_url_path(self) -> str:
        _, _, _, _, account_id, name = self.queue_arn.split(":", 5)
        return f"{account_id}/{name}"


class SqsEventSources(EventSourceMappings[SqsMapping, "_Poller"]):
    """Keeps one poller per enabled SQS mapping that moto's Lambda backend holds."""

    logger = logger
    sync_failure = "event source mapping sync failed"

    def __init__(self, runtime: LambdaRuntime, settings: GatewaySettings) -> None:
        self._runtime = runtime
        self._settings = settings
        super().__init__()

    def _poller(self, mapping: SqsMapping) -> _Poller:
        return _Poller(mapping, self._runtime, self._settings)

    def _enabled_mappings(self) -> list[SqsMapping]:
        mappings = []
        for backend in moto_emulator.lambda_backends_with_state():
            for esm in list(backend._event_source_mappings.values()):
                if ":sqs:" not in esm.event_source_arn:
                    continue
                queue = moto_emulator.sqs_queue_by_arn(esm.event_source_arn)
                if queue is not None:
                    # moto would otherwise invoke the function inside SendMessage.
                    queue.lambda_event_source_mappings.pop(esm.function_arn, None)
                if not esm.enabled:
                    continue
                mappings.append(
                    SqsMapping(
                        uuid=esm.uuid,
                        queue_arn=esm.event_source_arn,
                        function_arn=esm.function_arn,
                        batch_size=int(esm.batch_size or DEFAULT_BATCH_SIZE),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in (esm.function_response_types or []),
                    )
                )
        return mappings


class _Poller:
    def __init__(
        self, mapping: SqsMapping, runtime: LambdaRuntime, settings: GatewaySettings
    ) -> None:
        self._mapping = mapping
        self._runtime = runtime
        self._stopped = threading.Event()
        self._sqs = boto3.client(
            "sqs",
            endpoint_url=settings.endpoint_url,
            region_name=mapping.region,
            aws_access_key_id=INTERNAL_ACCESS_KEY_ID,
            aws_secret_access_key=INTERNAL_SECRET_ACCESS_KEY,
            config=Config(read_timeout=LONG_POLL_SECONDS + 10, retries={"max_attempts": 1}),
        )
        self._queue_url = f"{settings.endpoint_url}/{mapping.queue_url_path}"

    def start(self) -> None:
        name = f"sqs-poller-{self._mapping.uuid[:8]}"
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._poll_once()
            except Exception:
                logger.exception("polling %s failed", self._mapping.queue_arn)
                self._stopped.wait(1.0)

    def _poll_once(self) -> None:
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=min(self._mapping.batch_size, 10),
            WaitTimeSeconds=LONG_POLL_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = received.get("Messages", [])
        if not messages or self._stopped.is_set():
            return
        event = {"Records": [self._record(message) for message in messages]}
        result = self._runtime.invoke(
            self._mapping.function_arn,
            json.dumps(event).encode(),
            region=self._mapping.region,
        )
        if result.failed:
            return  # the batch becomes visible again after the visibility timeout
        processed = self._processed(messages, result.payload)
        if processed:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(processed)
                ],
            )

    def _processed(self, messages: list[dict[str, Any]], payload: bytes) -> list[dict[str, Any]]:
        if not self._mapping.report_batch_item_failures:
            return messages
        try:
            response = json.loads(payload or b"null")
        except ValueError:
            return messages
        if not isinstance(response, dict):
            return messages
        failures = response.get("batchItemFailures") or []
        failed_ids = {failure.get("itemIdentifier") for failure in failures}
        if None in failed_ids or "" in failed_ids:
            return []  # an invalid report fails the whole batch, as Lambda does
        return [message for message in messages if message["MessageId"] not in failed_ids]

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": _base64(value.get("BinaryValue")),
                    "stringListValues": value.get("StringListValues", []),
                    "binaryListValues": [_base64(v) for v in value.get("BinaryListValues", [])],
                    "dataType": value["DataType"],
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self._mapping.queue_arn,
            "awsRegion": self._mapping.region,
        }


def _base64(value: bytes | None) -> str | None:
    """SQSEvent carries binary attributes base64-encoded; boto3 hands them over decoded."""
    return base64.b64encode(value).decode() if value is not None else None
