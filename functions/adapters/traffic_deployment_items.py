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
(the platform attributes named through ``#t``/``#ev``; the events and the end in
``traffic_event_items.py``); times are epoch ms.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from decimal import Decimal
from typing import Any, Generic, TypeVar

from botocore.exceptions import ClientError

from functions.adapters.active_deployments import claim_put, release_active_deployment
from functions.adapters.alarm_watchers import alarm_document, watch_put
from functions.adapters.appspec_locations import location_document, read_location
from functions.adapters.deployment_records import deployment_key
from functions.adapters.deployment_store import IDEMPOTENCY_SECONDS
from functions.adapters.dynamodb_errors import cancellation_reasons, error_code
from functions.adapters.rollout_items import milliseconds, read_alarm_configuration
from functions.adapters.traffic_event_items import (
    TrafficEventItems,
    item_time,
    outcome_document,
    read_events,
    read_outcome,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import DeploymentLimitExceededException
from rollwright.lambda_traffic import TrafficStep
from rollwright.lifecycle import LifecycleEventStatus
from rollwright.rollout import InstanceStatus
from rollwright.traffic_records import NewTrafficDeployment, TrafficDeploymentRecord

NewDeployment = NewTrafficDeployment[Any, Any, Any]
RecordT = TypeVar("RecordT", bound=TrafficDeploymentRecord)


class TrafficDeploymentItems(TrafficEventItems, Generic[RecordT]):
    """The store methods Lambda and ECS deployments share (with the event and end methods of
    ``TrafficEventItems``); a subclass names its attributes and its events, and writes and reads
    its target's own attributes."""

    # --- creating -----------------------------------------------------------------------------

    @abstractmethod
    def _target_attributes(self, deployment: Any) -> dict[str, Any]:
        """The platform's own attributes of ``TARGET``."""

    def create(self, deployment: NewDeployment) -> tuple[str, bool]:
        return self.create_item(deployment, self._base_item(deployment))

    def _platform_item(self, deployment: NewDeployment) -> dict[str, Any]:
        """The item's platform attributes: ``TARGET`` and ``EVENTS`` (events with hooks)."""
        events: dict[str, Any] = {name.value: {"status": "Pending"} for name in self.EVENT_NAMES}
        for hook, function in deployment.appspec.hooks.items():
            events[hook.value].update(
                {"hook": function, "execution_id": deployment.execution_ids[hook]}
            )
        target = {
            **self._target_attributes(deployment),
            "target_weight": Decimal(0),
            "target_status": InstanceStatus.PENDING.value,
            "last_updated_ms": milliseconds(deployment.create_time),
            "steps": [
                {"weight": step.weight, "wait_seconds": step.wait_seconds}
                for step in deployment.steps
            ],
            "hook_timeout_seconds": deployment.hook_timeout_seconds,
            "wait_scale": Decimal(str(deployment.wait_scale)),
        }
        return {self.TARGET: target, self.EVENTS: events}

    def _base_item(self, deployment: NewDeployment) -> dict[str, Any]:
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

    def create_item(self, deployment: NewDeployment, item: dict[str, Any]) -> tuple[str, bool]:
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

    def find(self, deployment_id: str) -> RecordT | None:
        item = self._get(deployment_id)
        if item is None or self.TARGET not in item:
            return None
        return self._record(item[self.TARGET], self._record_fields(item))

    @abstractmethod
    def _record(self, target: dict[str, Any], fields: dict[str, Any]) -> RecordT:
        """The record: the shared ``fields`` and the platform's own, read from ``target``."""

    def _record_fields(self, item: dict[str, Any]) -> dict[str, Any]:
        """The fields every traffic deployment record has (``TrafficDeploymentRecord``)."""
        target = item[self.TARGET]
        created = item_time(item["create_time_ms"])
        assert created is not None
        return {
            "deployment_id": str(item["deployment_id"]),
            "application_name": str(item["application_name"]),
            "deployment_group_name": str(item["deployment_group_name"]),
            "deployment_group_id": str(item["deployment_group_id"]),
            "status": DeploymentStatus(item["status"]),
            "target_weight": Decimal(target["target_weight"]),
            "target_status": InstanceStatus(target["target_status"]),
            "steps": tuple(
                TrafficStep(Decimal(step["weight"]), int(step["wait_seconds"]))
                for step in target["steps"]
            ),
            "hook_timeout_seconds": int(target["hook_timeout_seconds"]),
            "events": read_events(item[self.EVENTS], self.EVENT_NAMES),
            "create_time": created,
            "last_updated": item_time(target["last_updated_ms"]) or created,
            "outcome": read_outcome(item.get("outcome")),
            "complete_time": item_time(item.get("complete_time_ms")),
            "revision": read_location(item["revision"]),
            "alarms": read_alarm_configuration(item.get("alarm_configuration")),
        }
