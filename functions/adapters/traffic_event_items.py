"""The lifecycle events and the end of a traffic deployment item (Lambda, ECS) in the state table:
the store methods the traffic workflows' steps share (``HookEventStore`` of
``rollwright.traffic_rollout``), each one conditional UpdateItem.

The item's layout is in ``traffic_deployment_items.py``, which adds creating and reading it; the
platform attributes are named by the subclass (``TARGET``, ``EVENTS``) and reached through
``#t``/``#ev``; times are epoch ms.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.active_deployments import release_active_deployment
from functions.adapters.deployment_records import deployment_key
from functions.adapters.dynamodb_errors import error_code
from functions.adapters.rollout_items import milliseconds
from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.traffic_records import HookEventRecord, TrafficOutcome

# Ready: an ECS deployment in its ready wait (deploymentReadyOption STOP_DEPLOYMENT).
_ACTIVE = {
    ":created": "Created",
    ":queued": "Queued",
    ":running": "InProgress",
    ":ready": "Ready",
}
NOT_ENDED = "attribute_not_exists(outcome)"


def item_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value) / 1000, UTC)


def outcome_document(outcome: TrafficOutcome) -> dict[str, Any]:
    document: dict[str, Any] = {"status": outcome.status.value, "message": outcome.message}
    if outcome.error_code is not None:
        document["error_code"] = outcome.error_code
    return document


def read_outcome(stored: Mapping[str, Any] | None) -> TrafficOutcome | None:
    if not stored:
        return None
    return TrafficOutcome(
        DeploymentStatus(stored["status"]),
        stored.get("error_code"),
        str(stored.get("message", "")),
    )


def read_events(
    stored_events: Mapping[str, Any], names: tuple[LifecycleEvent, ...]
) -> dict[LifecycleEvent, HookEventRecord]:
    events = {}
    for name in names:
        stored = stored_events.get(name.value, {})
        events[name] = HookEventRecord(
            event=name,
            status=LifecycleEventStatus(stored.get("status", "Pending")),
            start_time=item_time(stored.get("start_time_ms")),
            end_time=item_time(stored.get("end_time_ms")),
            hook_function=stored.get("hook"),
            execution_id=stored.get("execution_id"),
            task_token=stored.get("task_token"),
            message=str(stored.get("message", "")),
        )
    return events


class TrafficEventItems(ABC):
    """The event and end methods of a traffic deployment's store; a subclass names the item's
    platform attributes and its events."""

    PLATFORM: ComputePlatform
    TARGET: str
    EVENTS: str
    EVENT_NAMES: tuple[LifecycleEvent, ...]

    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client
        self._name = table.name

    @property
    def _names(self) -> dict[str, str]:
        return {"#t": self.TARGET, "#ev": self.EVENTS}

    def _get(self, deployment_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(
            Key=deployment_key(deployment_id), ConsistentRead=True
        ).get("Item")
        return item

    def _update(self, deployment_id: str, **request: Any) -> bool:
        try:
            self._table.update_item(Key=deployment_key(deployment_id), **request)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def compute_platform(self, deployment_id: str) -> ComputePlatform | None:
        item = self._table.get_item(
            Key=deployment_key(deployment_id),
            ConsistentRead=True,
            ProjectionExpression="compute_platform, deployment_id",
        ).get("Item")
        if item is None:
            return None
        return ComputePlatform(item.get("compute_platform", ComputePlatform.SERVER.value))

    # --- the rollout ---------------------------------------------------------------------------

    def start_event(
        self, deployment_id: str, event: LifecycleEvent, *, token: str | None, now: float
    ) -> bool:
        values: dict[str, Any] = {":now": milliseconds(now)}
        set_clause = ""
        if token is not None:
            set_clause = ", #ev.#e.task_token = :token"
            values[":token"] = token
        return self._update(
            deployment_id,
            UpdateExpression=(
                "SET #ev.#e.start_time_ms = if_not_exists(#ev.#e.start_time_ms, :now), "
                "#t.last_updated_ms = :now" + set_clause
            ),
            ConditionExpression=NOT_ENDED,
            ExpressionAttributeNames={**self._names, "#e": event.value},
            ExpressionAttributeValues=values,
        ) and self._begin_event(deployment_id, event, now)

    def _begin_event(self, deployment_id: str, event: LifecycleEvent, now: float) -> bool:
        """Pending → InProgress (and the target InProgress); an event past Pending stays."""
        self._update(
            deployment_id,
            UpdateExpression=(
                "SET #ev.#e.#s = :running, #t.target_status = :running, "
                "pending_healthy = :zero, in_progress = :one, "
                "start_time_ms = if_not_exists(start_time_ms, :now)"
            ),
            ConditionExpression=f"#ev.#e.#s = :pending AND {NOT_ENDED}",
            ExpressionAttributeNames={**self._names, "#e": event.value, "#s": "status"},
            ExpressionAttributeValues={
                ":running": "InProgress",
                ":pending": "Pending",
                ":zero": 0,
                ":one": 1,
                ":now": milliseconds(now),
            },
        )
        return True

    def mark_invoked(self, deployment_id: str, event: LifecycleEvent) -> bool:
        return self._update(
            deployment_id,
            UpdateExpression="SET #ev.#e.invoked = :yes",
            ConditionExpression="attribute_not_exists(#ev.#e.invoked)",
            ExpressionAttributeNames={"#ev": self.EVENTS, "#e": event.value},
            ExpressionAttributeValues={":yes": True},
        )

    def answer_event(
        self,
        deployment_id: str,
        event: LifecycleEvent,
        status: LifecycleEventStatus,
        *,
        message: str,
        now: float,
    ) -> bool:
        return self._update(
            deployment_id,
            UpdateExpression=(
                "SET #ev.#e.#s = :status, #ev.#e.end_time_ms = :now, #ev.#e.message = :message, "
                "#t.last_updated_ms = :now, "
                "#ev.#e.start_time_ms = if_not_exists(#ev.#e.start_time_ms, :now)"
            ),
            ConditionExpression="#ev.#e.#s IN (:running, :pending)",
            ExpressionAttributeNames={**self._names, "#e": event.value, "#s": "status"},
            ExpressionAttributeValues={
                ":status": status.value,
                ":now": milliseconds(now),
                ":message": message,
                ":running": "InProgress",
                ":pending": "Pending",
            },
        )

    def decide(self, deployment_id: str, outcome: TrafficOutcome, *, now: float) -> bool:
        stop = ""
        values: dict[str, Any] = {":outcome": outcome_document(outcome), **_ACTIVE}
        if outcome.error_code == "MANUAL_STOP":
            stop = ", stop_requested = :stop"
            values[":stop"] = {"at_ms": milliseconds(now), "auto_rollback_enabled": False}
        return self._update(
            deployment_id,
            UpdateExpression="SET outcome = :outcome" + stop,
            ConditionExpression=(
                f"attribute_exists(#t) AND {NOT_ENDED} AND #s IN ({', '.join(_ACTIVE)})"
            ),
            ExpressionAttributeNames={"#s": "status", "#t": self.TARGET},
            ExpressionAttributeValues=values,
        )

    def record_weight(self, deployment_id: str, weight: Decimal, *, last: bool, now: float) -> bool:
        """The target's weight (AllowTraffic InProgress; Succeeded on the last step)."""
        end = ", #ev.#e.end_time_ms = :now" if last else ""
        return self._update(
            deployment_id,
            UpdateExpression=(
                "SET #t.target_weight = :weight, #t.last_updated_ms = :now, #ev.#e.#s = :status, "
                "#ev.#e.start_time_ms = if_not_exists(#ev.#e.start_time_ms, :now)" + end
            ),
            ConditionExpression=NOT_ENDED,
            ExpressionAttributeNames={
                **self._names,
                "#e": LifecycleEvent.ALLOW_TRAFFIC.value,
                "#s": "status",
            },
            ExpressionAttributeValues={
                ":weight": weight,
                ":now": milliseconds(now),
                ":status": "Succeeded" if last else "InProgress",
            },
        )

    def close(self, deployment_id: str, outcome: TrafficOutcome, *, now: float) -> bool:
        item = self._get(deployment_id)
        if item is None or DeploymentStatus(item["status"]).is_terminal:
            return False
        succeeded = outcome.status is DeploymentStatus.SUCCEEDED
        names: dict[str, str] = {"#s": "status", "#t": self.TARGET}
        parts = [
            "#s = :final",
            "complete_time_ms = :now",
            "#t.target_status = :target",
            "#t.last_updated_ms = :now",
            "pending_healthy = :zero",
            "in_progress = :zero",
            "succeeded = :won",
            "failed = :lost",
        ]
        values: dict[str, Any] = {
            ":final": outcome.status.value,
            ":now": milliseconds(now),
            ":target": "Succeeded" if succeeded else "Failed",
            ":zero": 0,
            ":won": 1 if succeeded else 0,
            ":lost": 0 if succeeded else 1,
            ":was": item["status"],
        }
        if not succeeded:
            # Traffic is back on the original: the target's weight reads 0.
            parts.append("#t.target_weight = :nothing")
            values[":nothing"] = Decimal(0)
            parts.append("error_information = :error")
            values[":error"] = {"code": outcome.error_code, "message": outcome.message}
        for index, name in enumerate(self.EVENT_NAMES):
            stored = item[self.EVENTS][name.value]
            changed = {"InProgress": "Failed", "Pending": "Skipped"}.get(stored["status"])
            if changed is not None:
                names["#ev"] = self.EVENTS
                names[f"#e{index}"] = name.value
                parts.append(f"#ev.#e{index}.#s = :e{index}")
                values[f":e{index}"] = changed
                if changed == "Failed":
                    parts.append(f"#ev.#e{index}.end_time_ms = :now")
                    if not stored.get("message"):
                        parts.append(f"#ev.#e{index}.message = :m{index}")
                        values[f":m{index}"] = outcome.message
        if not self._update(
            deployment_id,
            UpdateExpression="SET " + ", ".join(parts),
            ConditionExpression="#s = :was",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        ):
            return False
        release_active_deployment(self._table, str(item["deployment_group_id"]), deployment_id)
        return True
