"""The Lambda workflow's steps: hooks, traffic steps and the end, each retry-safe.

The state machine (``stacks/workflows.py``) calls them in order: ``plan`` → ``hook``
(BeforeAllowTraffic, waiting on a task token) → ``shift`` per traffic step with Wait states between
them → ``hook`` (AfterAllowTraffic) → ``finish``. Hooks and the end are shared with ECS deployments
(``traffic_rollout``); carrying out an outcome here means the alias back on the original version
unless the deployment succeeded. A traffic step writes its weight before it moves the alias and
looks at the outcome again afterwards, so a stop that lands in between still finds the alias put
back; a deployment whose stored weight is still 0 never moved the alias, and its end leaves it
untouched.

Alarms (``rollwright.alarm_watch``): ``plan`` (before the first hook) and every ``shift`` (before
the first traffic step and after each wait) poll the alarms the deployment watches; one in ALARM,
or one that cannot be read without ``ignorePollAlarmFailure``, ends it Stopped with ALARM_ACTIVE
and traffic back on the original version, as the alarm function's stop does when CloudWatch's
event comes first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol, Unpack

from rollwright.lambda_records import LambdaDeploymentRecord, LambdaFunctions
from rollwright.traffic_records import TrafficOutcome
from rollwright.traffic_rollout import (
    ENDED_ERROR,
    HOOK_FAILED_ERROR,
    DeploymentEndedError,
    HookEventStore,
    HookInvoker,
    HookReturn,
    TaskAnswers,
    TrafficRollout,
    TrafficRolloutServices,
)

__all__ = [
    "ENDED_ERROR",
    "HOOK_FAILED_ERROR",
    "DeploymentEndedError",
    "HookInvoker",
    "HookReturn",
    "LambdaRollout",
    "LambdaRolloutStore",
    "TaskAnswers",
]


class LambdaRolloutStore(HookEventStore[LambdaDeploymentRecord], Protocol):
    def record_weight(self, deployment_id: str, weight: Decimal, *, last: bool, now: float) -> bool:
        """The target version's weight (AllowTraffic InProgress; Succeeded on the last step);
        False once the deployment has an outcome."""


class LambdaRollout(TrafficRollout[LambdaDeploymentRecord]):
    def __init__(
        self,
        store: LambdaRolloutStore,
        functions: LambdaFunctions,
        **services: Unpack[TrafficRolloutServices],
    ) -> None:
        super().__init__(store, **services)
        self._weights = store
        self._functions = functions

    # --- steps ------------------------------------------------------------------------------

    def plan(self, deployment_id: str) -> dict[str, Any]:
        """What the state machine needs to know up front: the hook timeout of this deployment."""
        record = self._record(deployment_id)
        self._poll_alarms(record)
        return {
            "deploymentId": deployment_id,
            "hookTimeoutSeconds": record.hook_timeout_seconds,
            "step": 0,
        }

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
        if not self._weights.record_weight(
            deployment_id, current.weight, last=last, now=self._clock()
        ):
            raise DeploymentEndedError(f"Deployment {deployment_id} has ended.")
        self._route(record, current.weight)
        after = self._record(deployment_id)
        if after.outcome is not None and after.outcome.status.value != "Succeeded":
            self._route(record, Decimal(0))
            raise DeploymentEndedError(f"Deployment {deployment_id} ended during the step.")
        return {
            "deploymentId": deployment_id,
            "hookTimeoutSeconds": record.hook_timeout_seconds,
            "step": step + 1,
            "waitSeconds": current.wait_seconds,
            "done": last,
        }

    def _route(self, record: LambdaDeploymentRecord, weight: Decimal) -> None:
        self._functions.route(
            record.function_name,
            record.alias,
            current=record.current_version,
            target=record.target_version,
            weight=weight,
        )

    def apply(self, record: LambdaDeploymentRecord, outcome: TrafficOutcome) -> None:
        # A stored weight of 0 means the alias never moved (a step writes its weight first).
        if outcome.status.value != "Succeeded" and record.target_weight > 0:
            self._route(record, Decimal(0))
