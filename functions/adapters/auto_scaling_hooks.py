"""Auto Scaling lifecycle hooks and lifecycle actions (``rollwright.auto_scaling_hooks``).

``PutLifecycleHook`` / ``DeleteLifecycleHook`` for the hooks a deployment group installs (the
group's id rides in the hook's ``NotificationMetadata``, so a lifecycle event names its group
without a lookup), and ``CompleteLifecycleAction`` for the instances they hold in
``Pending:Wait`` / ``Terminating:Wait`` (and ``RecordLifecycleActionHeartbeat`` while they
wait).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from rollwright.auto_scaling_hooks import InstalledHooks, hook_metadata
from rollwright.auto_scaling_launches import LifecycleAction, LifecycleActionResult
from rollwright.errors import InvalidAutoScalingGroupException

logger = Logger(child=True)

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
# The hook waits an hour between heartbeats (the agent's one-hour event limit); the workflow
# records one every 5 minutes while the instance's deployment runs
# (``rollwright.auto_scaling_heartbeats``). An instance nobody answers for is abandoned (launch)
# or let go (termination), as CodeDeploy's hooks default.
HEARTBEAT_TIMEOUT_SECONDS = 3600


class AutoScalingLifecycleHooks:
    def __init__(self, autoscaling: Any) -> None:
        self._autoscaling = autoscaling

    def install(self, hooks: InstalledHooks, *, deployment_group_id: str) -> None:
        group = hooks.auto_scaling_group
        found = self._autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group])
        if not found.get("AutoScalingGroups"):
            raise InvalidAutoScalingGroupException(
                f"The Auto Scaling group {group} does not exist."
            )
        metadata = hook_metadata(deployment_group_id)
        for name, transition, default in (
            (hooks.launch_hook, LAUNCHING, "ABANDON"),
            (hooks.termination_hook, TERMINATING, "CONTINUE"),
        ):
            if not name:
                continue
            try:
                self._autoscaling.put_lifecycle_hook(
                    LifecycleHookName=name,
                    AutoScalingGroupName=group,
                    LifecycleTransition=transition,
                    HeartbeatTimeout=HEARTBEAT_TIMEOUT_SECONDS,
                    DefaultResult=default,
                    NotificationMetadata=metadata,
                )
            except ClientError as error:
                raise InvalidAutoScalingGroupException(
                    f"The lifecycle hook could not be put in Auto Scaling group {group}: "
                    f"{error.response.get('Error', {}).get('Message', error)}"
                ) from error

    def remove(self, hooks: InstalledHooks) -> bool:
        removed = True
        for name in (hooks.launch_hook, hooks.termination_hook):
            if not name:
                continue
            try:
                self._autoscaling.delete_lifecycle_hook(
                    LifecycleHookName=name, AutoScalingGroupName=hooks.auto_scaling_group
                )
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                # The hook (or its whole Auto Scaling group) is gone already: nothing to clean.
                if code in ("ValidationError", "ResourceNotFound"):
                    continue
                logger.warning(
                    "lifecycle hook not removed",
                    extra={"hook": name, "group": hooks.auto_scaling_group, "code": code},
                )
                removed = False
        return removed


class AutoScalingLifecycleActions:
    def __init__(self, autoscaling: Any) -> None:
        self._autoscaling = autoscaling

    def complete(self, action: LifecycleAction, result: LifecycleActionResult) -> None:
        self._call(
            self._autoscaling.complete_lifecycle_action,
            action,
            "lifecycle action not completed",
            LifecycleActionResult=result.value,
        )

    def record_heartbeat(self, action: LifecycleAction) -> None:
        self._call(
            self._autoscaling.record_lifecycle_action_heartbeat,
            action,
            "lifecycle action heartbeat not recorded",
        )

    @staticmethod
    def _call(
        operation: Callable[..., Any], action: LifecycleAction, failure: str, **parameters: Any
    ) -> None:
        """``operation`` on ``action``; an error is logged as ``failure``, not raised: the action
        timed out or was completed already, so the instance has moved on and there is nothing
        left to answer or keep alive."""
        try:
            operation(
                LifecycleHookName=action.hook_name,
                AutoScalingGroupName=action.auto_scaling_group,
                LifecycleActionToken=action.token,
                InstanceId=action.instance_id,
                **parameters,
            )
        except ClientError as error:
            logger.warning(failure, extra={"instance": action.instance_id, "error": str(error)})
