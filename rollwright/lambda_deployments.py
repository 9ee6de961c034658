"""CodeDeploy deployments of Lambda deployment groups: creating them, their target, hook verdicts
(PutLifecycleEventHookExecutionStatus) and StopDeployment.

CreateDeployment (``Deployments.create`` delegates here for Lambda groups) reads the AppSpec (inline
``AppSpecContent``/``String``, or an S3 object of bundle type YAML or JSON), checks it, computes
the traffic steps of the configuration and writes the deployment with its group's claim in one
transaction (``LambdaDeploymentStore``). A malformed AppSpec is bad input
(``InvalidRevisionException``, nothing written); a function, alias or version that is not as the
AppSpec says is found as CodeDeploy finds it, when the deployment begins: the deployment is written
Failed (``INVALID_LAMBDA_FUNCTION`` / ``INVALID_LAMBDA_CONFIGURATION``) and starts no workflow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Unpack

from rollwright.applications import ComputePlatform
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_records import StoredDeployment
from rollwright.deployment_requests import deployment_does_not_exist, valid_deployment_id
from rollwright.deployment_status import DeploymentStatus
from rollwright.deployment_stops import StopAnswer
from rollwright.errors import (
    DeploymentTargetDoesNotExistException,
    UnsupportedActionForDeploymentTypeException,
)
from rollwright.lambda_appspec import LambdaAppSpec, TrafficHook, parse_lambda_appspec
from rollwright.lambda_records import (
    LAMBDA_EVENTS,
    LambdaDeploymentRecord,
    LambdaDeploymentStore,
    LambdaFunctions,
    LambdaOutcome,
    LambdaWorkflows,
)
from rollwright.lambda_rollout import LambdaRollout
from rollwright.lifecycle_segments import InstanceLifecycleEvent
from rollwright.rollout import InstanceStatus
from rollwright.traffic_deployments import (
    TrafficDeploymentOptions,
    TrafficDeployments,
    answer_hook,
    hook_status,
    lifecycle_events,
    stop_now,
    stop_on_alarm_now,
)


@dataclass(frozen=True)
class LambdaTarget:
    """The one target of a Lambda deployment: the function's alias."""

    record: LambdaDeploymentRecord
    target_id: str
    target_arn: str


