"""ECS deployments in the state table: the ``EcsDeploymentStore`` and ``EcsRolloutStore`` of
``rollwright.ecs_deployments`` / ``ecs_rollout``.

The deployment item has what every traffic deployment item has (``traffic_deployment_items.py``)
and:

- ``ecs_target`` ``{cluster, service, original_task_set, replacement_task_set?, traffic?:
  {original_target_group, replacement_target_group, prod_listener, test_listener?}, appspec:
  {task_definition, container_name, container_port, platform_version?, network?: {subnets,
  security_groups, assign_public_ip?}, capacity_providers: [{capacity_provider, base, weight}]},
  target_weight, target_status, last_updated_ms, steps: [{weight, wait_seconds}],
  hook_timeout_seconds, termination_wait_seconds, wait_scale, promoted, waiting_token?}``;
- ``ecs_events``: the eight ECS lifecycle events, BeforeInstall to AfterAllowTraffic.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from functions.adapters.appspec_locations import read_location
from functions.adapters.rollout_items import milliseconds, read_alarm_configuration
from functions.adapters.traffic_deployment_items import (
    NOT_ENDED,
    TrafficDeploymentItems,
    item_time,
    read_events,
    read_outcome,
)
from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus
from rollwright.ecs_appspec import (
    AssignPublicIp,
    AwsvpcConfiguration,
    CapacityProviderItem,
    EcsAppSpec,
)
from rollwright.ecs_records import ECS_EVENTS, EcsDeploymentRecord, EcsTraffic, NewEcsDeployment
from rollwright.lambda_traffic import TrafficStep
from rollwright.rollout import InstanceStatus


class DynamoEcsDeployments(TrafficDeploymentItems):
    PLATFORM = ComputePlatform.ECS
    TARGET = "ecs_target"
    EVENTS = "ecs_events"
    EVENT_NAMES = ECS_EVENTS

    def create(self, deployment: NewEcsDeployment) -> tuple[str, bool]:
        return self.create_item(deployment, self._base_item(deployment))

    def _platform_item(self, deployment: NewEcsDeployment) -> dict[str, Any]:
        events: dict[str, Any] = {name.value: {"status": "Pending"} for name in ECS_EVENTS}
        for hook, function in deployment.appspec.hooks.items():
            events[hook.value].update(
                {"hook": function, "execution_id": deployment.execution_ids[hook]}
            )
        target: dict[str, Any] = {
            "cluster": deployment.cluster,
            "service": deployment.service,
            "original_task_set": deployment.original_task_set,
            "appspec": _appspec_document(deployment.appspec),
            "target_weight": Decimal(0),
            "target_status": InstanceStatus.PENDING.value,
            "last_updated_ms": milliseconds(deployment.create_time),
            "steps": [
                {"weight": step.weight, "wait_seconds": step.wait_seconds}
                for step in deployment.steps
            ],
            "hook_timeout_seconds": deployment.hook_timeout_seconds,
            "termination_wait_seconds": deployment.termination_wait_seconds,
            "wait_scale": Decimal(str(deployment.wait_scale)),
            "promoted": False,
        }
        if deployment.traffic is not None:
            traffic = deployment.traffic
            target["traffic"] = {
                "original_target_group": traffic.original_target_group,
                "replacement_target_group": traffic.replacement_target_group,
                "prod_listener": traffic.prod_listener,
            }
            if traffic.test_listener is not None:
                target["traffic"]["test_listener"] = traffic.test_listener
        return {self.TARGET: target, self.EVENTS: events}

    # --- reading ------------------------------------------------------------------------------

    def find(self, deployment_id: str) -> EcsDeploymentRecord | None:
        item = self._get(deployment_id)
        if item is None or self.TARGET not in item:
            return None
        target = item[self.TARGET]
        stored_traffic = target.get("traffic")
        created = item_time(item["create_time_ms"])
        assert created is not None
        return EcsDeploymentRecord(
            deployment_id=str(item["deployment_id"]),
            application_name=str(item["application_name"]),
            deployment_group_name=str(item["deployment_group_name"]),
            deployment_group_id=str(item["deployment_group_id"]),
            status=DeploymentStatus(item["status"]),
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
            target_weight=Decimal(target["target_weight"]),
            target_status=InstanceStatus(target["target_status"]),
            steps=tuple(
                TrafficStep(Decimal(step["weight"]), int(step["wait_seconds"]))
                for step in target["steps"]
            ),
            hook_timeout_seconds=int(target["hook_timeout_seconds"]),
            termination_wait_seconds=int(target["termination_wait_seconds"]),
            events=read_events(item[self.EVENTS], ECS_EVENTS),
            create_time=created,
            last_updated=item_time(target["last_updated_ms"]) or created,
            promoted=bool(target.get("promoted", False)),
            waiting_token=target.get("waiting_token"),
            outcome=read_outcome(item.get("outcome")),
            complete_time=item_time(item.get("complete_time_ms")),
            revision=read_location(item["revision"]),
            alarms=read_alarm_configuration(item.get("alarm_configuration")),
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
                "SET #t.promoted = :yes, #t.waiting_token = :token, #t.last_updated_ms = :now"
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
