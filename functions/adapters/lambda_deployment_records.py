"""Lambda deployments in the state table: the ``LambdaDeploymentStore`` and
``LambdaRolloutStore`` of ``rollwright.lambda_deployments`` / ``lambda_rollout``.

The deployment item has what every traffic deployment item has (``traffic_deployment_items.py``:
the common attributes, ``alarm_configuration``, the watch items and the group's claim written in
the same transaction) and:

- ``revision``: a location document (``location_document``): ``revisionType`` AppSpecContent or
  String with ``sha256`` and ``content``, or S3 with ``bucket``, ``key``, ``bundleType`` (YAML or
  JSON), ``version``?, ``eTag``?;
- ``lambda_target`` ``{function_name, alias, current_version, target_version, target_weight,
  target_status, last_updated_ms, steps: [{weight, wait_seconds}], hook_timeout_seconds,
  wait_scale}``;
- ``lambda_events`` ``{<event>: {status, start_time_ms?, end_time_ms?, hook?, execution_id?,
  task_token?, invoked?, message?}}`` for BeforeAllowTraffic, AllowTraffic and AfterAllowTraffic.

Every later change is one conditional UpdateItem; times are epoch ms.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from functions.adapters.appspec_locations import read_location
from functions.adapters.rollout_items import milliseconds, read_alarm_configuration
from functions.adapters.traffic_deployment_items import (
    TrafficDeploymentItems,
    item_time,
    read_events,
    read_outcome,
)
from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus
from rollwright.lambda_records import LAMBDA_EVENTS, LambdaDeploymentRecord, NewLambdaDeployment
from rollwright.lambda_traffic import TrafficStep
from rollwright.rollout import InstanceStatus


class DynamoLambdaDeployments(TrafficDeploymentItems):
    PLATFORM = ComputePlatform.LAMBDA
    TARGET = "lambda_target"
    EVENTS = "lambda_events"
    EVENT_NAMES = LAMBDA_EVENTS

    # --- creating -----------------------------------------------------------------------------

    def create(self, deployment: NewLambdaDeployment) -> tuple[str, bool]:
        return self.create_item(deployment, self._base_item(deployment))

    def _platform_item(self, deployment: NewLambdaDeployment) -> dict[str, Any]:
        spec = deployment.appspec
        events: dict[str, Any] = {name.value: {"status": "Pending"} for name in LAMBDA_EVENTS}
        for hook, function in spec.hooks.items():
            events[hook.value].update(
                {"hook": function, "execution_id": deployment.execution_ids[hook]}
            )
        target = {
            "function_name": spec.function_name,
            "alias": spec.alias,
            "current_version": spec.current_version,
            "target_version": spec.target_version,
            "target_weight": Decimal(0),
            "target_status": InstanceStatus.PENDING.value,
            "last_updated_ms": milliseconds(deployment.create_time),
            "steps": [
                {"weight": step.weight, "wait_seconds": step.wait_seconds}
                for step in deployment.steps
            ],
            "hook_timeout_seconds": deployment.hook_timeout_seconds,
            "wait_scale": Decimal(str(deployment.wait_scale)),
        }
        return {self.TARGET: target, self.EVENTS: events}

    # --- reading ------------------------------------------------------------------------------

    def find(self, deployment_id: str) -> LambdaDeploymentRecord | None:
        item = self._get(deployment_id)
        if item is None or self.TARGET not in item:
            return None
        target = item[self.TARGET]
        created = item_time(item["create_time_ms"])
        assert created is not None
        return LambdaDeploymentRecord(
            deployment_id=str(item["deployment_id"]),
            application_name=str(item["application_name"]),
            deployment_group_name=str(item["deployment_group_name"]),
            deployment_group_id=str(item["deployment_group_id"]),
            status=DeploymentStatus(item["status"]),
            function_name=str(target["function_name"]),
            alias=str(target["alias"]),
            current_version=str(target["current_version"]),
            target_version=str(target["target_version"]),
            target_weight=Decimal(target["target_weight"]),
            target_status=InstanceStatus(target["target_status"]),
            steps=tuple(
                TrafficStep(Decimal(step["weight"]), int(step["wait_seconds"]))
                for step in target["steps"]
            ),
            hook_timeout_seconds=int(target["hook_timeout_seconds"]),
            events=read_events(item[self.EVENTS], LAMBDA_EVENTS),
            create_time=created,
            last_updated=item_time(target["last_updated_ms"]) or created,
            outcome=read_outcome(item.get("outcome")),
            complete_time=item_time(item.get("complete_time_ms")),
            revision=read_location(item["revision"]),
            alarms=read_alarm_configuration(item.get("alarm_configuration")),
        )
