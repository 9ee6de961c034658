"""Automatic rollback: once a deployment ended badly, the deployment that puts the last good
revision back (reference §6).

The workflow's ``finish`` step calls ``DeploymentRollbacks.after_end`` once the final status and
the group's history are recorded. ``rollback.decide_rollback`` decides from the deployment's
``autoRollbackConfiguration`` (its own, else its group's, as CreateDeployment stored it),
StopDeployment's ``autoRollbackEnabled`` and the group's history; a rollback is then created
like any deployment (``Deployments.create``: targets resolved afresh, the hosts that failed first
by their instance health), of the last good revision with the last good deployment's
``fileExistsBehavior``, and the two are linked through ``rollbackInfo``. The step is retried
by Step Functions: the rollback's request key is derived from the rolled-back deployment, and the
``rollbackInfo`` of the latter is written once, so a retry creates nothing twice.

A Lambda (or ECS) deployment is rolled back by shifting its traffic back to the original version,
which its end always does (``lambda_traffic.ending``): no rollback deployment is created. When its
configuration (or StopDeployment's ``autoRollbackEnabled``) asks for a rollback of that ending,
its ``rollbackInfo.rollbackMessage`` says that the traffic shift back was the rollback
(`docs/decisions.md`). The Lambda workflow's finish calls ``after_end``, and so does
StopDeployment's service after a Lambda deployment is stopped from outside (request or alarm).
"""

from __future__ import annotations

from rollwright.applications import ComputePlatform
from rollwright.deployment_groups import DeploymentGroups
from rollwright.deployment_records import RollbackInfo, StoredDeployment
from rollwright.deployment_requests import CreateDeploymentRequest
from rollwright.deployment_status import DeploymentStatus
from rollwright.deployments import Deployments
from rollwright.errors import CodeDeployError
from rollwright.rollback import (
    DeploymentEnding,
    NoRollback,
    NoRollbackReason,
    decide_rollback,
    rollback_refusal,
)

# errorInformation codes of a stopped deployment (MANUAL_STOP: StopDeployment).
ALARM_STOP_CODE = "ALARM_ACTIVE"

# Blue/green traffic deployments: their rollback is the traffic shifted back (reference §6).
TRAFFIC_PLATFORMS = frozenset({ComputePlatform.LAMBDA, ComputePlatform.ECS})
TRAFFIC_ROLLBACK_MESSAGE = (
    "Rolled back: all traffic is back on the original version (Lambda: the AppSpec's "
    "CurrentVersion; ECS: the original task set). A traffic deployment is rolled back by "
    "shifting its traffic back; no rollback deployment is created."
)

# Reasons that leave a message on the deployment: rollback was asked for but cannot happen.
_TOLD = frozenset({NoRollbackReason.NO_EARLIER_GOOD_REVISION})


def rollback_request_key(deployment_id: str) -> str:
    return f"rollback-of-{deployment_id}"


def ending_of(deployment: StoredDeployment) -> DeploymentEnding | None:
    """How the deployment ended, as far as rollback is concerned; None if it did not end badly."""
    if deployment.status is DeploymentStatus.FAILED:
        return DeploymentEnding.FAILED
    if deployment.status is DeploymentStatus.STOPPED:
        if deployment.error is not None and deployment.error.code == ALARM_STOP_CODE:
            return DeploymentEnding.STOPPED_ON_ALARM
        return DeploymentEnding.STOPPED_ON_REQUEST
    return None


