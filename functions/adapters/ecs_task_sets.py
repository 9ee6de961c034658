"""The ECS API for ECS deployments: the service and its task sets, the task definition
(``EcsServices`` of ``rollwright.ecs_records``)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import error_code
from rollwright.ecs_records import (
    ContainerDefinition,
    EcsDeploymentRecord,
    EcsServiceState,
    TaskDefinition,
    TaskSet,
)

_GONE = {"TaskSetNotFoundException", "ServiceNotFoundException", "ClusterNotFoundException"}


def _task_set(found: dict[str, Any]) -> TaskSet:
    scale = found.get("scale") or {}
    return TaskSet(
        arn=str(found["taskSetArn"]),
        task_set_id=str(found["id"]),
        status=str(found.get("status", "")),
        task_definition=str(found.get("taskDefinition", "")),
        target_groups=tuple(
            str(balancer["targetGroupArn"])
            for balancer in found.get("loadBalancers") or ()
            if balancer.get("targetGroupArn")
        ),
        scale_percent=float(scale.get("value", 100.0)),
        desired_count=int(found.get("computedDesiredCount", 0)),
        pending_count=int(found.get("pendingCount", 0)),
        running_count=int(found.get("runningCount", 0)),
        stability_status=found.get("stabilityStatus"),
    )


class EcsTaskSets:
    def __init__(self, ecs_client: Any) -> None:
        self._ecs = ecs_client

    def service(self, cluster: str, service: str) -> EcsServiceState | None:
        try:
            found = self._ecs.describe_services(cluster=cluster, services=[service])
        except ClientError as error:
            if error_code(error) in _GONE:
                return None
            raise
        services = found.get("services") or []
        if not services:
            return None
        described = services[0]
        return EcsServiceState(
            cluster=cluster,
            name=str(described["serviceName"]),
            arn=str(described["serviceArn"]),
            status=str(described.get("status", "")),
            deployment_controller=str(
                (described.get("deploymentController") or {}).get("type", "ECS")
            ),
            launch_type=described.get("launchType"),
            task_sets=tuple(_task_set(t) for t in described.get("taskSets") or ()),
        )

    def task_definition(self, task_definition: str) -> TaskDefinition | None:
        try:
            found = self._ecs.describe_task_definition(taskDefinition=task_definition)
        except ClientError as error:
            if error_code(error) in {"ClientException", "InvalidParameterException"}:
                return None
            raise
        definition = found["taskDefinition"]
        return TaskDefinition(
            arn=str(definition["taskDefinitionArn"]),
            containers=tuple(
                ContainerDefinition(
                    name=str(container["name"]),
                    container_ports=tuple(
                        int(mapping["containerPort"])
                        for mapping in container.get("portMappings") or ()
                        if "containerPort" in mapping
                    ),
                )
                for container in definition.get("containerDefinitions") or ()
            ),
        )

    def create_task_set(
        self, record: EcsDeploymentRecord, *, target_group: str, scale_percent: float
    ) -> str:
        spec = record.appspec
        # The client token makes a retried step find the task set it created.
        existing = self._existing(record)
        if existing is not None:
            return existing
        request: dict[str, Any] = {
            "service": record.service,
            "cluster": record.cluster,
            "externalId": record.deployment_id,
            "taskDefinition": spec.task_definition,
            "loadBalancers": [
                {
                    "targetGroupArn": target_group,
                    "containerName": spec.container_name,
                    "containerPort": spec.container_port,
                }
            ],
            "scale": {"value": scale_percent, "unit": "PERCENT"},
            "clientToken": record.deployment_id[:36],
        }
        if spec.platform_version is not None:
            request["platformVersion"] = spec.platform_version
        if spec.network_configuration is not None:
            network = spec.network_configuration
            vpc: dict[str, Any] = {"subnets": list(network.subnets)}
            if network.security_groups:
                vpc["securityGroups"] = list(network.security_groups)
            if network.assign_public_ip is not None:
                vpc["assignPublicIp"] = network.assign_public_ip.value
            request["networkConfiguration"] = {"awsvpcConfiguration": vpc}
        if spec.capacity_provider_strategy:
            request["capacityProviderStrategy"] = [
                {"capacityProvider": c.capacity_provider, "base": c.base, "weight": c.weight}
                for c in spec.capacity_provider_strategy
            ]
        created = self._ecs.create_task_set(**request)
        return str(created["taskSet"]["taskSetArn"])

    def _existing(self, record: EcsDeploymentRecord) -> str | None:
        """The task set an earlier try of this deployment's Install created (its external id)."""
        try:
            found = self._ecs.describe_services(cluster=record.cluster, services=[record.service])
        except ClientError as error:
            if error_code(error) in _GONE:
                return None
            raise
        task_sets = [t for s in found.get("services") or () for t in s.get("taskSets") or ()]
        return next(
            (
                str(t["taskSetArn"])
                for t in task_sets
                if t.get("externalId") == record.deployment_id
            ),
            None,
        )

    def delete_task_set(self, cluster: str, service: str, task_set: str) -> None:
        try:
            self._ecs.delete_task_set(
                cluster=cluster, service=service, taskSet=task_set, force=True
            )
        except ClientError as error:
            # moto answers a deleted task set with ClientException "… does not exist".
            gone = error_code(error) in _GONE or "does not exist" in str(error)
            if not gone:
                raise

    def make_primary(self, cluster: str, service: str, task_set: str) -> None:
        self._ecs.update_service_primary_task_set(
            cluster=cluster, service=service, primaryTaskSet=task_set
        )
