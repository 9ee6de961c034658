"""DynamoDB stream event-source mappings: one poller thread per enabled mapping, as Lambda's
stream pollers behave.

moto records a table's stream and would invoke the mapped function inside the write (through
Docker); the gateway detaches the mappings from the tables and polls instead. The poller reads the
stream's records in-process (Lambda's stream reads are not billed, so they are not counted as
requests) and honours the mapping: ``StartingPosition`` (LATEST / TRIM_HORIZON), ``BatchSize``,
``FilterCriteria`` (records that match no filter are dropped, as Lambda drops them),
``ReportBatchItemFailures`` (a batch is retried from the first reported record) and
``MaximumRetryAttempts`` (then the batch is logged and skipped; an ``OnFailure`` destination is
not written to).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.events.models import EventPattern

from devstack import moto_emulator
from devstack.event_source_mappings import EventSourceMappings
from devstack.lambda_runtime import LambdaRuntime

logger = logging.getLogger("devstack.dynamodb_streams")
POLL_INTERVAL_SECONDS = 0.1
TRIM_AFTER_RECORDS = 200
DEFAULT_BATCH_SIZE = 100
RETRY_BACKOFF_SECONDS = 0.5


@dataclass(frozen=True)
class StreamMapping:
    uuid: str
    stream_arn: str
    function_arn: str
    batch_size: int
    starting_position: str
    filters: tuple[str, ...]
    report_batch_item_failures: bool
    maximum_retry_attempts: int  # -1: until the record expires (here: forever)
    batching_window_seconds: float = 0.0

    @property
    def region(self) -> str:
        return self.stream_arn.split(":")[3]


class DynamoDbStreamSources(EventSourceMappings[StreamMapping, "_StreamPoller"]):
    """Keeps one poller per enabled DynamoDB stream mapping that moto's Lambda backend holds."""

    logger = logger
    sync_failure = "stream mapping sync failed"

    def __init__(self, runtime: LambdaRuntime) -> None:
        self._runtime = runtime
        super().__init__()

    def _poller(self, mapping: StreamMapping) -> _StreamPoller:
        return _StreamPoller(mapping, self._runtime, self._consumers)

    def _consumers(self, stream_arn: str) -> int:
        return sum(p.stream_arn == stream_arn for p in list(self._pollers.values()))

    def _enabled_mappings(self) -> list[StreamMapping]:
        mappings = []
        for backend in moto_emulator.lambda_backends_with_state():
            for esm in list(backend._event_source_mappings.values()):
                if ":dynamodb:" not in esm.event_source_arn:
                    continue
                table = moto_emulator.dynamodb_table_by_stream_arn(esm.event_source_arn)
                if table is not None:
                    # moto would otherwise invoke the function inside the write.
                    table.lambda_event_source_mappings.pop(esm.function_arn, None)
                if not esm.enabled or table is None:
                    continue
                criteria = esm.filter_criteria or {}
                retries = esm.max_retry_attempts
                mappings.append(
                    StreamMapping(
                        uuid=esm.uuid,
                        stream_arn=esm.event_source_arn,
                        function_arn=esm.function_arn,
                        batch_size=int(esm.batch_size or DEFAULT_BATCH_SIZE),
                        starting_position=str(esm.starting_position or "TRIM_HORIZON"),
                        filters=tuple(f["Pattern"] for f in criteria.get("Filters", [])),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in (esm.function_response_types or []),
                        maximum_retry_attempts=-1 if retries is None else int(retries),
                        batching_window_seconds=float(getattr(esm, "max_batch_window", None) or 0),
                    )
                )
        return mappings


