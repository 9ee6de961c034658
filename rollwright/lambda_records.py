"""A Lambda deployment as stored and read back, and the ports its services need.

A Lambda deployment has exactly one target (the function's alias), so everything about it lives on
the deployment item: the function, the versions, the traffic steps, the target version's current
weight and the three lifecycle events (BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic) with
their hook functions, hook execution ids and the workflow's task token while a hook runs. The
layout is in ``functions/adapters/lambda_deployment_records.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from rollwright.applications import ComputePlatform
from rollwright.lambda_appspec import LambdaAppSpec, TrafficHook
from rollwright.lifecycle import LifecycleEvent
from rollwright.traffic_records import (
    HookEventRecord,
    NewTrafficDeployment,
    TrafficDeploymentRecord,
    TrafficDeploymentStore,
    TrafficOutcome,
)

LAMBDA_EVENTS = (
    LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
    LifecycleEvent.ALLOW_TRAFFIC,
    LifecycleEvent.AFTER_ALLOW_TRAFFIC,
)


# The shapes every traffic deployment shares (``traffic_records``), under their Lambda names.
LambdaEventRecord = HookEventRecord
LambdaOutcome = TrafficOutcome


# What CreateDeployment writes: the AppSpec says all about the target (no more ``target``).
NewLambdaDeployment = NewTrafficDeployment[LambdaAppSpec, TrafficHook, None]


@dataclass(frozen=True, kw_only=True)
class LambdaDeploymentRecord(TrafficDeploymentRecord):
    """A Lambda deployment as read back: the shared fields, and the alias it shifts."""

    function_name: str
    alias: str
    current_version: str
    target_version: str


@dataclass(frozen=True)
class Alias:
    """An alias as Lambda's GetAlias answers it."""

    function_version: str
    additional_weights: Mapping[str, float] = field(default_factory=dict)


class LambdaFunctions(Protocol):
    """What Rollwright needs from the Lambda API (``functions/adapters/lambda_aliases.py``)."""

    def alias(self, function_name: str, alias: str) -> Alias | None:
        """The alias; None when the function or the alias does not exist."""

    def version_exists(self, function_name: str, version: str) -> bool: ...

    def route(
        self, function_name: str, alias: str, *, current: str, target: str, weight: Decimal
    ) -> None:
        """Point the alias at ``current`` with ``weight`` of the traffic on ``target``; weight 1
        points it at ``target`` alone, weight 0 at ``current`` alone."""


class LambdaDeploymentStore(
    TrafficDeploymentStore[NewLambdaDeployment, LambdaDeploymentRecord], Protocol
):
    def compute_platform(self, deployment_id: str) -> ComputePlatform | None:
        """The platform of any deployment; None when there is no such deployment."""


class LambdaWorkflows(Protocol):
    def start_lambda(self, deployment_id: str) -> None:
        """Start the Lambda state machine for the deployment (idempotent per deployment)."""

    def stop_lambda(self, deployment_id: str) -> None:
        """Stop the deployment's execution (it may be in a Wait state); no error if it ended."""
