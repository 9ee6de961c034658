"""Lambda deployments in the state table: the ``LambdaDeploymentStore`` and
``LambdaRolloutStore`` of ``rollwright.lambda_deployments`` / ``lambda_rollout``.

Deployment item (``pk = DEPLOYMENT#<id>``, ``sk = DEPLOYMENT``), with the attributes every
deployment has (``status``, names and ids, ``creator``, ``description``, ``revision``,
``deployment_config_name``, ``create_time_ms``, ``start_time_ms``, ``complete_time_ms``,
``error_information``, ``outcome``, ``stop_requested``, the overview counters ``pending_healthy``,
``in_progress``, ``succeeded``, ``failed``, ``skipped``; see ``rollout_items.py``), and:

- ``revision``: a location document (``location_document``): ``revisionType`` AppSpecContent or
  String with ``sha256`` and ``content``, or S3 with ``bucket``, ``key``, ``bundleType`` (YAML or
  JSON), ``version``?, ``eTag``?;
- ``lambda_target`` ``{function_name, alias, current_version, target_version, target_weight,
  target_status, last_updated_ms, steps: [{weight, wait_seconds}], hook_timeout_seconds,
  wait_scale}``;
- ``lambda_events`` ``{<event>: {status, start_time_ms?, end_time_ms?, hook?, execution_id?,
  task_token?, invoked?, message?}}`` for BeforeAllowTraffic, AllowTraffic and AfterAllowTraffic.

Created in one transaction with the request, the two listing items and the group's claim
(``deployment_store.py``). Every later change is one conditional UpdateItem; times are epoch ms.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.active_deployments import claim_put, release_active_deployment
from functions.adapters.appspec_locations import location_document, read_location
from functions.adapters.deployment_records import deployment_key
from functions.adapters.deployment_store import IDEMPOTENCY_SECONDS
from functions.adapters.dynamodb_errors import cancellation_reasons, error_code
from functions.adapters.rollout_items import milliseconds
from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import DeploymentLimitExceededException
from rollwright.lambda_records import (
    LAMBDA_EVENTS,
    LambdaDeploymentRecord,
    LambdaEventRecord,
    LambdaOutcome,
    NewLambdaDeployment,
)
from rollwright.lambda_traffic import TrafficStep
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.rollout import InstanceStatus

_ACTIVE = {":created": "Created", ":queued": "Queued", ":running": "InProgress"}
_NOT_ENDED = "attribute_not_exists(outcome)"


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value) / 1000, UTC)


class DynamoLambdaDeployments:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client
        self._name = table.name

    # --- creating -----------------------------------------------------------------------------

    def create(self, deployment: NewLambdaDeployment) -> tuple[str, bool]:
        item = self._item(deployment)
        now = int(time.time())
        position = f"{milliseconds(deployment.create_time):013d}#{deployment.deployment_id}"
        group_id = deployment.deployment_group_id
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._name,
                    "Item": {
                        "pk": f"CREATE_DEPLOYMENT#{deployment.request_key}",
                        "sk": "REQUEST",
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
            writes.append(
                {
                    "Put": {
                        "TableName": self._name,
                        "Item": {
                            **deployment_key(deployment.deployment_id),
                            "sk": f"LISTED#{scope}",
                            "gsi1pk": index,
                            "gsi1sk": position,
                            "deployment_id": deployment.deployment_id,
                        },
                    }
                }
            )
        if deployment.ended is None:
            writes.append(claim_put(self._name, group_id, deployment.deployment_id))
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            reasons = cancellation_reasons(error)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                earlier = self._table.get_item(
                    Key={"pk": f"CREATE_DEPLOYMENT#{deployment.request_key}", "sk": "REQUEST"},
                    ConsistentRead=True,
                ).get("Item")
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

    def _item(self, deployment: NewLambdaDeployment) -> dict[str, Any]:
        spec, choices = deployment.appspec, deployment.choices
        created_ms = milliseconds(deployment.create_time)
        events: dict[str, Any] = {name.value: {"status": "Pending"} for name in LAMBDA_EVENTS}
        for hook, function in spec.hooks.items():
            events[hook.value].update(
                {"hook": function, "execution_id": deployment.execution_ids[hook]}
            )
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
            "compute_platform": ComputePlatform.LAMBDA.value,
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
            "lambda_target": {
                "function_name": spec.function_name,
                "alias": spec.alias,
                "current_version": spec.current_version,
                "target_version": spec.target_version,
                "target_weight": Decimal(0),
                "target_status": InstanceStatus.PENDING.value,
                "last_updated_ms": created_ms,
                "steps": [
                    {"weight": step.weight, "wait_seconds": step.wait_seconds}
                    for step in deployment.steps
                ],
                "hook_timeout_seconds": deployment.hook_timeout_seconds,
                "wait_scale": Decimal(str(deployment.wait_scale)),
            },
            "lambda_events": events,
        }
        if choices.auto_rollback_configuration is not None:
            item["auto_rollback_configuration"] = {
                "enabled": choices.auto_rollback_configuration.enabled,
                "events": [e.value for e in choices.auto_rollback_configuration.events],
            }
        if choices.previous_revision is not None:
            item["previous_revision"] = location_document(choices.previous_revision)
        if deployment.ended is not None:
            ended = deployment.ended
            item.update(
                {
                    "status": ended.status.value,
                    "outcome": _outcome_document(ended),
                    "error_information": {"code": ended.error_code, "message": ended.message},
                    "complete_time_ms": created_ms,
                    "pending_healthy": 0,
                    "skipped": 1,
                }
            )
            item["lambda_target"]["target_status"] = InstanceStatus.SKIPPED.value
            for event in events.values():
                event["status"] = LifecycleEventStatus.SKIPPED.value
        return item

    def abandon(self, deployment_id: str, group_id: str, message: str) -> None:
        now = time.time()
        try:
            self._table.update_item(
                Key=deployment_key(deployment_id),
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
                    ":outcome": {
                        "status": "Failed",
                        "error_code": "INTERNAL_ERROR",
                        "message": message,
                    },
                    ":now": milliseconds(now),
                },
            )
        except ClientError:
            return
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

    def find(self, deployment_id: str) -> LambdaDeploymentRecord | None:
        item = self._get(deployment_id)
        if item is None or "lambda_target" not in item:
            return None
        target, stored_events = item["lambda_target"], item["lambda_events"]
        events = {}
        for name in LAMBDA_EVENTS:
            stored = stored_events.get(name.value, {})
            events[name] = LambdaEventRecord(
                event=name,
                status=LifecycleEventStatus(stored.get("status", "Pending")),
                start_time=_time(stored.get("start_time_ms")),
                end_time=_time(stored.get("end_time_ms")),
                hook_function=stored.get("hook"),
                execution_id=stored.get("execution_id"),
                task_token=stored.get("task_token"),
                message=str(stored.get("message", "")),
            )
        outcome = item.get("outcome")
        created = _time(item["create_time_ms"])
        assert created is not None
        return LambdaDeploymentRecord(
            deployment_id=str(item["deployment_id"]),
            application_name=str(item["application_name"]),
            deployment_group_name=str(item["deployment_group_name"]),
            deployment_group_id=str(item["deployment_group_id"]),
            status=DeploymentStatus(item["status"]),
            function_name=str(target["function_name"]),
            alias=str(target["alias"]),
            current_version=str(target["current_version"]),
            target_version=str(target["target_version"]),
            target_weight=Decimal(target["target_weight"]),
            target_status=InstanceStatus(target["target_status"]),
            steps=tuple(
                TrafficStep(Decimal(step["weight"]), int(step["wait_seconds"]))
                for step in target["steps"]
            ),
            hook_timeout_seconds=int(target["hook_timeout_seconds"]),
            events=events,
            create_time=created,
            last_updated=_time(target["last_updated_ms"]) or created,
            outcome=(
                None
                if not outcome
                else LambdaOutcome(
                    DeploymentStatus(outcome["status"]),
                    outcome.get("error_code"),
                    str(outcome.get("message", "")),
                )
            ),
            complete_time=_time(item.get("complete_time_ms")),
            revision=read_location(item["revision"]),
        )

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
            set_clause = ", lambda_events.#e.task_token = :token"
            values[":token"] = token
        return self._update(
            deployment_id,
            UpdateExpression=(
                "SET lambda_events.#e.start_time_ms = "
                "if_not_exists(lambda_events.#e.start_time_ms, :now), "
                "lambda_target.last_updated_ms = :now" + set_clause
            ),
            ConditionExpression=_NOT_ENDED,
            ExpressionAttributeNames={"#e": event.value},
            ExpressionAttributeValues=values,
        ) and self._begin_event(deployment_id, event, now)

    def _begin_event(self, deployment_id: str, event: LifecycleEvent, now: float) -> bool:
        """Pending → InProgress (and the target InProgress); an event past Pending stays."""
        self._update(
            deployment_id,
            UpdateExpression=(
                "SET lambda_events.#e.#s = :running, lambda_target.target_status = :running, "
                "pending_healthy = :zero, in_progress = :one, "
                "start_time_ms = if_not_exists(start_time_ms, :now)"
            ),
            ConditionExpression=f"lambda_events.#e.#s = :pending AND {_NOT_ENDED}",
            ExpressionAttributeNames={"#e": event.value, "#s": "status"},
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
            UpdateExpression="SET lambda_events.#e.invoked = :yes",
            ConditionExpression="attribute_not_exists(lambda_events.#e.invoked)",
            ExpressionAttributeNames={"#e": event.value},
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
                "SET lambda_events.#e.#s = :status, lambda_events.#e.end_time_ms = :now, "
                "lambda_events.#e.message = :message, lambda_target.last_updated_ms = :now, "
                "lambda_events.#e.start_time_ms = "
                "if_not_exists(lambda_events.#e.start_time_ms, :now)"
            ),
            ConditionExpression="lambda_events.#e.#s IN (:running, :pending)",
            ExpressionAttributeNames={"#e": event.value, "#s": "status"},
            ExpressionAttributeValues={
                ":status": status.value,
                ":now": milliseconds(now),
                ":message": message,
                ":running": "InProgress",
                ":pending": "Pending",
            },
        )

    def record_weight(self, deployment_id: str, weight: Decimal, *, last: bool, now: float) -> bool:
        event = LifecycleEvent.ALLOW_TRAFFIC.value
        status = "Succeeded" if last else "InProgress"
        end = ", lambda_events.#e.end_time_ms = :now" if last else ""
        return self._update(
            deployment_id,
            UpdateExpression=(
                "SET lambda_target.target_weight = :weight, lambda_target.last_updated_ms = :now, "
                "lambda_events.#e.#s = :status, lambda_events.#e.start_time_ms = "
                "if_not_exists(lambda_events.#e.start_time_ms, :now)" + end
            ),
            ConditionExpression=_NOT_ENDED,
            ExpressionAttributeNames={"#e": event, "#s": "status"},
            ExpressionAttributeValues={
                ":weight": weight,
                ":now": milliseconds(now),
                ":status": status,
            },
        )

    def decide(self, deployment_id: str, outcome: LambdaOutcome, *, now: float) -> bool:
        stop = ""
        values: dict[str, Any] = {":outcome": _outcome_document(outcome), **_ACTIVE}
        if outcome.error_code == "MANUAL_STOP":
            stop = ", stop_requested = :stop"
            values[":stop"] = {"at_ms": milliseconds(now), "auto_rollback_enabled": False}
        return self._update(
            deployment_id,
            UpdateExpression="SET outcome = :outcome" + stop,
            ConditionExpression=(
                f"attribute_exists(lambda_target) AND {_NOT_ENDED} AND #s IN ({', '.join(_ACTIVE)})"
            ),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=values,
        )

    def close(self, deployment_id: str, outcome: LambdaOutcome, *, now: float) -> bool:
        item = self._get(deployment_id)
        if item is None or DeploymentStatus(item["status"]).is_terminal:
            return False
        succeeded = outcome.status is DeploymentStatus.SUCCEEDED
        names: dict[str, str] = {"#s": "status"}
        parts = [
            "#s = :final",
            "complete_time_ms = :now",
            "lambda_target.target_status = :target",
            "lambda_target.last_updated_ms = :now",
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
            parts.append("lambda_target.target_weight = :nothing")
            values[":nothing"] = Decimal(0)
            parts.append("error_information = :error")
            values[":error"] = {"code": outcome.error_code, "message": outcome.message}
        for index, name in enumerate(LAMBDA_EVENTS):
            status = item["lambda_events"][name.value]["status"]
            changed = {"InProgress": "Failed", "Pending": "Skipped"}.get(status)
            if changed is not None:
                names[f"#e{index}"] = name.value
                parts.append(f"lambda_events.#e{index}.#s = :e{index}")
                values[f":e{index}"] = changed
                if changed == "Failed":
                    parts.append(f"lambda_events.#e{index}.end_time_ms = :now")
                    if not item["lambda_events"][name.value].get("message"):
                        parts.append(f"lambda_events.#e{index}.message = :m{index}")
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


def _outcome_document(outcome: LambdaOutcome) -> dict[str, Any]:
    document: dict[str, Any] = {"status": outcome.status.value, "message": outcome.message}
    if outcome.error_code is not None:
        document["error_code"] = outcome.error_code
    return document
