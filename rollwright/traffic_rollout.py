"""What the Lambda and ECS workflows do alike: run lifecycle hooks and end the deployment.

A hook event stores the workflow's task token and starts the hook runner, which invokes the hook
function once with CodeDeploy's payload; the hook's verdict (PutLifecycleEventHookExecutionStatus,
``answer``, or the function's own ``{"status": ...}``, ``run_hook``) answers the token. The end is
decided once (``decide``: a conditional write of the outcome, first writer wins: the workflow's
``finish`` or a stop from outside, ``end_now``), then carried out by whoever decided it and again,
idempotently, by ``finish``: the platform puts traffic back unless the deployment succeeded
(``apply``), the final status is written, the group released and its history recorded.

The traffic steps are shared too (``shift``): each writes its weight before it moves the traffic
and looks at the outcome again afterwards, so a stop that lands in between still finds traffic put
back. ``LambdaRollout`` and ``EcsRollout`` say what moving traffic and carrying out an outcome
mean for their targets.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic, NotRequired, Protocol, TypedDict, TypeVar

from rollwright.alarm_watch import AlarmReader, alarm_to_stop
from rollwright.deployment_bookkeeping import GroupHistory, RevisionUse
from rollwright.deployment_group_history import LastDeployment
from rollwright.deployment_group_settings import AlarmConfiguration
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import CodeDeployError
from rollwright.lambda_traffic import TrafficFailure, TrafficStep, ending
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.revision_locations import RevisionLocation
from rollwright.traffic_records import HookEventRecord, TrafficOutcome

HOOK_FAILED_ERROR = TrafficFailure.HOOK_FAILED.value
ENDED_ERROR = "DeploymentEnded"


class DeploymentEndedError(Exception):
    """The deployment already has an outcome (stopped, say): the workflow goes to finish."""

    name = ENDED_ERROR


class TrafficRecord(Protocol):
    """What the shared steps read of a Lambda or ECS deployment record."""

    @property
    def deployment_id(self) -> str: ...
    @property
    def application_name(self) -> str: ...
    @property
    def deployment_group_name(self) -> str: ...
    @property
    def deployment_group_id(self) -> str: ...
    @property
    def status(self) -> DeploymentStatus: ...
    @property
    def events(self) -> Mapping[LifecycleEvent, HookEventRecord]: ...
    @property
    def outcome(self) -> TrafficOutcome | None: ...
    @property
    def create_time(self) -> datetime: ...
    @property
    def revision(self) -> RevisionLocation | None: ...
    @property
    def alarms(self) -> AlarmConfiguration | None: ...
    @property
    def steps(self) -> tuple[TrafficStep, ...]: ...

    def event_with_execution(self, execution_id: str) -> HookEventRecord | None: ...


RecordT = TypeVar("RecordT", bound=TrafficRecord)
RecordT_co = TypeVar("RecordT_co", bound=TrafficRecord, covariant=True)


class HookEventStore(Protocol[RecordT_co]):
    def find(self, deployment_id: str) -> RecordT_co | None: ...

    def start_event(
        self, deployment_id: str, event: LifecycleEvent, *, token: str | None, now: float
    ) -> bool:
        """The event InProgress (kept if it was already), its task token stored; False once the
        deployment has an outcome."""

    def mark_invoked(self, deployment_id: str, event: LifecycleEvent) -> bool:
        """True the first time only: a hook function is invoked once per execution."""

    def answer_event(
        self,
        deployment_id: str,
        event: LifecycleEvent,
        status: LifecycleEventStatus,
        *,
        message: str,
        now: float,
    ) -> bool:
        """Succeeded/Failed for an InProgress event; False if it was not InProgress."""

    def decide(self, deployment_id: str, outcome: TrafficOutcome, *, now: float) -> bool:
        """Record the outcome if there is none yet and the deployment is active."""

    def close(self, deployment_id: str, outcome: TrafficOutcome, *, now: float) -> bool:
        """The final status from the outcome (events in progress Failed, pending Skipped), and
        the group's claim released; False if it was closed already."""

    def record_weight(self, deployment_id: str, weight: Decimal, *, last: bool, now: float) -> bool:
        """The replacement's (Lambda: the target version's) weight, AllowTraffic InProgress
        (Succeeded on the last step); False once the deployment has an outcome."""


class TaskAnswers(Protocol):
    def succeed(self, token: str, output: Mapping[str, Any]) -> bool: ...

    def fail(self, token: str, error: str, cause: str) -> bool: ...


@dataclass(frozen=True)
class HookReturn:
    function_error: str | None
    payload: Any


class HookInvoker(Protocol):
    def start_runner(self, deployment_id: str, event: LifecycleEvent) -> None:
        """Invoke the hook runner asynchronously for the event's hook."""

    def invoke_hook(self, function_name: str, payload: Mapping[str, Any]) -> HookReturn:
        """Invoke a hook function and wait for its answer."""