class LambdaDeployments(
    TrafficDeployments[LambdaAppSpec, TrafficHook, None, LambdaDeploymentRecord]
):
    PLATFORM = ComputePlatform.LAMBDA

    def __init__(
        self,
        store: LambdaDeploymentStore,
        *,
        functions: LambdaFunctions,
        workflows: LambdaWorkflows,
        rollout: Callable[[], LambdaRollout],
        **options: Unpack[TrafficDeploymentOptions],
    ) -> None:
        super().__init__(store, **options)
        self._lambda_store = store
        self._functions = functions
        self._workflows = workflows
        self._rollout = rollout

    # --- CreateDeployment (``TrafficDeployments.create``) ---------------------------------------

    def _parse_appspec(self, text: str | bytes) -> LambdaAppSpec:
        return parse_lambda_appspec(text)

    def _target(
        self, appspec: LambdaAppSpec, group: DeploymentGroup
    ) -> tuple[None, LambdaOutcome | None]:
        return None, self._unusable(appspec)

    def _start_workflow(self, deployment_id: str) -> None:
        self._workflows.start_lambda(deployment_id)

    def _unusable(self, appspec: LambdaAppSpec) -> LambdaOutcome | None:
        """Why the deployment cannot begin (CodeDeploy fails it, it does not refuse it)."""
        problem = self._function_problem(appspec)
        return None if problem is None else _failed(*problem)

    def _function_problem(self, appspec: LambdaAppSpec) -> tuple[str, str] | None:
        name, alias_name = appspec.function_name, appspec.alias
        missing = [f for f in (name, *appspec.hooks.values()) if not self._exists(f, "$LATEST")]
        if missing:
            return "INVALID_LAMBDA_FUNCTION", f"The Lambda function {missing[0]} does not exist."
        versions = (appspec.current_version, appspec.target_version)
        absent = [v for v in versions if not self._exists(name, v)]
        alias = self._functions.alias(name, alias_name)
        message = None
        if absent:
            message = f"Version {absent[0]} of the Lambda function {name} does not exist."
        elif alias is None:
            message = f"The Lambda function {name} has no alias {alias_name}."
        elif alias.function_version != appspec.current_version:
            message = (
                f"The alias {alias_name} of {name} points to version {alias.function_version}, "
                f"not to the AppSpec's CurrentVersion {appspec.current_version}."
            )
        elif any(weight > 0 for weight in alias.additional_weights.values()):
            message = (
                f"The alias {alias_name} of {name} already routes traffic to additional "
                "versions; another deployment may be shifting it."
            )
        return None if message is None else ("INVALID_LAMBDA_CONFIGURATION", message)

    def _exists(self, function_name: str, version: str) -> bool:
        return self._functions.version_exists(function_name, version)

    # --- the target ---------------------------------------------------------------------------

    def target(self, record: LambdaDeploymentRecord) -> LambdaTarget:
        target_id = f"{record.function_name}:{record.alias}"
        arn = (
            f"arn:{self._account_region.partition}:lambda:{self._account_region.region}:"
            f"{self._account_region.account_id}:function:{target_id}"
        )
        return LambdaTarget(record, target_id, arn)

    def targets(
        self, deployment: StoredDeployment, statuses: frozenset[InstanceStatus]
    ) -> list[LambdaTarget]:
        target = self.target(self.record(deployment.deployment_id))
        if statuses and target.record.target_status not in statuses:
            return []
        return [target]

    def named_targets(
        self, deployment: StoredDeployment, target_ids: list[str]
    ) -> list[LambdaTarget]:
        target = self.target(self.record(deployment.deployment_id))
        for target_id in target_ids:
            if target_id != target.target_id:
                raise DeploymentTargetDoesNotExistException(
                    f"{target_id} is not a target of deployment {deployment.deployment_id}."
                )
        return [target for _ in dict.fromkeys(target_ids)]

    # --- PutLifecycleEventHookExecutionStatus --------------------------------------------------

    def put_hook_status(self, deployment_id: str, execution_id: str, status: str) -> str:
        hook_status(status)
        record = self._store.find(valid_deployment_id(deployment_id))
        if record is None:
            platform = self._lambda_store.compute_platform(deployment_id)
            if platform is None:
                raise deployment_does_not_exist(deployment_id)
            raise UnsupportedActionForDeploymentTypeException(
                "PutLifecycleEventHookExecutionStatus is for Lambda and ECS deployments; "
                f"{deployment_id} is a {platform} deployment."
            )
        return answer_hook(record, execution_id, status, self._rollout())

    # --- StopDeployment -------------------------------------------------------------------------

    def stop(self, deployment_id: str, *, auto_rollback_enabled: bool) -> StopAnswer:
        """StopDeployment of a Lambda deployment: Stopped, traffic back on the original version
        at once, and its workflow told."""
        return stop_now(
            self._rollout(),
            deployment_id,
            stop_workflow=self._workflows.stop_lambda,
            status_of=lambda stopped: self.record(stopped).status,
            original="version",
        )

    def stop_on_alarm(self, deployment_id: str, alarm: str) -> bool:
        """The alarm function's stop: Stopped with ALARM_ACTIVE, traffic back on the original
        version at once, and the workflow (in a wait or a hook) told; False once it has ended."""
        return stop_on_alarm_now(
            self._rollout(), deployment_id, alarm, stop_workflow=self._workflows.stop_lambda
        )


def lambda_events(record: LambdaDeploymentRecord) -> list[InstanceLifecycleEvent]:
    """The target's lifecycle events as the API shows them (a failed hook with its message)."""
    return lifecycle_events(record, LAMBDA_EVENTS)


def _failed(code: str, message: str) -> LambdaOutcome:
    return LambdaOutcome(DeploymentStatus.FAILED, code, message)
