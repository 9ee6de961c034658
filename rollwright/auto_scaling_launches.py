"""Auto Scaling lifecycle actions: a scale-out instance gets the group's last good revision.

When an Auto Scaling group with a deployment group's launch hook launches an instance, the
instance waits in ``Pending:Wait`` and Auto Scaling emits ``EC2 Instance-launch Lifecycle Action``.
CodeDeploy then deploys the deployment group's **last successful revision** to that one instance
(a deployment with creator ``autoscaling``) and completes the lifecycle action when it ends:
``CONTINUE`` (the instance goes in service) if it succeeded, ``ABANDON`` (Auto Scaling terminates
it) if not (reference §2, UG:integrations-aws-auto-scaling). Decisions taken here:

- A group that never had a successful deployment has nothing to install: the instance is let
  through (``CONTINUE``) with no deployment, as CodeDeploy does.
- A hook that no longer belongs to a deployment group (the group was deleted, or the Auto Scaling
  group left it, and the hook could not be removed) lets the instance through too, rather than
  holding it until the hook times out. A hook that is not Rollwright's (its metadata does not say
  so: AWS CodeDeploy's own hooks have the same names) is left alone.
- The launch deployment runs beside the group's active deployment (it does not take the group's
  single active-deployment slot), so a scale-out during a deployment is not refused.
- A termination action (scale-in, ``terminationHookEnabled``) is held the same way for a
  *termination deployment* (creator ``autoscalingTermination``) of the last successful revision
  to that instance: BeforeBlockTraffic, BlockTraffic and AfterBlockTraffic with a load balancer,
  then ApplicationStop (``lifecycle.TERMINATION_WITH_TRAFFIC``). Its end completes the action
  ``CONTINUE`` whatever the outcome: CodeDeploy never keeps an instance from terminating. With
  nothing to run (no successful deployment, or the hook belongs to no group), ``CONTINUE`` at once.
- ``outdatedInstancesStrategy`` UPDATE (``update_outdated``): when a deployment of the group ends,
  its Auto Scaling instances that do not run the group's last successful revision get it in one
  auto-update deployment (creator ``CodeDeployAutoUpdate``): the instances launched during a
  deployment, and a launch deployment's instance whose revision has been superseded meanwhile.
  The ended deployment's own targets are left out (they were deployed, for good or bad), as are
  instances still held for their launch deployment; a group busy with another deployment is
  looked at again when that one ends.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from rollwright.auto_scaling_hooks import MANAGED_BY
from rollwright.deployment_group_settings import OutdatedInstancesStrategy
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import DeploymentLimitExceededException
from rollwright.revision_locations import RevisionLocation
from rollwright.rollback import AUTO_SCALING_CREATOR, AUTO_SCALING_CREATORS
from rollwright.rollout import InstanceStatus

LAUNCH_DETAIL_TYPE = "EC2 Instance-launch Lifecycle Action"
TERMINATE_DETAIL_TYPE = "EC2 Instance-terminate Lifecycle Action"


class LifecycleTransition(StrEnum):
    LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
    TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"


class LifecycleActionResult(StrEnum):
    CONTINUE = "CONTINUE"
    ABANDON = "ABANDON"


@dataclass(frozen=True)
class LifecycleAction:
    """One instance held by a lifecycle hook, as Auto Scaling's event describes it."""

    auto_scaling_group: str
    hook_name: str
    instance_id: str
    token: str
    transition: LifecycleTransition
    # From the hook's notification metadata; None: not a Rollwright hook.
    deployment_group_id: str | None


def lifecycle_action(detail: Mapping[str, Any]) -> LifecycleAction:
    """The action of an EventBridge ``EC2 Instance-*`` lifecycle event's ``detail``; ValueError
    for a detail that is not one."""
    try:
        metadata = json.loads(detail.get("NotificationMetadata") or "{}")
        ours = isinstance(metadata, dict) and metadata.get("managedBy") == MANAGED_BY
        group_id = metadata.get("deploymentGroupId") if ours else None
        return LifecycleAction(
            auto_scaling_group=str(detail["AutoScalingGroupName"]),
            hook_name=str(detail["LifecycleHookName"]),
            instance_id=str(detail["EC2InstanceId"]),
            token=str(detail["LifecycleActionToken"]),
            transition=LifecycleTransition(detail["LifecycleTransition"]),
            deployment_group_id=group_id if isinstance(group_id, str) else None,
        )
    except (KeyError, ValueError, TypeError) as error:
        raise ValueError(f"not an Auto Scaling lifecycle action: {error}") from error


@dataclass(frozen=True)
class LaunchOutcome:
    """What became of a lifecycle action: the deployment started for it, or the result it was
    completed with at once (and why)."""

    deployment_id: str | None = None
    completed: LifecycleActionResult | None = None
    reason: str = ""


def launch_result(status: DeploymentStatus, host: InstanceStatus | None) -> LifecycleActionResult:
    """How a launch deployment's end completes its instance's lifecycle action."""
    succeeded = status is DeploymentStatus.SUCCEEDED and host is InstanceStatus.SUCCEEDED
    return LifecycleActionResult.CONTINUE if succeeded else LifecycleActionResult.ABANDON


def action_result(
    action: LifecycleAction, status: DeploymentStatus, host: InstanceStatus | None
) -> LifecycleActionResult:
    """How the end of the deployment an action was held for completes it: a terminating
    instance always goes on terminating."""
    if action.transition is LifecycleTransition.TERMINATING:
        return LifecycleActionResult.CONTINUE
    return launch_result(status, host)


