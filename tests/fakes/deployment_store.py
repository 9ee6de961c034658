"""In-memory deployments, fleet and workflows for the deployment operations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from rollwright.blue_green import InstanceLabel
from rollwright.deployment_group_settings import DeploymentGroupSettings
from rollwright.deployment_records import (
    CreatedDeployment,
    DeploymentError,
    DeploymentOverview,
    DeploymentQuery,
    NewDeployment,
    RelatedDeployments,
    RollbackInfo,
    StoredDeployment,
    StoredTarget,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import DeploymentLimitExceededException
from rollwright.instance_history import InstanceRecord
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import Ec2Instance


class InMemoryDeploymentStore:
    def __init__(self) -> None:
        self.deployments: dict[str, StoredDeployment] = {}
        self.targets: dict[str, dict[str, StoredTarget]] = {}
        self.groups: dict[str, str] = {}  # deployment id -> group id
        self.active: dict[str, str] = {}  # group id -> deployment id
        self.requests: dict[str, str] = {}  # request key -> deployment id
        self.instances: dict[str, dict[str, InstanceRecord]] = {}  # group id -> host id -> record

    def create(self, deployment: NewDeployment) -> CreatedDeployment:
        if deployment.request_key in self.requests:
            return CreatedDeployment(self.requests[deployment.request_key], new=False)
        plan, settings = deployment.plan, deployment.plan.settings
        group_id = settings.deployment_group_id
        claims = deployment.ended is None and deployment.claims_group
        if claims and group_id in self.active:
            raise DeploymentLimitExceededException(
                f"The deployment group {settings.deployment_group_name} already has an active "
                f"Deployment {self.active[group_id]}."
            )
        if claims:
            self.active[group_id] = settings.deployment_id
        self.requests[deployment.request_key] = settings.deployment_id
        self.groups[settings.deployment_id] = group_id
        created = datetime.fromtimestamp(plan.create_time, UTC)
        self.deployments[settings.deployment_id] = StoredDeployment(
            deployment_id=settings.deployment_id,
            application_name=settings.application_name,
            deployment_group_name=settings.deployment_group_name,
            deployment_config_name=settings.deployment_config_name,
            status=DeploymentStatus.FAILED if deployment.ended else DeploymentStatus.CREATED,
            choices=deployment.choices,
            create_time=created,
            overview=DeploymentOverview(pending=len(plan.targets)),
            creator=settings.creator,
            description=settings.description,
            ignore_application_stop_failures=settings.ignore_application_stop_failures,
            file_exists_behavior=settings.file_exists_behavior,
            complete_time=created if deployment.ended else None,
            error=deployment.ended,
            rollback_info=(
                None
                if deployment.choices.rollback_triggering_deployment_id is None
                else RollbackInfo(
                    rollback_triggering_deployment_id=(
                        deployment.choices.rollback_triggering_deployment_id
                    )
                )
            ),
        )
        self.targets[settings.deployment_id] = {
            t.host_id: StoredTarget(
                settings.deployment_id,
                t.host_id,
                t.instance_name,
                t.kind,
                InstanceStatus.PENDING,
                created,
                (),
                InstanceLabel(t.label) if t.label else None,
            )
            for t in plan.targets
        }
        return CreatedDeployment(settings.deployment_id, new=True)

    def end(self, deployment_id: str, status: DeploymentStatus) -> None:
        """What the workflow's finish does: the final status, and the group released."""
        self.deployments[deployment_id] = replace(self.deployments[deployment_id], status=status)
        group_id = self.groups[deployment_id]
        if self.active.get(group_id) == deployment_id:
            del self.active[group_id]

    def abandon(self, deployment_id: str, group_id: str, error: DeploymentError) -> None:
        self.deployments[deployment_id] = replace(
            self.deployments[deployment_id], status=DeploymentStatus.FAILED, error=error
        )
        if self.active.get(group_id) == deployment_id:
            del self.active[group_id]

    def find(self, deployment_id: str) -> StoredDeployment | None:
        return self.deployments.get(deployment_id)

    def record_rollback(self, deployment_id: str, info: RollbackInfo) -> bool:
        found = self.deployments.get(deployment_id)
        if found is None or found.rollback_info is not None:
            return False
        self.deployments[deployment_id] = replace(found, rollback_info=info)
        return True

    def record_auto_update(self, root_deployment_id: str, auto_update_deployment_id: str) -> None:
        root, update = (
            self.deployments[root_deployment_id],
            self.deployments[auto_update_deployment_id],
        )
        ids = (root.related or RelatedDeployments()).auto_update_deployment_ids
        self.deployments[root_deployment_id] = replace(
            root,
            related=replace(
                root.related or RelatedDeployments(),
                auto_update_deployment_ids=tuple(sorted({*ids, auto_update_deployment_id})),
            ),
        )
        self.deployments[auto_update_deployment_id] = replace(
            update,
            related=replace(
                update.related or RelatedDeployments(),
                auto_update_root_deployment_id=root_deployment_id,
            ),
        )

    def instance_records(self, group_id: str) -> dict[str, InstanceRecord]:
        return dict(self.instances.get(group_id, {}))

    def find_many(self, deployment_ids: Sequence[str]) -> dict[str, StoredDeployment]:
        return {i: self.deployments[i] for i in deployment_ids if i in self.deployments}

    def deployments_after(
        self, query: DeploymentQuery, after: str | None, limit: int
    ) -> list[tuple[str, str]]:
        listed = sorted(
            (
                (d.deployment_id, f"{d.create_time.timestamp():020.3f}#{d.deployment_id}")
                for d in self.deployments.values()
                if query.deployment_group_id in (None, self.groups[d.deployment_id])
                and (not query.statuses or d.status in query.statuses)
                and (query.created_after is None or d.create_time >= query.created_after)
                and (query.created_before is None or d.create_time <= query.created_before)
                and query.external_id is None
            ),
            key=lambda pair: pair[1],
            reverse=True,
        )
        return [pair for pair in listed if after is None or pair[1] < after][:limit]

    def targets_after(
        self,
        deployment_id: str,
        statuses: frozenset[InstanceStatus],
        after: str | None,
        limit: int,
    ) -> list[StoredTarget]:
        targets = sorted(self.targets.get(deployment_id, {}).values(), key=lambda t: t.host_id)
        return [
            t
            for t in targets
            if (after is None or t.host_id > after) and (not statuses or t.status in statuses)
        ][:limit]

    def find_targets(self, deployment_id: str, host_ids: Sequence[str]) -> dict[str, StoredTarget]:
        known = self.targets.get(deployment_id, {})
        return {h: known[h] for h in host_ids if h in known}


@dataclass
class FakeFleet:
    instances: list[Ec2Instance] = field(default_factory=list)
    asked: int = 0

    def ec2_instances(self, settings: DeploymentGroupSettings) -> list[Ec2Instance]:
        self.asked += 1
        return list(self.instances)


@dataclass
class RecordingWorkflows:
    started: list[str] = field(default_factory=list)
    fail: bool = False

    def start_server(self, deployment_id: str) -> None:
        if self.fail:
            raise RuntimeError("Step Functions is unavailable")
        self.started.append(deployment_id)