class _StreamPoller:
    def __init__(
        self, mapping: StreamMapping, runtime: LambdaRuntime, consumers: Callable[[str], int]
    ) -> None:
        self._mapping = mapping
        self._runtime = runtime
        self._consumers = consumers
        self._stopped = threading.Event()
        self._patterns = [EventPattern.load(pattern) for pattern in mapping.filters]
        self._position = 0 if mapping.starting_position == "TRIM_HORIZON" else len(self._items())
        self._attempts = 0

    def start(self) -> None:
        name = f"ddb-stream-poller-{self._mapping.uuid[:8]}"
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def _items(self) -> list[Any]:
        """The shard's records: moto's own list, not a copy (it only grows, and moto keeps every
        record for the devstack's life, so copying it on every poll grew costlier all session)."""
        table = moto_emulator.dynamodb_table_by_stream_arn(self._mapping.stream_arn)
        shard = None if table is None else table.stream_shard
        return [] if shard is None else shard.items

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                if not self._poll_once():
                    self._stopped.wait(POLL_INTERVAL_SECONDS)
                elif self._mapping.batching_window_seconds:
                    # MaximumBatchingWindowInSeconds: gather what comes next into one batch.
                    self._stopped.wait(self._mapping.batching_window_seconds)
            except Exception:
                logger.exception("polling %s failed", self._mapping.stream_arn)
                self._stopped.wait(1.0)

    def _poll_once(self) -> bool:
        """Deliver the next batch; whether there was one."""
        items = self._items()
        self._position = min(self._position, len(items))
        pending = items[self._position : self._position + self._mapping.batch_size]
        if not pending:
            return False
        records = [self._record(item.record) for item in pending]
        chosen = [record for record in records if self._matches(record)]
        if not chosen:
            self._position += len(pending)
            return True
        result = self._runtime.invoke(
            self._mapping.function_arn,
            json.dumps({"Records": chosen}).encode(),
            region=self._mapping.region,
        )
        retry_from = None if not result.failed else chosen[0]
        if retry_from is None:
            retry_from = self._first_failed(chosen, result.payload)
        if retry_from is None:
            self._advance(len(pending))
            return True
        self._attempts += 1
        limit = self._mapping.maximum_retry_attempts
        if 0 <= limit < self._attempts:
            logger.error(
                "giving up on %d records of %s after %d retries",
                len(pending),
                self._mapping.stream_arn,
                limit,
            )
            self._advance(len(pending))
            return True
        # Retry from the failed record: the records before it were processed.
        done = records.index(retry_from)
        self._position += done
        self._stopped.wait(RETRY_BACKOFF_SECONDS)
        return True

    @property
    def stream_arn(self) -> str:
        return self._mapping.stream_arn

    def _advance(self, count: int) -> None:
        self._position += count
        self._attempts = 0
        if self._position >= TRIM_AFTER_RECORDS and self._consumers(self.stream_arn) == 1:
            # moto keeps every stream record (old and new item images) for the process's life;
            # a long session (the e2e suite) ran the devstack out of memory. Records this sole
            # consumer has delivered are dropped (in place: moto keeps appending to the list).
            del self._items()[: self._position]
            self._position = 0

    def _matches(self, record: dict[str, Any]) -> bool:
        return not self._patterns or any(p.matches_event(record) for p in self._patterns)  # type: ignore[arg-type]

    def _first_failed(self, records: list[dict[str, Any]], payload: bytes) -> dict[str, Any] | None:
        if not self._mapping.report_batch_item_failures:
            return None
        try:
            response = json.loads(payload or b"null")
        except ValueError:
            return None
        if not isinstance(response, dict):
            return None
        failures = response.get("batchItemFailures") or []
        failed = {failure.get("itemIdentifier") for failure in failures}
        if not failed:
            return None
        by_sequence = {record["dynamodb"]["SequenceNumber"]: record for record in records}
        if not failed <= set(by_sequence):
            return records[0]  # an invalid report fails the whole batch, as Lambda does
        return min((by_sequence[s] for s in failed), key=records.index)

    def _record(self, record: dict[str, Any]) -> dict[str, Any]:
        delivered: dict[str, Any] = json.loads(json.dumps(record, default=_json_default))
        delivered["awsRegion"] = self._mapping.region
        delivered["eventSourceARN"] = self._mapping.stream_arn
        return delivered


def _json_default(value: Any) -> Any:
    # ApproximateCreationDateTime: Lambda hands it over as epoch seconds.
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return int(moment.timestamp())
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
