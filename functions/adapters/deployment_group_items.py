"""Deployment group items of the state table: keys and the item ↔ ``DeploymentGroup`` codec.

Item layout (the transactions that write them are in ``deployment_group_records``)::

    group          pk = DEPLOYMENT_GROUPS#<applicationId>   sk = DEPLOYMENT_GROUP#<groupName>
                   gsi1pk = DEPLOYMENT_GROUP#<deploymentGroupId>   gsi1sk = DEPLOYMENT_GROUP
                   deployment_group_id, application_id, deployment_group_name,
                   compute_platform (S), settings (S, JSON: the CreateDeploymentGroup members),
                   tags (L of M {key, value}), version (N), history (S, JSON, once deployed:
                   targetRevision, lastSuccessfulDeployment, lastAttemptedDeployment with
                   epoch-millisecond times), auto_scaling_hooks (S, JSON, once installed:
                   [{name, hook, terminationHook}], botocore's AutoScalingGroup)
    group count    pk = DEPLOYMENT_GROUPS#<applicationId>   sk = COUNT
                   group_count (N); closed (BOOL) and expires_at (N, TTL) once DeleteApplication
                   has begun
    ECS service    pk = ECS_SERVICE#<cluster>:<service>      sk = ECS_SERVICE
                   deployment_group_id, application_id (S)

Groups are keyed by the application's id, so renaming the application moves none of them. The
``gsi1`` entry finds a group by its id (deployments record their outcome by id).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from rollwright.applications import ComputePlatform, Tag
from rollwright.auto_scaling_hooks import auto_scaling_group_info, installed_hooks
from rollwright.deployment_group_history import DeploymentGroupHistory, LastDeployment
from rollwright.deployment_group_settings import EcsService
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_status import DeploymentStatus
from rollwright.operations.deployment_group_members import read_settings
from rollwright.operations.deployment_group_shapes import settings_members
from rollwright.operations.revisions import revision_location, revision_request
from rollwright.revision_locations import valid_revision

GROUP_PREFIX = "DEPLOYMENT_GROUP#"
GROUP_INDEX = "gsi1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def group_partition(application_id: str) -> str:
    return f"DEPLOYMENT_GROUPS#{application_id}"


def group_key(application_id: str, name: str) -> dict[str, Any]:
    return {"pk": {"S": group_partition(application_id)}, "sk": {"S": f"{GROUP_PREFIX}{name}"}}


def group_count_key(application_id: str) -> dict[str, Any]:
    return {"pk": {"S": group_partition(application_id)}, "sk": {"S": "COUNT"}}


def ecs_service_key(service: EcsService) -> dict[str, Any]:
    return {"pk": {"S": f"ECS_SERVICE#{service.identifier}"}, "sk": {"S": "ECS_SERVICE"}}


def group_item(group: DeploymentGroup) -> dict[str, Any]:
    item: dict[str, Any] = {
        **group_key(group.application_id, group.name),
        "gsi1pk": {"S": f"{GROUP_PREFIX}{group.deployment_group_id}"},
        "gsi1sk": {"S": "DEPLOYMENT_GROUP"},
        "deployment_group_id": {"S": group.deployment_group_id},
        "application_id": {"S": group.application_id},
        "deployment_group_name": {"S": group.name},
        "compute_platform": {"S": group.compute_platform.value},
        "settings": {"S": json.dumps(settings_members(group.settings))},
        "tags": {"L": [{"M": {"key": {"S": t.key}, "value": {"S": t.value}}} for t in group.tags]},
        "version": {"N": str(group.version)},
    }
    if group.history != DeploymentGroupHistory():
        item["history"] = {"S": json.dumps(_history_document(group.history))}
    if group.auto_scaling_hooks:
        item["auto_scaling_hooks"] = {
            "S": json.dumps([auto_scaling_group_info(h) for h in group.auto_scaling_hooks])
        }
    return item


def group_from_item(item: dict[str, Any]) -> DeploymentGroup:
    history = item.get("history", {}).get("S")
    return DeploymentGroup(
        deployment_group_id=item["deployment_group_id"]["S"],
        application_id=item["application_id"]["S"],
        name=item["deployment_group_name"]["S"],
        compute_platform=ComputePlatform(item["compute_platform"]["S"]),
        settings=read_settings(json.loads(item["settings"]["S"])),
        tags=tuple(Tag(tag["M"]["key"]["S"], tag["M"]["value"]["S"]) for tag in item["tags"]["L"]),
        history=DeploymentGroupHistory()
        if history is None
        else _history_from_document(json.loads(history)),
        auto_scaling_hooks=tuple(
            installed_hooks(info)
            for info in json.loads(item.get("auto_scaling_hooks", {}).get("S", "[]"))
        ),
        version=int(item["version"]["N"]),
    )


def _history_document(history: DeploymentGroupHistory) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if history.target_revision is not None:
        document["targetRevision"] = revision_location(history.target_revision)
    for member, deployment in (
        ("lastSuccessfulDeployment", history.last_successful_deployment),
        ("lastAttemptedDeployment", history.last_attempted_deployment),
    ):
        if deployment is not None:
            document[member] = {
                "deploymentId": deployment.deployment_id,
                "status": deployment.status.value,
                "createTime": _milliseconds(deployment.create_time),
                "endTime": None
                if deployment.end_time is None
                else _milliseconds(deployment.end_time),
            }
    return document


def _history_from_document(document: dict[str, Any]) -> DeploymentGroupHistory:
    revision = document.get("targetRevision")
    return DeploymentGroupHistory(
        target_revision=None
        if revision is None
        else valid_revision(revision_request(revision), content_required=False),
        last_successful_deployment=_last_deployment(document.get("lastSuccessfulDeployment")),
        last_attempted_deployment=_last_deployment(document.get("lastAttemptedDeployment")),
    )


def _last_deployment(document: dict[str, Any] | None) -> LastDeployment | None:
    if document is None:
        return None
    end = document["endTime"]
    return LastDeployment(
        deployment_id=document["deploymentId"],
        status=DeploymentStatus(document["status"]),
        create_time=_moment(document["createTime"]),
        end_time=None if end is None else _moment(end),
    )


def _milliseconds(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _moment(milliseconds: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=milliseconds)
