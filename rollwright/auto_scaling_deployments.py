"""The deployments of ``auto_scaling_launches`` on the CodeDeploy deployment operations.

A launch deployment gets the revision of the group's last successful deployment
(``lastSuccessfulDeployment`` of its history), goes to the launched instance only, with creator
``autoscaling``; the lifecycle action token is the request's idempotency key, so a redelivered
lifecycle event answers the deployment it already created. A termination deployment is made
the same way for a terminating instance, with creator ``autoscalingTermination`` (its lifecycle
is ``lifecycle.TERMINATION_WITH_TRAFFIC``, chosen by the plan from the creator). An auto-update
deployment (creator ``CodeDeployAutoUpdate``) brings the group's outdated Auto Scaling instances
to that revision; it and the deployment whose end started it name each other in
``relatedDeployments``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from rollwright.auto_scaling_launches import LifecycleAction
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_requests import CreateDeploymentRequest, Fleet
from rollwright.deployment_status import DeploymentStatus
from rollwright.deployments import AUTO_SCALING_CREATOR, Deployments
from rollwright.instance_history import InstanceRecord, up_to_date
from rollwright.revision_locations import RevisionLocation
from rollwright.rollback import AUTO_SCALING_TERMINATION_CREATOR

AUTO_UPDATE_CREATOR = "CodeDeployAutoUpdate"


class InstanceRecords(Protocol):
    def instance_records(self, group_id: str) -> dict[str, InstanceRecord]: ...


class GroupLaunchDeployments:
    def __init__(
        self,
        deployments: Deployments,
        fleet: Fleet | None = None,
        records: InstanceRecords | None = None,
    ) -> None:
        self._deployments = deployments
        self._fleet = fleet
        self._records = records

    def last_successful_revision(self, group: DeploymentGroup) -> RevisionLocation | None:
        last = group.history.last_successful_deployment
        if last is None:
            return None
        return self._deployments.get(last.deployment_id).choices.revision

    def create_launch_deployment(
        self, group: DeploymentGroup, revision: RevisionLocation, action: LifecycleAction
    ) -> tuple[str, bool]:
        return self._for_action(
            group,
            revision,
            action,
            creator=AUTO_SCALING_CREATOR,
            description=(
                f"Auto Scaling launch of {action.instance_id} in {action.auto_scaling_group}"
            ),
        )

    def create_termination_deployment(
        self, group: DeploymentGroup, revision: RevisionLocation, action: LifecycleAction
    ) -> tuple[str, bool]:
        return self._for_action(
            group,
            revision,
            action,
            creator=AUTO_SCALING_TERMINATION_CREATOR,
            description=(
                f"Auto Scaling termination of {action.instance_id} in {action.auto_scaling_group}"
            ),
        )

    def _for_action(
        self,
        group: DeploymentGroup,
        revision: RevisionLocation,
        action: LifecycleAction,
        *,
        creator: str,
        description: str,
    ) -> tuple[str, bool]:
        deployment_id = self._create(
            group,
            revision,
            key=f"lifecycle-action:{action.token}",
            instances=(action.instance_id,),
            creator=creator,
            description=description,
        )
        ended = self._deployments.get(deployment_id).status in (
            DeploymentStatus.FAILED,
            DeploymentStatus.STOPPED,
        )
        return deployment_id, ended

    def outdated_instances(self, group: DeploymentGroup, revision: RevisionLocation) -> list[str]:
        """The group's Auto Scaling instances that do not run ``revision`` (by what the group
        remembers of each host), in id order."""
        if self._fleet is None or self._records is None:
            return []
        wanted = set(group.settings.auto_scaling_groups)
        known = self._records.instance_records(group.deployment_group_id)
        return sorted(
            instance.instance_id
            for instance in self._fleet.ec2_instances(group.settings)
            if instance.auto_scaling_group in wanted
            and not up_to_date(known.get(instance.instance_id), revision)
        )

    def create_auto_update(
        self,
        group: DeploymentGroup,
        revision: RevisionLocation,
        instances: Collection[str],
        *,
        root_deployment_id: str,
    ) -> str:
        auto_update = self._create(
            group,
            revision,
            key=f"auto-update:{root_deployment_id}",
            instances=instances,
            creator=AUTO_UPDATE_CREATOR,
            description=(
                f"Auto-update of instances launched during deployment {root_deployment_id}"
            ),
        )
        self._deployments.record_auto_update(root_deployment_id, auto_update)
        return auto_update

    def _create(
        self,
        group: DeploymentGroup,
        revision: RevisionLocation,
        *,
        key: str,
        instances: Collection[str],
        creator: str,
        description: str,
    ) -> str:
        last = group.history.last_successful_deployment
        assert last is not None  # the revision was found from it
        request = CreateDeploymentRequest(
            # The application's name when its last good deployment was made (groups know their
            # application by id only).
            application_name=self._deployments.get(last.deployment_id).application_name,
            deployment_group_name=group.name,
            revision=revision,
            description=description,
        )
        return self._deployments.create(
            request, key=key, only_instances=frozenset(instances), creator=creator
        )
