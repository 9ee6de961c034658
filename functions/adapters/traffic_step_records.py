"""Traffic steps on a host's target item: the ``TrafficStepStore`` of ``traffic_steps``.

A step is ``traffic`` ``{event, deadline_ms}`` on the target item while it is under way, and the
event's own entry in ``lifecycle_events`` (``status``, ``start_time_ms``, ``end_time_ms``,
``diagnostics``) as the API reads it back. Layouts: ``rollout_items.py``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import error_code
from functions.adapters.rollout_items import milliseconds, target_key
from rollwright.host_progress import HostRecord
from rollwright.lifecycle import LifecycleErrorCode, LifecycleEvent, LifecycleEventStatus
from rollwright.rollout import InstanceStatus


class TrafficStepRecords:
    def __init__(self, table: Any) -> None:
        self._table = table

    def begin_traffic(
        self, host: HostRecord, event: LifecycleEvent, *, deadline: float, now: float
    ) -> bool:
        return self._update(
            host,
            "SET traffic = :step, lifecycle_events.#event = :started, last_seen_at_ms = :now",
            "#s = :in_progress AND segment_index = :segment AND attribute_not_exists(traffic)"
            " AND attribute_not_exists(lifecycle_events.#event.start_time_ms)",
            {
                ":step": {"event": event.value, "deadline_ms": milliseconds(deadline)},
                ":started": {
                    "status": LifecycleEventStatus.IN_PROGRESS.value,
                    "start_time_ms": milliseconds(now),
                },
                ":now": milliseconds(now),
                ":in_progress": InstanceStatus.IN_PROGRESS.value,
                ":segment": host.segment_index,
            },
            event,
        )

    def end_traffic(
        self,
        host: HostRecord,
        event: LifecycleEvent,
        *,
        succeeded: bool,
        message: str,
        now: float,
    ) -> bool:
        status = LifecycleEventStatus.SUCCEEDED if succeeded else LifecycleEventStatus.FAILED
        code = LifecycleErrorCode.SUCCESS if succeeded else LifecycleErrorCode.UNKNOWN_ERROR
        return self._update(
            host,
            "SET lifecycle_events.#event.#s = :status, lifecycle_events.#event.end_time_ms = :now,"
            " lifecycle_events.#event.#d = :diagnostics, last_seen_at_ms = :now"
            " REMOVE traffic",
            "traffic.#event_name = :event",
            {
                ":status": status.value,
                ":now": milliseconds(now),
                ":event": event.value,
                ":diagnostics": {
                    "error_code": code.value,
                    "script_name": "",
                    "message": message,
                    "log_tail": "",
                },
            },
            event,
            extra_names={"#event_name": "event", "#d": "diagnostics"},
        )

    def _update(
        self,
        host: HostRecord,
        update: str,
        condition: str,
        values: dict[str, Any],
        event: LifecycleEvent,
        *,
        extra_names: dict[str, str] | None = None,
    ) -> bool:
        names = {"#event": event.value, **(extra_names or {})}
        if "#s" in update or "#s" in condition:
            names["#s"] = "status"
        try:
            self._table.update_item(
                Key=target_key(host.deployment_id, host.host_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True
