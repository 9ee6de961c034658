"""In-memory stand-ins for what ``LambdaRollout`` runs on: its store (with the conditions of
``functions/adapters/lambda_deployment_records.py``), the function's alias, hook invocations,
CloudWatch alarm states and the group's bookkeeping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rollwright.alarm_events import AlarmState
from rollwright.alarm_watch import AlarmReadError
from rollwright.deployment_group_history import LastDeployment
from rollwright.deployment_status import DeploymentStatus
from rollwright.lambda_records import (
    LAMBDA_EVENTS,
    Alias,
    LambdaDeploymentRecord,
    LambdaEventRecord,
    LambdaOutcome,
)
from rollwright.lambda_traffic import TrafficStep
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.revision_locations import RevisionLocation
from rollwright.rollout import InstanceStatus
from rollwright.traffic_rollout import HookReturn

_ACTIVE = {DeploymentStatus.CREATED, DeploymentStatus.QUEUED, DeploymentStatus.IN_PROGRESS}


def _at(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC)


def lambda_record(
    deployment_id: str = "d-LAMBDA001",
    *,
    steps: Sequence[TrafficStep] = (TrafficStep(Decimal("0.1"), 60), TrafficStep(Decimal(1), 0)),
    hooks: Mapping[LifecycleEvent, str] | None = None,
    **changes: Any,
) -> LambdaDeploymentRecord:
    """An InProgress deployment of ``fn:live`` from version 1 to 2, nothing started yet."""
    events = {}
    for event in LAMBDA_EVENTS:
        function = (hooks or {}).get(event)
        events[event] = LambdaEventRecord(
            event,
            hook_function=function,
            execution_id=None if function is None else f"exec-{event.value}",
        )
    record = LambdaDeploymentRecord(
        deployment_id=deployment_id,
        application_name="app",
        deployment_group_name="group",
        deployment_group_id="group-id",
        status=DeploymentStatus.IN_PROGRESS,
        function_name="fn",
        alias="live",
        current_version="1",
        target_version="2",
        target_weight=Decimal(0),
        target_status=InstanceStatus.PENDING,
        steps=tuple(steps),
        hook_timeout_seconds=3600,
        events=events,
        create_time=_at(0),
        last_updated=_at(0),
    )
    return replace(record, **changes)


class InMemoryLambdaStore:
    """The ``LambdaRolloutStore``: each method keeps its adapter's condition."""

    def __init__(self, *records: LambdaDeploymentRecord) -> None:
        self.records = {record.deployment_id: record for record in records}
        self.invoked: set[tuple[str, LifecycleEvent]] = set()
        self.released: list[str] = []

    def find(self, deployment_id: str) -> LambdaDeploymentRecord | None:
        return self.records.get(deployment_id)

    def _event(self, deployment_id: str, event: LifecycleEvent, **changes: Any) -> None:
        record = self.records[deployment_id]
        events = dict(record.events)
        events[event] = replace(events[event], **changes)
        self.records[deployment_id] = replace(record, events=events)

    def start_event(
        self, deployment_id: str, event: LifecycleEvent, *, token: str | None, now: float
    ) -> bool:
        record = self.records[deployment_id]
        if record.outcome is not None:
            return False
        stored = record.events[event]
        changes: dict[str, Any] = {"start_time": stored.start_time or _at(now)}
        if token is not None:
            changes["task_token"] = token
        if stored.status is LifecycleEventStatus.PENDING:
            changes["status"] = LifecycleEventStatus.IN_PROGRESS
        self._event(deployment_id, event, **changes)
        return True

    def mark_invoked(self, deployment_id: str, event: LifecycleEvent) -> bool:
        if (deployment_id, event) in self.invoked:
            return False
        self.invoked.add((deployment_id, event))
        return True

    def answer_event(
        self,
        deployment_id: str,
        event: LifecycleEvent,
        status: LifecycleEventStatus,
        *,
        message: str,
        now: float,
    ) -> bool:
        stored = self.records[deployment_id].events[event]
        if stored.status not in (LifecycleEventStatus.IN_PROGRESS, LifecycleEventStatus.PENDING):
            return False
        self._event(deployment_id, event, status=status, message=message, end_time=_at(now))
        return True

    def record_weight(self, deployment_id: str, weight: Decimal, *, last: bool, now: float) -> bool:
        record = self.records[deployment_id]
        if record.outcome is not None:
            return False
        self.records[deployment_id] = replace(record, target_weight=weight)
        status = LifecycleEventStatus.SUCCEEDED if last else LifecycleEventStatus.IN_PROGRESS
        self._event(deployment_id, LifecycleEvent.ALLOW_TRAFFIC, status=status)
        return True

    def decide(self, deployment_id: str, outcome: LambdaOutcome, *, now: float) -> bool:
        record = self.records[deployment_id]
        if record.outcome is not None or record.status not in _ACTIVE:
            return False
        self.records[deployment_id] = replace(record, outcome=outcome)
        return True

    def close(self, deployment_id: str, outcome: LambdaOutcome, *, now: float) -> bool:
        record = self.records[deployment_id]
        if record.status.is_terminal:
            return False
        succeeded = outcome.status is DeploymentStatus.SUCCEEDED
        events = {
            name: replace(
                event,
                status={
                    LifecycleEventStatus.IN_PROGRESS: LifecycleEventStatus.FAILED,
                    LifecycleEventStatus.PENDING: LifecycleEventStatus.SKIPPED,
                }.get(event.status, event.status),
            )
            for name, event in record.events.items()
        }
        self.records[deployment_id] = replace(
            record,
            status=outcome.status,
            events=events,
            complete_time=_at(now),
            target_weight=record.target_weight if succeeded else Decimal(0),
            target_status=InstanceStatus.SUCCEEDED if succeeded else InstanceStatus.FAILED,
        )
        self.released.append(deployment_id)
        return True