class DeploymentRollbacks:
    def __init__(self, deployments: Deployments, groups: DeploymentGroups) -> None:
        self._deployments = deployments
        self._groups = groups

    def after_end(
        self, deployment_id: str, *, stop_rollback: bool | None = None
    ) -> RollbackInfo | None:
        """Roll the ended deployment back if it must be; its ``rollbackInfo`` afterwards.
        ``stop_rollback``: StopDeployment's ``autoRollbackEnabled`` when the caller is the stop
        itself (else the one the deployment recorded)."""
        deployment = self._deployments.get(deployment_id)
        decided = deployment.rollback_info is not None and (
            deployment.rollback_info.rollback_deployment_id is not None
            or deployment.rollback_info.rollback_message is not None
        )
        if decided or ending_of(deployment) is None:
            return deployment.rollback_info  # a retried finish, or nothing to roll back
        if deployment.choices.compute_platform in TRAFFIC_PLATFORMS:
            info = _traffic_rollback(deployment, stop_rollback)
        else:
            info = self._rollback(deployment)
        if info is None:
            return deployment.rollback_info
        self._deployments.record_rollback(deployment_id, info)
        return self._deployments.get(deployment_id).rollback_info or info

    def _rollback(self, deployment: StoredDeployment) -> RollbackInfo | None:
        """Create the rollback if one is due: what the rolled-back deployment records of it (or
        of why there is none), or None when there is nothing to say."""
        ending = ending_of(deployment)
        assert ending is not None
        try:
            group = self._groups.get(deployment.application_name, deployment.deployment_group_name)
        except CodeDeployError as error:
            return RollbackInfo(rollback_message=f"No rollback: {error.message}")
        decision = decide_rollback(
            deployment_id=deployment.deployment_id,
            creator=deployment.creator,
            ending=ending,
            auto_rollback=deployment.choices.auto_rollback_configuration,
            history=group.history,
            stop_rollback=deployment.stop_rollback,
        )
        if isinstance(decision, NoRollback):
            if (
                decision.reason is NoRollbackReason.NO_EARLIER_GOOD_REVISION
                and deployment.choices.blue_green is not None
            ):
                # An EC2 blue/green rollback moves traffic back to the original instances, whose
                # hooks read the revisions on their own disks: no earlier good revision needed.
                return self._create(
                    deployment,
                    CreateDeploymentRequest(
                        application_name=deployment.application_name,
                        deployment_group_name=deployment.deployment_group_name,
                        revision=deployment.choices.revision,
                        deployment_config_name=deployment.deployment_config_name,
                        ignore_application_stop_failures=deployment.ignore_application_stop_failures,
                        file_exists_behavior=deployment.file_exists_behavior,
                    ),
                    f"Deployment {deployment.deployment_id} is rolled back: traffic goes back to "
                    "its original (blue) instances.",
                )
            told = decision.reason in _TOLD
            return RollbackInfo(rollback_message=decision.message) if told else None
        last_good = self._deployments.get(decision.last_good_deployment_id)
        request = CreateDeploymentRequest(
            application_name=deployment.application_name,
            deployment_group_name=deployment.deployment_group_name,
            revision=decision.revision,
            deployment_config_name=deployment.deployment_config_name,
            ignore_application_stop_failures=deployment.ignore_application_stop_failures,
            file_exists_behavior=last_good.file_exists_behavior,
        )
        return self._create(deployment, request, decision.message)

    def _create(
        self, deployment: StoredDeployment, request: CreateDeploymentRequest, message: str
    ) -> RollbackInfo:
        try:
            rollback_id = self._deployments.create(
                request,
                key=rollback_request_key(deployment.deployment_id),
                rollback_of=deployment.deployment_id,
            )
        except CodeDeployError as error:
            return RollbackInfo(
                rollback_message=(
                    f"The automatic rollback could not be created: {error.name}: {error.message}"
                )
            )
        return RollbackInfo(rollback_deployment_id=rollback_id, rollback_message=message)


def _traffic_rollback(
    deployment: StoredDeployment, stop_rollback: bool | None
) -> RollbackInfo | None:
    """A Lambda deployment's rollback: its traffic already went back when it ended; say so when
    a rollback was asked for."""
    ending = ending_of(deployment)
    assert ending is not None
    refused = rollback_refusal(
        ending,
        deployment.choices.auto_rollback_configuration,
        deployment.stop_rollback if stop_rollback is None else stop_rollback,
    )
    return None if refused is not None else RollbackInfo(rollback_message=TRAFFIC_ROLLBACK_MESSAGE)
