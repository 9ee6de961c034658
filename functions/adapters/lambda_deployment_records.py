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

from typing import Any

from functions.adapters.traffic_deployment_items import TrafficDeploymentItems
from rollwright.applications import ComputePlatform
from rollwright.lambda_records import LAMBDA_EVENTS, LambdaDeploymentRecord, NewLambdaDeployment


class DynamoLambdaDeployments(TrafficDeploymentItems[LambdaDeploymentRecord]):
    PLATFORM = ComputePlatform.LAMBDA
    TARGET = "lambda_target"
    EVENTS = "lambda_events"
    EVENT_NAMES = LAMBDA_EVENTS

    def _target_attributes(self, deployment: NewLambdaDeployment) -> dict[str, Any]:
        spec = deployment.appspec
        return {
            "function_name": spec.function_name,
            "alias": spec.alias,
            "current_version": spec.current_version,
            "target_version": spec.target_version,
        }

    def _record(self, target: dict[str, Any], fields: dict[str, Any]) -> LambdaDeploymentRecord:
        return LambdaDeploymentRecord(
            **fields,
            function_name=str(target["function_name"]),
            alias=str(target["alias"]),
            current_version=str(target["current_version"]),
            target_version=str(target["target_version"]),
        )
