"""The finish step's bookkeeping, wired to the state table: the deployment group's history, the
revision's use (``rollwright.deployment_bookkeeping``) and what the group remembers of each host
(``rollwright.instance_history``), in that order, before any rollback is decided."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from functions.adapters.instance_records import DynamoInstanceRecords
from rollwright.deployment_bookkeeping import record_finished, revision_location
from rollwright.instance_history import records_after
from rollwright.operations.shapes import CodeDeployServices
from rollwright.rollback import ROLLBACK_CREATOR
from rollwright.rollout_store import DeploymentRecord

logger = Logger(child=True)


class FinishBookkeeping:
    def __init__(self, services: CodeDeployServices, instances: DynamoInstanceRecords) -> None:
        self._groups = services.deployment_groups
        self._revisions = services.revisions
        self._instances = instances

    def record(self, deployment: DeploymentRecord | None) -> dict[str, Any]:
        if deployment is None:
            return {"recorded": False}
        problems = record_finished(deployment, self._groups, self._revisions)
        if problems:
            logger.warning("deployment bookkeeping incomplete", extra={"problems": problems})
        if deployment.status.is_terminal:
            self._record_instances(deployment)
        return {"recorded": not problems}

    def _record_instances(self, deployment: DeploymentRecord) -> None:
        group_id = deployment.commands.deployment_group_id
        self._instances.write(
            group_id,
            records_after(
                deployment.deployment_id,
                revision_location(deployment.commands.revision),
                self._instances.host_results(deployment.deployment_id),
                self._instances.records(group_id),
                rollback=deployment.commands.creator == ROLLBACK_CREATOR,
            ),
        )
