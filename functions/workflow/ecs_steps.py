"""The ECS workflow's actions (``stacks/ecs_workflow.py``) → the steps of ``EcsRollout``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rollwright.ecs_rollout import EcsRollout
from rollwright.lifecycle import LifecycleEvent

EcsStep = Callable[[EcsRollout, dict[str, Any]], dict[str, Any]]

ECS_STEPS: dict[str, EcsStep] = {
    "ecsPlan": lambda rollout, event: rollout.plan(event["deploymentId"]),
    "ecsHook": lambda rollout, event: rollout.hook(
        event["deploymentId"], LifecycleEvent(event["event"]), event["taskToken"]
    ),
    "ecsInstall": lambda rollout, event: rollout.install(event["deploymentId"]),
    "ecsCheckReplacement": lambda rollout, event: rollout.check_replacement(event["deploymentId"]),
    "ecsTestTraffic": lambda rollout, event: rollout.allow_test_traffic(event["deploymentId"]),
    "ecsReadyWait": lambda rollout, event: rollout.wait_until_ready(
        event["deploymentId"], event["taskToken"]
    ),
    "ecsReadyWaitExpired": lambda rollout, event: rollout.ready_wait_expired(event["deploymentId"]),
    "ecsShift": lambda rollout, event: rollout.shift(event["deploymentId"], int(event["step"])),
    "ecsTerminationWait": lambda rollout, event: rollout.wait_for_termination(
        event["deploymentId"], event["taskToken"]
    ),
    "ecsFinish": lambda rollout, event: rollout.finish(event["deploymentId"], event.get("error")),
}
