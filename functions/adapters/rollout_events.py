"""A host's event starts and ends written to its target item, answering the host record.

The report handler's one write per report (or per batch of one command's reports): a conditional
``UpdateItem`` that records each event start or end the first time only and returns the item
whether or not the condition held (``ReturnValues`` / ``ReturnValuesOnConditionCheckFailure``), so
the handler decides on the host without a read of its own. Item layout: ``rollout_items.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import error_code
from functions.adapters.rollout_items import milliseconds, read_host, target_key
from rollwright.host_progress import HostRecord
from rollwright.lifecycle import LifecycleEvent
from rollwright.lifecycle_segments import EventProgress

_CONDITION_FAILED = "ConditionalCheckFailedException"
_DESERIALIZER = TypeDeserializer()


@dataclass(frozen=True)
class _Answer:
    host: HostRecord | None  # None: the host is no target of the deployment
    recorded: bool


@dataclass
class _EventChange:
    start: EventProgress | None = None
    end: EventProgress | None = None


def record_events(
    table: Any,
    deployment_id: str,
    host_id: str,
    progress: Sequence[EventProgress],
    *,
    command_id: str,
    now: float,
) -> HostRecord | None:
    """Record ``progress`` (of command ``command_id``, oldest first) and answer the host after.

    Nothing is recorded for a command the host no longer runs. When the condition fails for
    several (one of them already recorded, say a retried batch), each is written alone so the new
    ones still count; so is a batch that names one event's start or end twice (one update
    expression cannot set a path twice)."""
    changes = _by_event(progress)
    if changes is not None:
        answer = _write(table, target_key(deployment_id, host_id), changes, command_id, now)
        if answer.recorded or len(progress) == 1:
            return answer.host
    host = None
    for one in progress:
        single = {one.event: _EventChange(None, one) if one.diagnostics else _EventChange(one)}
        host = _write(table, target_key(deployment_id, host_id), single, command_id, now).host
        if host is None:
            return None
    return host


def _by_event(progress: Sequence[EventProgress]) -> dict[LifecycleEvent, _EventChange] | None:
    changes: dict[LifecycleEvent, _EventChange] = {}
    for each in progress:
        change = changes.setdefault(each.event, _EventChange())
        if each.diagnostics is None:
            if change.start is not None:
                return None
            change.start = each
        else:
            if change.end is not None:
                return None
            change.end = each
    return changes


def _write(
    table: Any,
    key: dict[str, str],
    changes: dict[LifecycleEvent, _EventChange],
    command_id: str,
    now: float,
) -> _Answer:
    updates = ["last_seen_at_ms = :now", "segment_started = :true"]
    conditions = ["command_id = :command"]
    names = {"#s": "status"}
    values: dict[str, Any] = {":command": command_id, ":true": True, ":now": milliseconds(now)}
    for index, (event, change) in enumerate(changes.items()):
        path = f"lifecycle_events.#e{index}"
        names[f"#e{index}"] = event.value
        if change.start is not None:
            values[f":start{index}"] = milliseconds(change.start.at.timestamp())
            updates.append(f"{path}.start_time_ms = :start{index}")
            conditions.append(f"attribute_not_exists({path}.start_time_ms)")
        if change.end is None:
            assert change.start is not None
            # A start never overwrites an end that overtook it.
            values[f":status{index}"] = change.start.outcome.value
            updates.append(f"{path}.#s = if_not_exists({path}.#s, :status{index})")
            continue
        diagnostics = change.end.diagnostics
        assert diagnostics is not None
        names["#d"] = "diagnostics"
        values[f":end{index}"] = milliseconds(change.end.at.timestamp())
        values[f":status{index}"] = change.end.outcome.value
        values[f":diagnostics{index}"] = {
            "error_code": diagnostics.error_code.value,
            "script_name": diagnostics.script_name,
            "message": diagnostics.message,
            "log_tail": diagnostics.log_tail,
        }
        updates += [
            f"{path}.end_time_ms = :end{index}",
            f"{path}.#s = :status{index}",
            f"{path}.#d = :diagnostics{index}",
        ]
        conditions.append(f"attribute_not_exists({path}.end_time_ms)")
    try:
        answer = table.update_item(
            Key=key,
            UpdateExpression="SET " + ", ".join(updates),
            ConditionExpression=" AND ".join(conditions),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error_code(error) != _CONDITION_FAILED:
            raise
        # The item as stored (absent for a host that is no target), in DynamoDB's own notation:
        # an error's members skip the resource layer's conversion.
        stored = error.response.get("Item")
        if stored is None:
            return _Answer(None, recorded=False)
        item = {name: _DESERIALIZER.deserialize(value) for name, value in stored.items()}
        return _Answer(read_host(item), recorded=False)
    return _Answer(read_host(answer["Attributes"]), recorded=True)
