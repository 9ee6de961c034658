"""Item layouts of a Server deployment in the state table, and their reading back.

Deployment item: ``pk = DEPLOYMENT#<deploymentId>``, ``sk = DEPLOYMENT``:

- ``status`` (CodeDeploy ``DeploymentStatus``), ``updated_at`` (epoch s, last transition),
  ``deployment_id``, ``application_name``, ``application_id``, ``deployment_group_name``,
  ``deployment_group_id``, ``creator``, ``description``;
- ``revision``: the agent protocol's revision document (``revisionType`` S3: ``bucket``, ``key``,
  ``bundleType``, ``version``?, ``eTag``?; GitHub: ``repository``, ``commitId``, ``bundleType``);
- ``deployment_config_name``, ``minimum_healthy_hosts`` ``{type, value}``,
  ``file_exists_behavior``, ``ignore_application_stop_failures``;
- ``host_limits`` ``{start_seconds, heartbeat_seconds, sweep_interval_seconds}``;
- ``load_balancers`` ``{elb_names, target_group_names}`` (with traffic control only);
- ``alarm_configuration`` ``{enabled, ignore_poll_alarm_failure, alarm_names}``: the alarms the
  deployment watches (``alarm_watch.watched_alarms``), absent when none;
- ``stop_requested`` ``{at_ms, auto_rollback_enabled, alarm?}`` (set once, by StopDeployment or,
  with the alarm's name, by an alarm);
- the rollout counters (numbers, moved only by ``ADD``): ``minimum``, ``window``, ``total``,
  ``pending_healthy``, ``pending_unhealthy``, ``in_progress``, ``succeeded``, ``failed``,
  ``skipped``, ``free_slots``, ``headroom``, ``claimed`` (positions started), and
  ``unhealthy_total`` (fixed);
- ``start_outcome`` / ``outcome`` ``{status, error_code?, message}``: how the rollout ends before
  it begins / how it ended; ``task_token`` (the workflow's wait) and ``wait_entered_ms`` (when
  the workflow entered that wait, so a late step of an older wait cannot replace its token);
  ``error_information``
  ``{code, message}``; ``create_time_ms``, ``start_time_ms``, ``complete_time_ms``.

Target item: ``pk = DEPLOYMENT#<deploymentId>``, ``sk = TARGET#<host id>``: ``host_id``,
``instance_name``, ``target_kind`` (EC2/OnPremises), ``position``, ``status`` (``InstanceStatus``),
``healthy_at_start``, ``instance_health``, ``revision_health``, ``lifecycle_event_names`` (the
whole sequence), ``segments`` (lists of agent event names), ``segment_index``, ``command_id``,
``segment_started``, ``dispatched_at_ms``, ``last_seen_at_ms``, ``last_heartbeat_at_ms``,
``result_time_ms`` and ``lifecycle_events``: one map per agent event and per traffic event
(BlockTraffic, AllowTraffic; created empty), holding ``status``, ``start_time_ms``,
``end_time_ms`` and ``diagnostics`` ``{error_code, script_name, message, log_tail}`` as the agent
reported them (or the control plane recorded them), each the first of its kind; ``traffic``
``{event, deadline_ms}`` while a traffic step is under way.

Position item: ``pk = DEPLOYMENT#<deploymentId>``, ``sk = POSITION#<000000 position>``:
``host_id``. The deployment order, so a claim of position p finds its host with one read and the
deployment item stays small (every counter update is billed by its size).

Times are epoch milliseconds (integers compare exactly in conditions).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from functions.adapters.deployment_records import deployment_key
from rollwright.agent_protocol import FileExistsBehavior, read_revision, revision_document
from rollwright.deployment_group_settings import AlarmConfiguration
from rollwright.deployment_plan import DeploymentPlan, HostLimits, PlannedTarget
from rollwright.deployment_status import DeploymentStatus
from rollwright.host_progress import DeploymentCommandSettings, HostRecord, TrafficStep
from rollwright.lifecycle import AGENT_EVENTS, LifecycleEvent
from rollwright.rollout import InstanceStatus
from rollwright.rollout_counters import RolloutCounters, RolloutErrorCode, RolloutOutcome
from rollwright.rollout_store import DeploymentRecord
from rollwright.traffic_control import TrafficTargets

COUNTER_NAMES = (
    "pending_healthy",
    "pending_unhealthy",
    "in_progress",
    "succeeded",
    "failed",
    "skipped",
)


def target_key(deployment_id: str, host_id: str) -> dict[str, str]:
    return {"pk": f"DEPLOYMENT#{deployment_id}", "sk": f"TARGET#{host_id}"}


def position_key(deployment_id: str, position: int) -> dict[str, str]:
    return {"pk": f"DEPLOYMENT#{deployment_id}", "sk": f"POSITION#{position:06d}"}


def milliseconds(seconds: float) -> int:
    return round(seconds * 1000)


def deployment_item(plan: DeploymentPlan) -> dict[str, Any]:
    settings, counters = plan.settings, plan.counters
    item: dict[str, Any] = {
        **deployment_key(settings.deployment_id),
        "status": DeploymentStatus.CREATED.value,
        "updated_at": int(plan.create_time),
        "deployment_id": settings.deployment_id,
        "application_name": settings.application_name,
        "application_id": settings.application_id,
        "deployment_group_name": settings.deployment_group_name,
        "deployment_group_id": settings.deployment_group_id,
        "creator": settings.creator,
        "description": settings.description,
        "revision": revision_document(settings.revision),
        "deployment_config_name": settings.deployment_config_name,
        "minimum_healthy_hosts": {
            "type": settings.minimum_healthy_hosts.type.value,
            "value": settings.minimum_healthy_hosts.value,
        },
        "file_exists_behavior": settings.file_exists_behavior.value,
        "ignore_application_stop_failures": settings.ignore_application_stop_failures,
        "host_limits": {
            "start_seconds": settings.limits.start_seconds,
            "heartbeat_seconds": settings.limits.heartbeat_seconds,
            "sweep_interval_seconds": settings.limits.sweep_interval_seconds,
        },
        "minimum": counters.minimum,
        "window": counters.window,
        "total": len(plan.targets),
        **{name: getattr(counters, name) for name in COUNTER_NAMES},
        "free_slots": counters.free_slots,
        "headroom": counters.headroom,
        "claimed": 0,
        "unhealthy_total": plan.unhealthy_total,
        "create_time_ms": milliseconds(plan.create_time),
    }
    if plan.start_outcome is not None:
        item["start_outcome"] = outcome_document(plan.start_outcome)
    if settings.load_balancers is not None:
        item["load_balancers"] = {
            "elb_names": list(settings.load_balancers.elb_names),
            "target_group_names": list(settings.load_balancers.target_group_names),
        }
    return item


def target_item(deployment_id: str, target: PlannedTarget) -> dict[str, Any]:
    recorded = [event.value for event in target.lifecycle_events if event in _RECORDED_EVENTS]
    return {
        **target_key(deployment_id, target.host_id),
        "host_id": target.host_id,
        "instance_name": target.instance_name,
        "target_kind": target.kind.value,
        "position": target.position,
        "status": InstanceStatus.PENDING.value,
        "healthy_at_start": target.healthy_at_start,
        "instance_health": target.instance_health.value,
        "revision_health": target.revision_health.value,
        "lifecycle_event_names": [event.value for event in target.lifecycle_events],
        "segments": [[event.value for event in segment] for segment in target.segments],
        "segment_index": 0,
        "command_id": "",
        "segment_started": False,
        "lifecycle_events": {name: {} for name in recorded},
        **({"instance_label": target.label} if target.label else {}),
    }


_RECORDED_EVENTS = AGENT_EVENTS | {LifecycleEvent.BLOCK_TRAFFIC, LifecycleEvent.ALLOW_TRAFFIC}


def position_item(deployment_id: str, target: PlannedTarget) -> dict[str, Any]:
    return {**position_key(deployment_id, target.position), "host_id": target.host_id}


def outcome_document(outcome: RolloutOutcome) -> dict[str, Any]:
    document: dict[str, Any] = {"status": outcome.status.value, "message": outcome.message}
    if outcome.error_code is not None:
        document["error_code"] = outcome.error_code.value
    return document


def read_outcome(document: dict[str, Any] | None) -> RolloutOutcome | None:
    if not document:
        return None
    code = document.get("error_code")
    return RolloutOutcome(
        DeploymentStatus(document["status"]),
        RolloutErrorCode(code) if code else None,
        str(document.get("message", "")),
    )


def read_counters(item: dict[str, Any]) -> RolloutCounters:
    return RolloutCounters(
        minimum=int(item["minimum"]),
        window=int(item["window"]),
        **{name: int(item[name]) for name in COUNTER_NAMES},
    )


def read_deployment(item: dict[str, Any]) -> DeploymentRecord:
    limits = item["host_limits"]
    return DeploymentRecord(
        commands=DeploymentCommandSettings(
            deployment_id=item["deployment_id"],
            deployment_group_id=item["deployment_group_id"],
            deployment_group_name=item["deployment_group_name"],
            application_name=item["application_name"],
            revision=read_revision(item["revision"]),
            file_exists_behavior=FileExistsBehavior(item["file_exists_behavior"]),
            ignore_application_stop_failures=bool(item["ignore_application_stop_failures"]),
            creator=item["creator"],
            deployment_type=str((item.get("deployment_style") or {}).get("type", "IN_PLACE")),
            rollout_pass=str((item.get("blue_green") or {}).get("pass", "")),
        ),
        limits=HostLimits(
            start_seconds=int(limits["start_seconds"]),
            heartbeat_seconds=int(limits["heartbeat_seconds"]),
            sweep_interval_seconds=int(limits["sweep_interval_seconds"]),
        ),
        status=DeploymentStatus(item["status"]),
        counters=read_counters(item),
        claimed=int(item["claimed"]),
        unhealthy_total=int(item["unhealthy_total"]),
        start_outcome=read_outcome(item.get("start_outcome")),
        outcome=read_outcome(item.get("outcome")),
        task_token=item.get("task_token"),
        load_balancers=_read_load_balancers(item.get("load_balancers")),
        stop_requested="stop_requested" in item,
        stop_alarm=(item.get("stop_requested") or {}).get("alarm"),
        alarms=read_alarm_configuration(item.get("alarm_configuration")),
        create_time=_seconds(item.get("create_time_ms")),
        complete_time=(_seconds(item["complete_time_ms"]) if "complete_time_ms" in item else None),
        start_time=_seconds(item["start_time_ms"]) if "start_time_ms" in item else None,
        blue_green="blue_green" in item,
    )


def read_alarm_configuration(stored: dict[str, Any] | None) -> AlarmConfiguration | None:
    if stored is None:
        return None
    return AlarmConfiguration(
        bool(stored["enabled"]),
        bool(stored["ignore_poll_alarm_failure"]),
        tuple(stored["alarm_names"]),
    )


def _read_load_balancers(document: dict[str, Any] | None) -> TrafficTargets | None:
    if document is None:
        return None
    return TrafficTargets(
        tuple(document.get("elb_names", ())), tuple(document.get("target_group_names", ()))
    )


def read_host(item: dict[str, Any]) -> HostRecord:
    deployment_id = str(item["pk"]).removeprefix("DEPLOYMENT#")
    return HostRecord(
        deployment_id=deployment_id,
        host_id=item["host_id"],
        position=int(item["position"]),
        status=InstanceStatus(item["status"]),
        segments=tuple(
            tuple(LifecycleEvent(name) for name in segment) for segment in item["segments"]
        ),
        segment_index=int(item["segment_index"]),
        command_id=str(item.get("command_id", "")),
        segment_started=bool(item.get("segment_started", False)),
        dispatched_at=_seconds(item.get("dispatched_at_ms")),
        last_seen_at=_seconds(item.get("last_seen_at_ms")),
        traffic=_read_traffic(item.get("traffic")),
    )


def _read_traffic(document: dict[str, Any] | None) -> TrafficStep | None:
    if not document:
        return None
    return TrafficStep(LifecycleEvent(document["event"]), _seconds(document["deadline_ms"]))


def _seconds(value: Decimal | int | None) -> float:
    return 0.0 if value is None else int(value) / 1000
