"""The finish step's bookkeeping, wired to the state table: the deployment group's history and
the revision's use (``rollwright.deployment_bookkeeping``)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from functions.adapters.application_records import DynamoApplicationStore
from functions.adapters.deployment_config_records import DynamoDeploymentConfigStore
from functions.adapters.deployment_group_records import DynamoDeploymentGroupStore
from functions.adapters.revision_records import DynamoRevisionStore
from rollwright.applications import Applications
from rollwright.deployment_bookkeeping import record_finished
from rollwright.deployment_configs import DeploymentConfigs
from rollwright.deployment_groups import DeploymentGroups
from rollwright.predefined_deployment_configs import PREDEFINED_DEPLOYMENT_CONFIGS
from rollwright.revisions import ApplicationRevisions
from rollwright.rollout_store import DeploymentRecord

logger = Logger(child=True)


class FinishBookkeeping:
    def __init__(self) -> None:
        dynamodb, table = boto3.client("dynamodb"), os.environ["TABLE_NAME"]
        applications = Applications(
            DynamoApplicationStore(dynamodb, table),
            clock=lambda: datetime.now(UTC),
            new_id=lambda: str(uuid.uuid4()),
        )
        configs = DeploymentConfigs(
            DynamoDeploymentConfigStore(dynamodb, table),
            PREDEFINED_DEPLOYMENT_CONFIGS,
            clock=lambda: datetime.now(UTC),
            new_id=lambda: str(uuid.uuid4()),
        )
        self._groups = DeploymentGroups(
            DynamoDeploymentGroupStore(dynamodb, table),
            applications,
            configs,
            new_id=lambda: str(uuid.uuid4()),
        )
        self._revisions = ApplicationRevisions(
            DynamoRevisionStore(dynamodb, table), applications, clock=lambda: datetime.now(UTC)
        )

    def record(self, deployment: DeploymentRecord | None) -> dict[str, Any]:
        if deployment is None:
            return {"recorded": False}
        problems = record_finished(deployment, self._groups, self._revisions)
        if problems:
            logger.warning("deployment bookkeeping incomplete", extra={"problems": problems})
        return {"recorded": not problems}