class TrafficRolloutServices(TypedDict):
    """What a platform's rollout passes on to ``TrafficRollout``: the workflow's task tokens,
    the hook functions, the group's and the revision's bookkeeping, the clock, and the alarms
    (None: this caller never polls them)."""

    tasks: TaskAnswers
    hooks: HookInvoker
    groups: GroupHistory
    revisions: RevisionUse
    clock: Callable[[], float]
    alarms: NotRequired[AlarmReader | None]


class TrafficRollout(ABC, Generic[RecordT]):
    def __init__(
        self,
        store: HookEventStore[RecordT],
        *,
        tasks: TaskAnswers,
        hooks: HookInvoker,
        groups: GroupHistory,
        revisions: RevisionUse,
        clock: Callable[[], float],
        alarms: AlarmReader | None = None,
    ) -> None:
        self._alarms = alarms
        self._store = store
        self._tasks = tasks
        self._hooks = hooks
        self._groups = groups
        self._revisions = revisions
        self._clock = clock

    def _record(self, deployment_id: str) -> RecordT:
        record = self._store.find(deployment_id)
        if record is None:
            raise ValueError(f"no traffic deployment {deployment_id}")
        return record

    def _poll_alarms(self, record: RecordT) -> None:
        """End the deployment (DeploymentEndedError) if an alarm it watches stops it now: the
        workflow's own look at the alarms (before the first hook and each traffic step), in case
        the alarm function's event was lost. ``alarms`` None: this caller never polls."""
        if self._alarms is None or record.alarms is None or record.outcome is not None:
            return
        alarm = alarm_to_stop(record.alarms, self._alarms)
        if alarm is not None:
            self.end_now(record.deployment_id, TrafficFailure.ALARM, detail=alarm)
            raise DeploymentEndedError(f"Deployment {record.deployment_id}: alarm {alarm}.")

    @staticmethod
    def _ended(deployment_id: str, when: str = "") -> DeploymentEndedError:
        return DeploymentEndedError(f"Deployment {deployment_id} has ended{when}.")

    @abstractmethod
    def _state(self, record: RecordT, step: int) -> dict[str, Any]:
        """What the state machine carries from step to step, at traffic step ``step``."""

    # --- traffic steps ----------------------------------------------------------------------

    def shift(self, deployment_id: str, step: int) -> dict[str, Any]:
        """Apply traffic step ``step``; what comes next (the wait, or done)."""
        record = self._record(deployment_id)
        if step >= len(record.steps):
            raise ValueError(
                f"{deployment_id} has {len(record.steps)} traffic steps, not {step + 1}"
            )
        self._poll_alarms(record)
        current = record.steps[step]
        last = step == len(record.steps) - 1
        if not self._store.record_weight(
            deployment_id, current.weight, last=last, now=self._clock()
        ):
            raise self._ended(deployment_id)
        self._route(record, current.weight)
        after = self._record(deployment_id)
        if after.outcome is not None and after.outcome.status.value != "Succeeded":
            self._put_back(after)
            raise self._ended(deployment_id, " during the step")
        return {**self._state(record, step + 1), "waitSeconds": current.wait_seconds, "done": last}

    @abstractmethod
    def _route(self, record: RecordT, weight: Decimal) -> None:
        """Production traffic with ``weight`` (0 to 1) on the replacement."""

    @abstractmethod
    def _put_back(self, record: RecordT) -> None:
        """All traffic back on the original at once (a failure or a stop); idempotent."""

    # --- hooks ----------------------------------------------------------------------------------

    def hook(self, deployment_id: str, event: LifecycleEvent, token: str) -> dict[str, Any]:
        """Start a hook event: the token is stored and the runner invoked; an event without a
        hook function succeeds at once. A retried step answers the new token from the stored
        result."""
        now = self._clock()
        if not self._store.start_event(deployment_id, event, token=token, now=now):
            raise self._ended(deployment_id)
        stored = self._record(deployment_id).events[event]
        if stored.hook_function is None:
            self._store.answer_event(
                deployment_id, event, LifecycleEventStatus.SUCCEEDED, message="", now=now
            )
            self._tasks.succeed(token, {"event": event.value})
            return {"started": event.value, "hook": None}
        if stored.status is LifecycleEventStatus.SUCCEEDED:
            self._tasks.succeed(token, {"event": event.value})
        elif stored.status is LifecycleEventStatus.FAILED:
            self._tasks.fail(token, HOOK_FAILED_ERROR, stored.message)
        else:
            self._hooks.start_runner(deployment_id, event)
        return {"started": event.value, "hook": stored.hook_function}

    def run_hook(self, deployment_id: str, event: LifecycleEvent, api_url: str) -> dict[str, Any]:
        """The hook runner: invoke the hook function once with CodeDeploy's payload (plus the
        Rollwright API URL); a ``{"status": "Succeeded"|"Failed"}`` answer, or the function
        failing, answers the event unless PutLifecycleEventHookExecutionStatus did first."""
        record = self._record(deployment_id)
        stored = record.events[event]
        if stored.hook_function is None or stored.execution_id is None:
            return {"invoked": False}
        if not self._store.mark_invoked(deployment_id, event):
            return {"invoked": False}  # a retried runner: the hook already ran
        payload = {
            "DeploymentId": deployment_id,
            "LifecycleEventHookExecutionId": stored.execution_id,
            "RollwrightApiUrl": api_url,
        }
        answer = self._hooks.invoke_hook(stored.hook_function, payload)
        if answer.function_error is not None:
            status, message = (
                LifecycleEventStatus.FAILED,
                (f"The hook function {stored.hook_function} failed: {answer.function_error}"),
            )
        else:
            returned = answer.payload.get("status") if isinstance(answer.payload, dict) else None
            if returned not in ("Succeeded", "Failed"):
                return {"invoked": True, "answered": False}
            status = LifecycleEventStatus(returned)
            message = f"The hook function {stored.hook_function} returned {returned}."
        answered = self.answer(record, stored, status, message)
        return {"invoked": True, "answered": answered}

    def answer(
        self,
        record: TrafficRecord,
        event: HookEventRecord,
        status: LifecycleEventStatus,
        message: str,
    ) -> bool:
        """A hook's verdict: the event ends and the workflow's wait is answered. False when the
        event had already ended."""
        now = self._clock()
        if not self._store.answer_event(
            record.deployment_id, event.event, status, message=message, now=now
        ):
            return False
        token = self._record(record.deployment_id).events[event.event].task_token
        if token is not None:
            if status is LifecycleEventStatus.SUCCEEDED:
                self._tasks.succeed(token, {"event": event.event.value})
            else:
                self._tasks.fail(token, HOOK_FAILED_ERROR, message or f"{event.event} failed")
        return True

    # --- the end ------------------------------------------------------------------------------

    def finish(self, deployment_id: str, error: Mapping[str, Any] | None) -> dict[str, Any]:
        """Decide the outcome from the workflow's error (unless a stop decided it first), then
        carry it out."""
        record = self._record(deployment_id)
        failure = TrafficFailure.of(str((error or {}).get("Error") or "")) if error else None
        if failure is not None and str((error or {}).get("Error")) == ENDED_ERROR:
            failure = TrafficFailure.OTHER
        running = next(
            (e for e in record.events.values() if e.status is LifecycleEventStatus.IN_PROGRESS),
            None,
        )
        detail = str((error or {}).get("Cause") or "")
        decided = ending(failure, event=running.event.value if running else None, detail=detail)
        self._store.decide(
            deployment_id,
            TrafficOutcome(decided.status, decided.error_code, decided.message),
            now=self._clock(),
        )
        return self.carry_out(deployment_id)

    def end_now(self, deployment_id: str, failure: TrafficFailure, *, detail: str = "") -> bool:
        """End an active deployment from outside the workflow (StopDeployment, an alarm): False
        when it had an outcome already."""
        decided = ending(failure, event=None, detail=detail)
        if not self._store.decide(
            deployment_id,
            TrafficOutcome(decided.status, decided.error_code, decided.message),
            now=self._clock(),
        ):
            return False
        self.carry_out(deployment_id)
        return True

    def carry_out(self, deployment_id: str) -> dict[str, Any]:
        """The stored outcome, applied: idempotent, so both a stop and the workflow may run it."""
        record = self._record(deployment_id)
        outcome = record.outcome
        if outcome is None:
            raise ValueError(f"{deployment_id} has no outcome to carry out")
        self.apply(record, outcome)
        now = self._clock()
        if self._store.close(deployment_id, outcome, now=now):
            self._bookkeeping(record, outcome, now)
        answer: dict[str, Any] = {"deploymentId": deployment_id, "status": outcome.status.value}
        if outcome.error_code is not None:
            answer["errorCode"] = outcome.error_code
            answer["message"] = outcome.message
        return answer

    @abstractmethod
    def apply(self, record: RecordT, outcome: TrafficOutcome) -> None:
        """What the outcome means for the targets (traffic back unless it succeeded);
        idempotent."""

    def _bookkeeping(self, record: RecordT, outcome: TrafficOutcome, now: float) -> None:
        last = LastDeployment(
            record.deployment_id,
            outcome.status,
            record.create_time,
            datetime.fromtimestamp(now, UTC),
        )
        if record.revision is None:
            return
        try:
            self._groups.record_deployment(record.deployment_group_id, last, record.revision)
            self._revisions.record_use(
                record.application_name,
                record.revision,
                record.deployment_group_name,
                record.create_time,
            )
        except CodeDeployError:
            pass  # the group or application was deleted meanwhile: not the deployment's error