@dataclass
class FakeAlias:
    """The function's alias: every ``route`` call, and where it points now."""

    version: str = "1"
    weights: dict[str, float] = field(default_factory=dict)
    routes: list[Decimal] = field(default_factory=list)

    def alias(self, function_name: str, alias: str) -> Alias | None:
        return Alias(self.version, dict(self.weights))

    def version_exists(self, function_name: str, version: str) -> bool:
        return version in ("1", "2")

    def route(
        self, function_name: str, alias: str, *, current: str, target: str, weight: Decimal
    ) -> None:
        self.routes.append(weight)
        if weight >= 1:
            self.version, self.weights = target, {}
        elif weight <= 0:
            self.version, self.weights = current, {}
        else:
            self.version, self.weights = current, {target: float(weight)}


@dataclass
class RecordingHooks:
    """Starts of the hook runner, and hook functions answering ``answer`` (or raising)."""

    answer: Any = field(default_factory=lambda: {"status": "Succeeded"})
    function_error: str | None = None
    started: list[tuple[str, LifecycleEvent]] = field(default_factory=list)
    invoked: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)

    def start_runner(self, deployment_id: str, event: LifecycleEvent) -> None:
        self.started.append((deployment_id, event))

    def invoke_hook(self, function_name: str, payload: Mapping[str, Any]) -> HookReturn:
        self.invoked.append((function_name, payload))
        return HookReturn(self.function_error, self.answer)


@dataclass
class FakeAlarms:
    """CloudWatch's alarm states (an alarm not named does not exist); ``failing``: every read
    fails."""

    current: dict[str, AlarmState] = field(default_factory=dict)
    failing: bool = False
    reads: int = 0

    def states(self, alarm_names: Sequence[str]) -> Mapping[str, AlarmState]:
        self.reads += 1
        if self.failing:
            raise AlarmReadError("throttled")
        return {name: state for name, state in self.current.items() if name in alarm_names}


@dataclass
class RecordingBookkeeping:
    deployments: list[LastDeployment] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)

    def record_deployment(
        self,
        deployment_group_id: str,
        deployment: LastDeployment,
        revision: RevisionLocation | None = None,
    ) -> None:
        self.deployments.append(deployment)

    def record_use(
        self,
        application_name: str,
        location: RevisionLocation,
        deployment_group_name: str,
        at: datetime,
    ) -> None:
        self.uses.append(application_name)


@dataclass
class RecordingAnswers:
    """Step Functions' task-token answers: ``(token, "succeed" | error name, detail)``."""

    answers: list[tuple[str, str, Any]] = field(default_factory=list)

    def succeed(self, token: str, output: Mapping[str, Any]) -> bool:
        self.answers.append((token, "succeed", dict(output)))
        return True

    def fail(self, token: str, error: str, cause: str) -> bool:
        self.answers.append((token, error, cause))
        return True