class LifecycleActions(Protocol):
    def complete(self, action: LifecycleAction, result: LifecycleActionResult) -> None:
        """CompleteLifecycleAction; an action that is gone already is not an error."""


class HeldActions(Protocol):
    """The lifecycle actions waiting for their launch deployment, keyed by instance id."""

    def hold(self, action: LifecycleAction) -> None: ...

    def release(self, instance_id: str) -> LifecycleAction | None:
        """Remove and answer the instance's held action, if any."""

    def holds(self, instance_id: str) -> bool: ...


class LaunchDeployments(Protocol):
    def last_successful_revision(self, group: DeploymentGroup) -> RevisionLocation | None: ...

    def create_launch_deployment(
        self, group: DeploymentGroup, revision: RevisionLocation, action: LifecycleAction
    ) -> tuple[str, bool]:
        """Create (and start) the launch deployment; its id, and whether it ended at once."""

    def create_termination_deployment(
        self, group: DeploymentGroup, revision: RevisionLocation, action: LifecycleAction
    ) -> tuple[str, bool]:
        """Create (and start) the termination deployment; its id, and whether it ended at
        once."""

    def outdated_instances(self, group: DeploymentGroup, revision: RevisionLocation) -> list[str]:
        """The group's Auto Scaling instances not running ``revision``."""

    def create_auto_update(
        self,
        group: DeploymentGroup,
        revision: RevisionLocation,
        instances: Collection[str],
        *,
        root_deployment_id: str,
    ) -> str:
        """Create (and start) the auto-update deployment; DeploymentLimitExceededException if
        the group is busy."""


class DeploymentGroupsById(Protocol):
    def by_id(self, deployment_group_id: str) -> DeploymentGroup | None: ...


class AutoScalingLaunches:
    def __init__(
        self,
        groups: DeploymentGroupsById,
        deployments: LaunchDeployments,
        actions: LifecycleActions,
        held: HeldActions,
    ) -> None:
        self._groups = groups
        self._deployments = deployments
        self._actions = actions
        self._held = held

    def on_lifecycle_action(self, action: LifecycleAction) -> LaunchOutcome:
        if action.deployment_group_id is None:
            return LaunchOutcome(reason="not a Rollwright hook: left to its owner")
        group = self._owner(action)
        if group is None:
            return self._complete(
                action, LifecycleActionResult.CONTINUE, "the hook belongs to no deployment group"
            )
        revision = self._deployments.last_successful_revision(group)
        if revision is None:
            return self._complete(
                action,
                LifecycleActionResult.CONTINUE,
                f"deployment group {group.name} has no successful deployment",
            )
        # Held first, so the deployment's end always finds it, however fast it ends.
        self._held.hold(action)
        if action.transition is LifecycleTransition.TERMINATING:
            deployment_id, ended = self._deployments.create_termination_deployment(
                group, revision, action
            )
        else:
            deployment_id, ended = self._deployments.create_launch_deployment(
                group, revision, action
            )
        if ended:
            self._held.release(action.instance_id)
            result = action_result(action, DeploymentStatus.FAILED, None)
            self._actions.complete(action, result)
            return LaunchOutcome(deployment_id, result, "ended at creation")
        return LaunchOutcome(deployment_id)

    def after_deployment(
        self, creator: str, status: DeploymentStatus, hosts: Mapping[str, InstanceStatus]
    ) -> list[tuple[str, LifecycleActionResult]]:
        """Complete the lifecycle actions a finished launch or termination deployment held;
        what was done."""
        if creator not in AUTO_SCALING_CREATORS or not status.is_terminal:
            return []
        done = []
        for host_id, host_status in hosts.items():
            action = self._held.release(host_id)
            if action is not None:
                result = action_result(action, status, host_status)
                self._actions.complete(action, result)
                done.append((action.instance_id, result))
        return done

    def update_outdated(
        self,
        *,
        deployment_id: str,
        creator: str,
        deployment_group_id: str,
        hosts: Collection[str],
    ) -> str | None:
        """After a deployment ended: the auto-update deployment started for the group's outdated
        Auto Scaling instances, if one is due (see the module's notes)."""
        group = self._groups.by_id(deployment_group_id)
        settings = None if group is None else group.settings
        if (
            group is None
            or settings is None
            or not settings.auto_scaling_groups
            or settings.outdated_instances_strategy is not OutdatedInstancesStrategy.UPDATE
        ):
            return None
        revision = self._deployments.last_successful_revision(group)
        if revision is None:
            return None
        deployed = set() if creator == AUTO_SCALING_CREATOR else set(hosts)
        outdated = [
            instance
            for instance in self._deployments.outdated_instances(group, revision)
            if instance not in deployed and not self._held.holds(instance)
        ]
        if not outdated:
            return None
        try:
            return self._deployments.create_auto_update(
                group, revision, outdated, root_deployment_id=deployment_id
            )
        except DeploymentLimitExceededException:
            return None  # the group's active deployment looks again when it ends

    def _owner(self, action: LifecycleAction) -> DeploymentGroup | None:
        if action.deployment_group_id is None:
            return None
        group = self._groups.by_id(action.deployment_group_id)
        if group is None:
            return None
        terminating = action.transition is LifecycleTransition.TERMINATING
        owns = any(
            hooks.auto_scaling_group == action.auto_scaling_group
            and (hooks.termination_hook if terminating else hooks.launch_hook) == action.hook_name
            for hooks in group.auto_scaling_hooks
        )
        return group if owns else None

    def _complete(
        self, action: LifecycleAction, result: LifecycleActionResult, reason: str
    ) -> LaunchOutcome:
        self._actions.complete(action, result)
        return LaunchOutcome(completed=result, reason=reason)
