"""An EC2 blue/green deployment in the state table: the ``BlueGreenStore`` of
``blue_green_rollout`` and the waits ContinueDeployment ends.

The deployment item (``rollout_items.py``) also holds ``blue_green``: ``steps`` (the
``BlueGreenStep`` names), ``step_index`` (the step under way, -1 before the first), ``pass`` (the
current pass's step name: part of every command id), ``wait`` (``Ready``/``Termination`` while a
wait is under way), ``blue`` and ``green`` (instance ids), ``ready_wait_seconds``,
``ready_wait_minutes``, ``termination_wait_seconds``, ``copy_source``/``delete_copy``,
``target_instances`` and ``configuration`` (written and read back by ``blue_green_items``);
``termination_wait_started`` (``instanceTerminationWaitTimeStarted``); ``ended`` (true once
``end`` recorded how the deployment ends: StopDeployment is refused from then on); and
``overview_carried`` (instance status → count of the instances outside the current pass). Target
items also hold ``instance_label`` and ``pass_index`` (the step that last reset them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.blue_green_items import read_target_instances
from functions.adapters.deployment_records import deployment_key
from functions.adapters.dynamodb_errors import CONDITION_FAILED, error_code, update_if
from functions.adapters.rollout_items import (
    COUNTER_NAMES,
    outcome_document,
    position_key,
    read_outcome,
    target_item,
    target_key,
)
from rollwright.blue_green import BlueGreenFleets, InstanceLabel, label_events
from rollwright.blue_green_plan import BlueGreenStep
from rollwright.blue_green_rollout import BlueGreenState, RolloutPass
from rollwright.blue_green_waits import BlueGreenWait
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_plan import PlannedTarget
from rollwright.deployment_status import DeploymentStatus
from rollwright.rollout import InstanceHealth, InstanceStatus, RevisionHealth
from rollwright.rollout_counters import (
    STOPPED_MANUALLY,
    RolloutCounters,
    RolloutOutcome,
    stopped_on_alarm,
)
from rollwright.target_selection import TargetKind


class BlueGreenRecords:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- reading ------------------------------------------------------------------------------

    def blue_green(self, deployment_id: str) -> BlueGreenState | None:
        item = self._table.get_item(Key=deployment_key(deployment_id), ConsistentRead=True).get(
            "Item"
        )
        if item is None or "blue_green" not in item:
            return None
        blue_green = item["blue_green"]
        rule = item["minimum_healthy_hosts"]
        return BlueGreenState(
            deployment_id=deployment_id,
            steps=tuple(BlueGreenStep(name) for name in blue_green["steps"]),
            step_index=int(blue_green["step_index"]),
            fleets=BlueGreenFleets(
                blue=tuple(blue_green.get("blue", ())), green=tuple(blue_green.get("green", ()))
            ),
            rule=MinimumHealthyHosts(MinimumHealthyHostsType(rule["type"]), int(rule["value"])),
            statuses=self.statuses(deployment_id),
            status=DeploymentStatus(item["status"]),
            outcome=read_outcome(item.get("outcome")),
            ready_wait_seconds=int(blue_green.get("ready_wait_seconds", 0)),
            termination_wait_seconds=int(blue_green.get("termination_wait_seconds", 0)),
            ready_wait_minutes=int(blue_green.get("ready_wait_minutes", 0)),
            application_name=str(item["application_name"]),
            deployment_group_name=str(item["deployment_group_name"]),
            copy_source=blue_green.get("copy_source"),
            target_instances=read_target_instances(blue_green.get("target_instances")),
            delete_copy=blue_green.get("delete_copy"),
            stop=_stop(item.get("stop_requested")),
        )

    def statuses(self, deployment_id: str) -> dict[str, InstanceStatus]:
        found: dict[str, InstanceStatus] = {}
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :target)",
            "ProjectionExpression": "host_id, #s",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":pk": f"DEPLOYMENT#{deployment_id}",
                ":target": "TARGET#",
            },
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**query)
            for item in page.get("Items", []):
                found[str(item["host_id"])] = InstanceStatus(item["status"])
            if "LastEvaluatedKey" not in page:
                return found
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- the steps ----------------------------------------------------------------------------

    def begin_pass(self, deployment_id: str, index: int, rollout: RolloutPass) -> None:
        segments = [[event.value for event in segment] for segment in rollout.segments]
        for position, host_id in enumerate(rollout.hosts):
            self._table.put_item(Item={**position_key(deployment_id, position), "host_id": host_id})
            self._update(
                target_key(deployment_id, host_id),
                "SET #s = :pending, #segments = :segments, segment_index = :zero, "
                "command_id = :none, segment_started = :false, pass_index = :index, "
                "#position = :position REMOVE #traffic",
                "attribute_not_exists(pass_index) OR pass_index < :index",
                {
                    ":pending": InstanceStatus.PENDING.value,
                    ":segments": segments,
                    ":zero": 0,
                    ":none": "",
                    ":false": False,
                    ":index": index,
                    ":position": position,
                },
                names={"#segments": "segments", "#traffic": "traffic", "#position": "position"},
            )
        counters = rollout.counters
        self._update(
            deployment_key(deployment_id),
            f"SET {_counter_assignments()}, claimed = :zero, unhealthy_total = :unhealthy, "
            "blue_green.step_index = :index, blue_green.#pass = :pass, "
            "overview_carried = :carried "
            "REMOVE outcome, task_token, start_outcome, blue_green.#wait",
            "blue_green.step_index < :index",
            {
                **_counter_values(counters, total=len(rollout.hosts)),
                ":zero": 0,
                ":unhealthy": rollout.unhealthy_total,
                ":index": index,
                ":pass": rollout.step.value,
                ":carried": {status.value: n for status, n in rollout.carried.items()},
            },
            names={"#pass": "pass", "#wait": "wait", **_COUNTER_NAMES},
        )

    def provisioning_since(self, deployment_id: str, now: float) -> float:
        answer = self._table.update_item(
            Key=deployment_key(deployment_id),
            UpdateExpression="SET blue_green.provisioning_since_ms = "
            "if_not_exists(blue_green.provisioning_since_ms, :now)",
            ExpressionAttributeValues={":now": round(now * 1000)},
            ReturnValues="ALL_NEW",
        )
        return int(answer["Attributes"]["blue_green"]["provisioning_since_ms"]) / 1000

    def add_green(self, deployment_id: str, index: int, instances: Sequence[str]) -> None:
        for position, instance_id in enumerate(sorted(instances)):
            # Positions are the pass's (``begin_pass``); the first pass rewrites them.
            item = target_item(
                deployment_id,
                PlannedTarget(
                    host_id=instance_id,
                    instance_name=instance_id,
                    kind=TargetKind.EC2,
                    position=position,
                    healthy_at_start=True,
                    instance_health=InstanceHealth.HEALTHY,
                    revision_health=RevisionHealth.UNKNOWN,
                    lifecycle_events=label_events(InstanceLabel.GREEN),
                    segments=(),
                    label=InstanceLabel.GREEN.value,
                ),
            )
            try:
                self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
            except ClientError as error:
                if error_code(error) != CONDITION_FAILED:
                    raise  # (an existing item: written by an earlier try of this step)
        self._update(
            deployment_key(deployment_id),
            "SET blue_green.green = :green, blue_green.step_index = :index",
            "blue_green.step_index < :index",
            {":green": sorted(instances), ":index": index},
        )

    def begin_wait(
        self, deployment_id: str, index: int, wait: BlueGreenWait, ready: Sequence[str]
    ) -> None:
        statuses = self.statuses(deployment_id)
        if wait is BlueGreenWait.READY:
            for host_id in ready:
                self._update(
                    target_key(deployment_id, host_id),
                    "SET #s = :ready",
                    "#s = :succeeded",
                    {
                        ":ready": InstanceStatus.READY.value,
                        ":succeeded": InstanceStatus.SUCCEEDED.value,
                    },
                )
                statuses[host_id] = InstanceStatus.READY
        update = (
            f"SET {_counter_assignments()}, claimed = :zero, blue_green.step_index = :index, "
            "blue_green.#wait = :wait, overview_carried = :carried"
        )
        values: dict[str, Any] = {
            # Nothing runs during a wait: every instance's count is carried.
            **_counter_values(RolloutCounters(0, 0, 0, 0), total=0),
            ":zero": 0,
            ":index": index,
            ":wait": wait.value,
            ":carried": dict(Counter(status.value for status in statuses.values())),
        }
        if wait is BlueGreenWait.READY:
            update += ", #s = :ready_status"
            values[":ready_status"] = DeploymentStatus.READY.value
        else:
            update += ", termination_wait_started = :true"
            values[":true"] = True
        self._update(
            deployment_key(deployment_id),
            update + " REMOVE outcome, task_token",
            "blue_green.step_index < :index",
            values,
            names={"#wait": "wait", **_COUNTER_NAMES},
        )

    def pass_step(self, deployment_id: str, index: int) -> None:
        self._update(
            deployment_key(deployment_id),
            "SET blue_green.step_index = :index",
            "blue_green.step_index < :index",
            {":index": index},
        )

    def end(self, deployment_id: str, outcome: RolloutOutcome) -> None:
        """A pass's success gives way to ``outcome`` (a stop between two passes); a pass's
        failure or a stop's outcome stays."""
        values = {
            ":outcome": outcome_document(outcome),
            ":true": True,
            ":in_progress": DeploymentStatus.IN_PROGRESS.value,
            ":ready": DeploymentStatus.READY.value,
        }
        for assignment, condition in (
            (
                ":outcome",
                " AND (attribute_not_exists(outcome) OR outcome.#s = :succeeded)",
            ),
            ("if_not_exists(outcome, :outcome)", ""),
        ):
            extra = {":succeeded": DeploymentStatus.SUCCEEDED.value} if condition else {}
            if self._update(
                deployment_key(deployment_id),
                f"SET outcome = {assignment}, #s = :in_progress, blue_green.ended = :true "
                "REMOVE task_token, blue_green.#wait",
                "#s IN (:in_progress, :ready)" + condition,
                {**values, **extra},
                names={"#wait": "wait"},
            ):
                return

    # --- the waits ----------------------------------------------------------------------------

    def store_wait_token(self, deployment_id: str, token: str) -> bool:
        """Keep the wait's token; False when the wait already ended (a stop, say)."""
        return self._update(
            deployment_key(deployment_id),
            "SET task_token = :token",
            "attribute_exists(blue_green.#wait) AND attribute_not_exists(outcome)",
            {":token": token},
            names={"#wait": "wait"},
        )

    def waiting(self, deployment_id: str) -> BlueGreenWait:
        item = self._table.get_item(Key=deployment_key(deployment_id), ConsistentRead=True).get(
            "Item"
        )
        wait = ((item or {}).get("blue_green") or {}).get("wait")
        return BlueGreenWait(wait) if wait else BlueGreenWait.NONE

    def take_wait_token(self, deployment_id: str, wait: BlueGreenWait) -> str | None:
        """End the wait (the deployment InProgress again) and hand out its token, once."""
        try:
            answer = self._table.update_item(
                Key=deployment_key(deployment_id),
                UpdateExpression="SET #s = :in_progress REMOVE task_token, blue_green.#wait",
                ConditionExpression=(
                    "blue_green.#wait = :wait AND attribute_exists(task_token) "
                    "AND attribute_not_exists(outcome)"
                ),
                ExpressionAttributeNames={"#s": "status", "#wait": "wait"},
                ExpressionAttributeValues={
                    ":wait": wait.value,
                    ":in_progress": DeploymentStatus.IN_PROGRESS.value,
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                return None
            raise
        return str(answer["Attributes"]["task_token"])

    def _update(
        self,
        key: dict[str, str],
        update: str,
        condition: str,
        values: dict[str, Any],
        *,
        names: dict[str, str] | None = None,
    ) -> bool:
        all_names = dict(names or {})
        if "#s" in update or "#s" in condition:
            all_names["#s"] = "status"
        return update_if(self._table, key, update, condition, values, names=all_names)


def _stop(stop_requested: dict[str, Any] | None) -> RolloutOutcome | None:
    """How a recorded stop ends the deployment (``server_rollout`` ends a pass the same way)."""
    if stop_requested is None:
        return None
    alarm = stop_requested.get("alarm")
    return STOPPED_MANUALLY if alarm is None else stopped_on_alarm(str(alarm))


_COUNTERS = ("minimum", "window", "total", *COUNTER_NAMES, "free_slots", "headroom")
# Some are DynamoDB reserved words (WINDOW, TOTAL, MINIMUM): every one goes by a placeholder.
_COUNTER_NAMES = {f"#c_{name}": name for name in _COUNTERS}


def _counter_assignments() -> str:
    return ", ".join(f"#c_{name} = :c_{name}" for name in _COUNTERS)


def _counter_values(counters: RolloutCounters, *, total: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        ":c_minimum": counters.minimum,
        ":c_window": counters.window,
        ":c_total": total,
        ":c_free_slots": counters.free_slots,
        ":c_headroom": counters.headroom,
    }
    values.update({f":c_{name}": getattr(counters, name) for name in COUNTER_NAMES})
    return values
