"""The deployment items of the blue/green traffic platforms (Lambda, ECS) in the state table: what
their stores share.

A traffic deployment item (``pk = DEPLOYMENT#<id>``, ``sk = DEPLOYMENT``) has the attributes every
deployment has (``status``, names and ids, ``creator``, ``description``, ``revision``,
``deployment_config_name``, ``create_time_ms``, ``start_time_ms``, ``complete_time_ms``,
``error_information``, ``outcome``, ``stop_requested``, the overview counters; see
``rollout_items.py``), its alarms (``alarm_configuration``), and two platform attributes named by
the subclass: the target (``TARGET``: ``target_status``, ``last_updated_ms`` and the platform's own)
and the lifecycle events (``EVENTS``: ``{<event>: {status, start_time_ms?, end_time_ms?, hook?,
execution_id?, task_token?, invoked?, message?}}``).

Created in one transaction with the request, the two listing items, the group's claim and a watch
item per alarm it watches (``alarm_watchers.py``). Every later change is one conditional UpdateItem
(the platform attributes named through ``#t``/``#ev``); times are epoch ms.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from botocore.exceptions import ClientError

from functions.adapters.active_deployments import claim_put, release_active_deployment
from functions.adapters.alarm_watchers import alarm_document, watch_put
from functions.adapters.appspec_locations import location_document
from functions.adapters.deployment_records import deployment_key
from functions.adapters.deployment_store import IDEMPOTENCY_SECONDS
from functions.adapters.dynamodb_errors import cancellation_reasons, error_code
from functions.adapters.rollout_items import milliseconds
from rollwright.applications import ComputePlatform
from rollwright.deployment_records import DeploymentChoices
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import DeploymentLimitExceededException
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.traffic_records import HookEventRecord, TrafficOutcome

_ACTIVE = {":created": "Created", ":queued": "Queued", ":running": "InProgress"}
NOT_ENDED = "attribute_not_exists(outcome)"


class NewTrafficDeployment(Protocol):
    @property
    def deployment_id(self) -> str: ...
    @property
    def application_name(self) -> str: ...
    @property
    def application_id(self) -> str: ...
    @property
    def deployment_group_id(self) -> str: ...
    @property
    def deployment_config_name(self) -> str: ...
    @property
    def creator(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def deployment_group_name(self) -> str: ...
    @property
    def request_key(self) -> str: ...
    @property
    def create_time(self) -> float: ...
    @property
    def choices(self) -> DeploymentChoices: ...
    @property
    def ended(self) -> TrafficOutcome | None: ...


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


class TrafficDeploymentItems(ABC):
    """The store methods Lambda and ECS deployments share; a subclass names its attributes and
    its events and writes its own item."""

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

    # --- creating -----------------------------------------------------------------------------

    @abstractmethod
    def _platform_item(self, deployment: Any) -> dict[str, Any]:
        """The item's platform attributes: ``TARGET`` and ``EVENTS`` (events with hooks)."""

    def _base_item(self, deployment: NewTrafficDeployment) -> dict[str, Any]:
        """The attributes every deployment item has, and the end if it ended at creation."""
        choices = deployment.choices
        created_ms = milliseconds(deployment.create_time)
        item: dict[str, Any] = {
            **deployment_key(deployment.deployment_id),
            "status": DeploymentStatus.CREATED.value,
            "updated_at": int(deployment.create_time),
            "deployment_id": deployment.deployment_id,
            "application_name": deployment.application_name,
            "application_id": deployment.application_id,
            "deployment_group_name": deployment.deployment_group_name,
            "deployment_group_id": deployment.deployment_group_id,
            "creator": deployment.creator,
            "description": deployment.description,
            "revision": location_document(choices.revision),
            "deployment_config_name": deployment.deployment_config_name,
            "compute_platform": self.PLATFORM.value,
            "deployment_style": {
                "type": choices.deployment_style.deployment_type.value,
                "option": choices.deployment_style.deployment_option.value,
            },
            "create_time_ms": created_ms,
            "pending_healthy": 1,
            "in_progress": 0,
            "succeeded": 0,
            "failed": 0,
            "skipped": 0,
            **self._platform_item(deployment),
        }
        if choices.auto_rollback_configuration is not None:
            item["auto_rollback_configuration"] = {
                "enabled": choices.auto_rollback_configuration.enabled,
                "events": [e.value for e in choices.auto_rollback_configuration.events],
            }
        if choices.previous_revision is not None:
            item["previous_revision"] = location_document(choices.previous_revision)
        if choices.override_alarm_configuration is not None:
            item["override_alarm_configuration"] = alarm_document(
                choices.override_alarm_configuration
            )
        if choices.alarm_configuration is not None:
            item["alarm_configuration"] = alarm_document(choices.alarm_configuration)
        if deployment.ended is not None:
            ended = deployment.ended
            item.update(
                {
                    "status": ended.status.value,
                    "outcome": outcome_document(ended),
                    "error_information": {"code": ended.error_code, "message": ended.message},
                    "complete_time_ms": created_ms,
                    "pending_healthy": 0,
                    "skipped": 1,
                }
            )
            item[self.TARGET]["target_status"] = "Skipped"
            for event in item[self.EVENTS].values():
                event["status"] = LifecycleEventStatus.SKIPPED.value
        return item

    def create_item(
        self, deployment: NewTrafficDeployment, item: dict[str, Any]
    ) -> tuple[str, bool]:
        now = int(time.time())
        position = f"{milliseconds(deployment.create_time):013d}#{deployment.deployment_id}"
        group_id = deployment.deployment_group_id
        request_key = {"pk": f"CREATE_DEPLOYMENT#{deployment.request_key}", "sk": "REQUEST"}
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._name,
                    "Item": {
                        **request_key,
                        "deployment_id": deployment.deployment_id,
                        "expires_at": now + IDEMPOTENCY_SECONDS,
                    },
                    "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                    "ExpressionAttributeValues": {":now": now},
                }
            },
            {
                "Put": {
                    "TableName": self._name,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        for scope, index in (("GROUP", f"DEPLOYMENTS#{group_id}"), ("ACCOUNT", "DEPLOYMENTS")):
            listed = {
                **deployment_key(deployment.deployment_id),
                "sk": f"LISTED#{scope}",
                "gsi1pk": index,
                "gsi1sk": position,
                "deployment_id": deployment.deployment_id,
            }
            writes.append({"Put": {"TableName": self._name, "Item": listed}})
        if deployment.ended is None:
            writes.append(claim_put(self._name, group_id, deployment.deployment_id))
            alarms = deployment.choices.alarm_configuration
            for alarm in () if alarms is None else alarms.alarm_names:
                writes.append(watch_put(self._name, alarm, deployment.deployment_id, now))
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if cancellation_reasons(error)[:1] == ["ConditionalCheckFailed"]:
                earlier = self._table.get_item(Key=request_key, ConsistentRead=True).get("Item")
                if earlier is not None:
                    return str(earlier["deployment_id"]), False
            if error_code(error) != "TransactionCanceledException":
                raise
            active = self._table.get_item(
                Key={"pk": f"ACTIVE_DEPLOYMENT#{group_id}", "sk": "ACTIVE_DEPLOYMENT"},
                ConsistentRead=True,
            ).get("Item")
            raise DeploymentLimitExceededException(
                f"The deployment group {deployment.deployment_group_name} already has an active "
                f"Deployment {active['deployment_id'] if active else '(ending now)'}."
            ) from None
        return deployment.deployment_id, True

    def abandon(self, deployment_id: str, group_id: str, message: str) -> None:
        outcome = {"status": "Failed", "error_code": "INTERNAL_ERROR", "message": message}
        if self._update(
            deployment_id,
            UpdateExpression=(
                "SET #s = :failed, error_information = :error, complete_time_ms = :now, "
                "outcome = :outcome"
            ),
            ConditionExpression="#s = :created",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":failed": "Failed",
                ":created": "Created",
                ":error": {"code": "INTERNAL_ERROR", "message": message},
                ":outcome": outcome,
                ":now": milliseconds(time.time()),
            },
        ):
            release_active_deployment(self._table, group_id, deployment_id)

    # --- reading ------------------------------------------------------------------------------

    def _get(self, deployment_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(
            Key=deployment_key(deployment_id), ConsistentRead=True
        ).get("Item")
        return item

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

    def _update(self, deployment_id: str, **request: Any) -> bool:
        try:
            self._table.update_item(Key=deployment_key(deployment_id), **request)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

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
