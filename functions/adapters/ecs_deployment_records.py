"""ECS deployments in the state table: the ``EcsDeploymentStore`` and ``EcsRolloutStore`` of
``rollwright.ecs_deployments`` / ``ecs_rollout``.

The deployment item has what every traffic deployment item has (``traffic_deployment_items.py``)
and:

- ``ecs_target`` ``{cluster, service, original_task_set, replacement_task_set?, traffic?:
  {original_target_group, replacement_target_group, prod_listener, test_listener?}, appspec:
  {task_definition, container_name, container_port, platform_version?, network?: {subnets,
  security_groups, assign_public_ip?}, capacity_providers: [{capacity_provider, base, weight}]},
  target_weight, target_status, last_updated_ms, steps: [{weight, wait_seconds}],
  hook_timeout_seconds, termination_wait_seconds, ready_wait_minutes?, ready_wait_seconds?,
  wait_scale, promoted, waiting_token?, ready_token?, group?}`` (``group``: the group's
  ``{blueGreenDeploymentConfiguration?, loadBalancerInfo?}`` when the deployment was created, a
  JSON string as the group item stores its settings); the deployment's ``status`` is Ready while
  ``ready_token`` is there, ``termination_wait_started`` is set when the termination wait begins;
- ``ecs_events``: the eight ECS lifecycle events, BeforeInstall to AfterAllowTraffic.
"""

from __future__ import annotations

import json
from typing import Any

from functions.adapters.rollout_items import milliseconds
from functions.adapters.traffic_deployment_items import TrafficDeploymentItems
from functions.adapters.traffic_event_items import NOT_ENDED
from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus
from rollwright.ecs_appspec import (
    AssignPublicIp,
    AwsvpcConfiguration,
    CapacityProviderItem,
    EcsAppSpec,
)
from rollwright.ecs_records import ECS_EVENTS, EcsDeploymentRecord, EcsTraffic, NewEcsDeployment
from rollwright.operations.deployment_group_members import read_changes
from rollwright.operations.ecs_deployment_shapes import group_members


