"""What Lambda and ECS deployments (the blue/green traffic deployments) store alike: their
lifecycle events with the hook functions, and how they ended.

Each platform keeps its target (an alias, or a service's task sets) on the deployment item next to
its lifecycle events (``lambda_records``, ``ecs_records``); the hooks, the end and the store's
event methods are shared (``traffic_rollout``, ``functions/adapters/traffic_deployment_items.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus


@dataclass(frozen=True)
class HookEventRecord:
    """One lifecycle event of a traffic deployment's target; hook events carry their hook
    execution (the function, its execution id and the workflow's task token while it runs)."""

    event: LifecycleEvent
    status: LifecycleEventStatus = LifecycleEventStatus.PENDING
    start_time: datetime | None = None
    end_time: datetime | None = None
    hook_function: str | None = None
    execution_id: str | None = None
    task_token: str | None = None
    message: str = ""


@dataclass(frozen=True)
class TrafficOutcome:
    """How the deployment ended (decided once: the first writer wins)."""

    status: DeploymentStatus
    error_code: str | None
    message: str
