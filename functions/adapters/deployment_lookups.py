"""The reads a notification needs beyond the changed item: the deployment a target belongs to, and
the deployment group's trigger configurations. Each is read once per stream batch.

Item layouts: ``rollout_items.py`` (deployment, target) and ``deployment_group_items.py`` (group).
"""

from __future__ import annotations

from typing import Any

from functions.adapters.deployment_group_records import DynamoDeploymentGroupStore
from functions.adapters.deployment_records import deployment_key
from rollwright.deployment_group_settings import TriggerConfig


class DeploymentLookups:
    """Consistent reads of deployment items and group triggers, remembered for one batch."""

    def __init__(self, table: Any, client: Any) -> None:
        self._table = table
        self._groups = DynamoDeploymentGroupStore(client, table.name)
        self._deployments: dict[str, dict[str, Any] | None] = {}
        self._triggers: dict[str, tuple[TriggerConfig, ...]] = {}

    def deployment_item(self, deployment_id: str) -> dict[str, Any] | None:
        if deployment_id not in self._deployments:
            self._deployments[deployment_id] = self._table.get_item(
                Key=deployment_key(deployment_id), ConsistentRead=True
            ).get("Item")
        return self._deployments[deployment_id]

    def triggers(self, deployment_group_id: str) -> tuple[TriggerConfig, ...]:
        """The group's triggers; none when the group is gone (deleted while deploying)."""
        if deployment_group_id not in self._triggers:
            group = self._groups.find_by_id(deployment_group_id)
            self._triggers[deployment_group_id] = (
                () if group is None else group.settings.trigger_configurations
            )
        return self._triggers[deployment_group_id]