class DynamoEcsDeployments(TrafficDeploymentItems[EcsDeploymentRecord]):
    PLATFORM = ComputePlatform.ECS
    TARGET = "ecs_target"
    EVENTS = "ecs_events"
    EVENT_NAMES = ECS_EVENTS

    def _target_attributes(self, deployment: NewEcsDeployment) -> dict[str, Any]:
        planned = deployment.target
        attributes: dict[str, Any] = {
            "cluster": planned.cluster,
            "service": planned.service,
            "original_task_set": planned.original_task_set,
            "appspec": _appspec_document(deployment.appspec),
            "termination_wait_seconds": planned.termination_wait_seconds,
            "promoted": False,
        }
        group = group_members(planned.blue_green_configuration, planned.load_balancer_info)
        if group:
            attributes["group"] = json.dumps(group)
        if planned.ready_wait_minutes is not None and planned.ready_wait_seconds is not None:
            attributes["ready_wait_minutes"] = planned.ready_wait_minutes
            attributes["ready_wait_seconds"] = planned.ready_wait_seconds
        if planned.traffic is not None:
            traffic = planned.traffic
            attributes["traffic"] = {
                "original_target_group": traffic.original_target_group,
                "replacement_target_group": traffic.replacement_target_group,
                "prod_listener": traffic.prod_listener,
            }
            if traffic.test_listener is not None:
                attributes["traffic"]["test_listener"] = traffic.test_listener
        return attributes

    # --- reading ------------------------------------------------------------------------------

    def _record(self, target: dict[str, Any], fields: dict[str, Any]) -> EcsDeploymentRecord:
        stored_traffic = target.get("traffic")
        group = read_changes(json.loads(target.get("group") or "{}"))
        return EcsDeploymentRecord(
            **fields,
            appspec=_read_appspec(target["appspec"]),
            cluster=str(target["cluster"]),
            service=str(target["service"]),
            original_task_set=str(target["original_task_set"]),
            traffic=(
                None
                if stored_traffic is None
                else EcsTraffic(
                    original_target_group=str(stored_traffic["original_target_group"]),
                    replacement_target_group=str(stored_traffic["replacement_target_group"]),
                    prod_listener=str(stored_traffic["prod_listener"]),
                    test_listener=stored_traffic.get("test_listener"),
                )
            ),
            replacement_task_set=target.get("replacement_task_set"),
            termination_wait_seconds=int(target["termination_wait_seconds"]),
            promoted=bool(target.get("promoted", False)),
            waiting_token=target.get("waiting_token"),
            ready_wait_minutes=_optional_int(target.get("ready_wait_minutes")),
            ready_wait_seconds=_optional_int(target.get("ready_wait_seconds")),
            ready_token=target.get("ready_token"),
            blue_green_configuration=group.blue_green_configuration,
            load_balancer_info=group.load_balancer_info,
        )

    # --- the rollout ---------------------------------------------------------------------------

    def record_replacement(self, deployment_id: str, task_set: str, *, now: float) -> bool:
        return self._update(
            deployment_id,
            UpdateExpression="SET #t.replacement_task_set = :task_set, #t.last_updated_ms = :now",
            ConditionExpression=NOT_ENDED,
            ExpressionAttributeNames={"#t": self.TARGET},
            ExpressionAttributeValues={":task_set": task_set, ":now": milliseconds(now)},
        )

    def start_waiting(self, deployment_id: str, token: str, *, now: float) -> bool:
        return self._update(
            deployment_id,
            UpdateExpression=(
                "SET #t.promoted = :yes, #t.waiting_token = :token, #t.last_updated_ms = :now, "
                "termination_wait_started = :yes"
            ),
            ConditionExpression=NOT_ENDED,
            ExpressionAttributeNames={"#t": self.TARGET},
            ExpressionAttributeValues={":yes": True, ":token": token, ":now": milliseconds(now)},
        )

    def take_waiting_token(self, deployment_id: str) -> str | None:
        item = self._get(deployment_id)
        token = None if item is None else item.get(self.TARGET, {}).get("waiting_token")
        if token is None or item is None or item.get("outcome"):
            return None
        taken = self._update(
            deployment_id,
            UpdateExpression="REMOVE #t.waiting_token",
            ConditionExpression=f"#t.waiting_token = :token AND {NOT_ENDED}",
            ExpressionAttributeNames={"#t": self.TARGET},
            ExpressionAttributeValues={":token": token},
        )
        return str(token) if taken else None

    def start_ready_wait(self, deployment_id: str, token: str, *, now: float) -> bool:
        return self._update(
            deployment_id,
            UpdateExpression=(
                "SET #s = :ready, #t.ready_token = :token, #t.last_updated_ms = :now"
            ),
            ConditionExpression=f"#s = :running AND {NOT_ENDED}",
            ExpressionAttributeNames={"#t": self.TARGET, "#s": "status"},
            ExpressionAttributeValues={
                ":ready": DeploymentStatus.READY.value,
                ":running": DeploymentStatus.IN_PROGRESS.value,
                ":token": token,
                ":now": milliseconds(now),
            },
        )

    def take_ready_token(self, deployment_id: str, *, now: float) -> str | None:
        item = self._get(deployment_id)
        token = None if item is None else item.get(self.TARGET, {}).get("ready_token")
        if token is None or item is None or item.get("outcome"):
            return None
        taken = self._update(
            deployment_id,
            UpdateExpression=("SET #s = :running, #t.last_updated_ms = :now REMOVE #t.ready_token"),
            ConditionExpression=f"#t.ready_token = :token AND #s = :ready AND {NOT_ENDED}",
            ExpressionAttributeNames={"#t": self.TARGET, "#s": "status"},
            ExpressionAttributeValues={
                ":token": token,
                ":ready": DeploymentStatus.READY.value,
                ":running": DeploymentStatus.IN_PROGRESS.value,
                ":now": milliseconds(now),
            },
        )
        return str(token) if taken else None


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _appspec_document(spec: EcsAppSpec) -> dict[str, Any]:
    document: dict[str, Any] = {
        "task_definition": spec.task_definition,
        "container_name": spec.container_name,
        "container_port": spec.container_port,
        "capacity_providers": [
            {"capacity_provider": c.capacity_provider, "base": c.base, "weight": c.weight}
            for c in spec.capacity_provider_strategy
        ],
    }
    if spec.platform_version is not None:
        document["platform_version"] = spec.platform_version
    if spec.network_configuration is not None:
        network = spec.network_configuration
        document["network"] = {
            "subnets": list(network.subnets),
            "security_groups": list(network.security_groups),
        }
        if network.assign_public_ip is not None:
            document["network"]["assign_public_ip"] = network.assign_public_ip.value
    return document


def _read_appspec(document: dict[str, Any]) -> EcsAppSpec:
    network = document.get("network")
    return EcsAppSpec(
        task_definition=str(document["task_definition"]),
        container_name=str(document["container_name"]),
        container_port=int(document["container_port"]),
        platform_version=document.get("platform_version"),
        network_configuration=(
            None
            if network is None
            else AwsvpcConfiguration(
                subnets=tuple(network["subnets"]),
                security_groups=tuple(network.get("security_groups", ())),
                assign_public_ip=(
                    AssignPublicIp(network["assign_public_ip"])
                    if network.get("assign_public_ip")
                    else None
                ),
            )
        ),
        capacity_provider_strategy=tuple(
            CapacityProviderItem(str(c["capacity_provider"]), int(c["base"]), int(c["weight"]))
            for c in document.get("capacity_providers", [])
        ),
    )
