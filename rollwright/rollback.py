"""Whether a deployment that ended badly is rolled back, and to what.

A CodeDeploy rollback is a *new* deployment (creator ``codeDeployRollback``) of the deployment
group's last known good revision: the revision of its last successful deployment, which the
group's history keeps as its target revision (reference §6). It follows a failed or stopped
deployment when the (group's or the deployment's) ``autoRollbackConfiguration`` is enabled for
that ending; ``StopDeployment(autoRollbackEnabled=…)`` decides for a stop on request. Without an
earlier good revision there is nothing to roll back to, and the answer says so.

The instances that failed go first in the rollback: the rollout orders unhealthy instances first,
and ``first_hosts`` names them for the workflow that grades them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rollwright.deployment_group_history import DeploymentGroupHistory
from rollwright.deployment_group_settings import AutoRollbackConfiguration, AutoRollbackEvent
from rollwright.revision_locations import RevisionLocation

ROLLBACK_CREATOR = "codeDeployRollback"
AUTO_SCALING_CREATOR = "autoscaling"
AUTO_SCALING_TERMINATION_CREATOR = "autoscalingTermination"
# Deployments Auto Scaling's lifecycle hooks start, for one instance each: they run beside the
# group's deployments and are not part of its history.
AUTO_SCALING_CREATORS = frozenset({AUTO_SCALING_CREATOR, AUTO_SCALING_TERMINATION_CREATOR})


class DeploymentEnding(StrEnum):
    """How a deployment ended badly, as far as rollback is concerned."""

    FAILED = "Failed"
    STOPPED_ON_REQUEST = "StoppedOnRequest"
    STOPPED_ON_ALARM = "StoppedOnAlarm"


_TRIGGERING_EVENT = {
    DeploymentEnding.FAILED: AutoRollbackEvent.DEPLOYMENT_FAILURE,
    DeploymentEnding.STOPPED_ON_REQUEST: AutoRollbackEvent.DEPLOYMENT_STOP_ON_REQUEST,
    DeploymentEnding.STOPPED_ON_ALARM: AutoRollbackEvent.DEPLOYMENT_STOP_ON_ALARM,
}


class NoRollbackReason(StrEnum):
    NOT_ENABLED = "NotEnabled"
    EVENT_NOT_CONFIGURED = "EventNotConfigured"
    STOPPED_WITHOUT_ROLLBACK = "StoppedWithoutRollback"
    ROLLBACK_NOT_ROLLED_BACK = "RollbackNotRolledBack"
    NO_EARLIER_GOOD_REVISION = "NoEarlierGoodRevision"
    AUTO_SCALING_LAUNCH = "AutoScalingLaunch"


@dataclass(frozen=True)
class NoRollback:
    reason: NoRollbackReason
    message: str  # for the ended deployment's ``rollbackInfo.rollbackMessage``


@dataclass(frozen=True)
class RollbackDeployment:
    """The deployment to create: the last good revision, linked to the one it rolls back."""

    revision: RevisionLocation
    last_good_deployment_id: str
    rollback_triggering_deployment_id: str
    first_hosts: tuple[str, ...]  # the instances that failed, deployed first
    message: str
    creator: str = ROLLBACK_CREATOR


RollbackDecision = RollbackDeployment | NoRollback


def decide_rollback(
    *,
    deployment_id: str,
    creator: str,
    ending: DeploymentEnding,
    auto_rollback: AutoRollbackConfiguration | None,
    history: DeploymentGroupHistory,
    failed_hosts: Iterable[str] = (),
    stop_rollback: bool | None = None,
) -> RollbackDecision:
    """Decide the rollback of ``deployment_id``, which ended as ``ending``.

    ``auto_rollback`` is the configuration in force for the deployment (its own override, else
    its group's); ``history`` is the group's history before this deployment ended; ``stop_rollback``
    is StopDeployment's ``autoRollbackEnabled``, which decides a stop on request when given.
    """
    if creator == ROLLBACK_CREATOR:
        # Rolling a failed rollback back again could go on forever; CodeDeploy stops there too.
        return NoRollback(
            NoRollbackReason.ROLLBACK_NOT_ROLLED_BACK,
            f"Deployment {deployment_id} is itself a rollback and is not rolled back.",
        )
    if creator in AUTO_SCALING_CREATORS:
        # A launch deployment already installs the last good revision on its one instance, which
        # Auto Scaling then abandons; a termination deployment's instance is terminated anyway:
        # rolling the whole group back would gain nothing.
        return NoRollback(
            NoRollbackReason.AUTO_SCALING_LAUNCH,
            f"Deployment {deployment_id} is an Auto Scaling launch or termination and is not "
            "rolled back.",
        )
    refusal = _refusal(ending, auto_rollback, stop_rollback)
    if refusal is not None:
        return refusal
    last_good = history.last_successful_deployment
    revision = history.target_revision
    if last_good is None or revision is None or last_good.deployment_id == deployment_id:
        return NoRollback(
            NoRollbackReason.NO_EARLIER_GOOD_REVISION,
            "Automatic rollback was not performed: the deployment group has no earlier "
            "successful deployment, so there is no known good revision to roll back to.",
        )
    return RollbackDeployment(
        revision=revision,
        last_good_deployment_id=last_good.deployment_id,
        rollback_triggering_deployment_id=deployment_id,
        first_hosts=tuple(sorted(set(failed_hosts))),
        message=(
            f"Deployment {deployment_id} is rolled back to the revision of deployment "
            f"{last_good.deployment_id}, the last successful one."
        ),
    )


def rollback_refusal(
    ending: DeploymentEnding,
    auto_rollback: AutoRollbackConfiguration | None,
    stop_rollback: bool | None,
) -> NoRollback | None:
    """Why a deployment that ended so is not rolled back (its configuration, StopDeployment's
    ``autoRollbackEnabled``); None when it is to be."""
    return _refusal(ending, auto_rollback, stop_rollback)


def _refusal(
    ending: DeploymentEnding,
    auto_rollback: AutoRollbackConfiguration | None,
    stop_rollback: bool | None,
) -> NoRollback | None:
    if ending is DeploymentEnding.STOPPED_ON_REQUEST and stop_rollback is not None:
        if stop_rollback:
            return None
        return NoRollback(
            NoRollbackReason.STOPPED_WITHOUT_ROLLBACK,
            "The deployment was stopped without a rollback.",
        )
    if auto_rollback is None or not auto_rollback.enabled:
        return NoRollback(
            NoRollbackReason.NOT_ENABLED, "Automatic rollback is not enabled for this deployment."
        )
    event = _TRIGGERING_EVENT[ending]
    if event not in auto_rollback.events:
        return NoRollback(
            NoRollbackReason.EVENT_NOT_CONFIGURED,
            f"Automatic rollback is not configured for {event.value}.",
        )
    return None
