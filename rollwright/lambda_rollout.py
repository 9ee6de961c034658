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
    """The shared store methods are all a Lambda deployment's steps need."""


class LambdaRollout(TrafficRollout[LambdaDeploymentRecord]):
    def __init__(
        self,
        store: LambdaRolloutStore,
        functions: LambdaFunctions,
        **services: Unpack[TrafficRolloutServices],
    ) -> None:
        super().__init__(store, **services)
        self._functions = functions

    # --- steps ------------------------------------------------------------------------------

    def plan(self, deployment_id: str) -> dict[str, Any]:
        """What the state machine needs to know up front: the hook timeout of this deployment."""
        record = self._record(deployment_id)
        self._poll_alarms(record)
        return self._state(record, 0)

    def _state(self, record: LambdaDeploymentRecord, step: int) -> dict[str, Any]:
        return {
            "deploymentId": record.deployment_id,
            "hookTimeoutSeconds": record.hook_timeout_seconds,
            "step": step,
        }

    def _route(self, record: LambdaDeploymentRecord, weight: Decimal) -> None:
        self._functions.route(
            record.function_name,
            record.alias,
            current=record.current_version,
            target=record.target_version,
            weight=weight,
        )

    def _put_back(self, record: LambdaDeploymentRecord) -> None:
        self._route(record, Decimal(0))

    def apply(self, record: LambdaDeploymentRecord, outcome: TrafficOutcome) -> None:
        # A stored weight of 0 means the alias never moved (a step writes its weight first).
        if outcome.status.value != "Succeeded" and record.target_weight > 0:
            self._put_back(record)
