"""Reading deployments back: GetDeployment, BatchGetDeployments, ListDeployments and the
deployment-target reads (ListDeploymentTargets, BatchGetDeploymentTargets, GetDeploymentTarget).

A Server deployment's targets are stored rows, paged by host id; a Lambda or ECS deployment's
single target is answered by its platform (``lambda_deployments``, ``ecs_deployments``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rollwright.account_region import AccountRegion
from rollwright.applications import ComputePlatform
from rollwright.deployment_groups import DeploymentGroups
from rollwright.deployment_records import DeploymentQuery, Page, StoredDeployment, StoredTarget
from rollwright.deployment_requests import (
    BATCH_GET_LIMIT,
    LIST_PAGE_SIZE,
    DeploymentStore,
    deployment_does_not_exist,
    valid_deployment_id,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import (
    BatchLimitExceededException,
    DeploymentNotStartedException,
    DeploymentTargetDoesNotExistException,
    InvalidDeploymentTargetIdException,
)
from rollwright.host_ids import InvalidHostIdError, host_id_for_instance_name
from rollwright.next_tokens import decode_token, encode_token, invalid_next_token
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import TargetKind

if TYPE_CHECKING:
    from rollwright.ecs_deployments import EcsDeployments, EcsTarget
    from rollwright.lambda_deployments import LambdaDeployments, LambdaTarget

    TrafficTargets = list[LambdaTarget] | list[EcsTarget]


class DeploymentReads:
    """The read operations on deployments and their targets (``Deployments`` extends it)."""

    def __init__(
        self,
        store: DeploymentStore,
        *,
        groups: DeploymentGroups,
        account_region: AccountRegion,
        lambda_deployments: LambdaDeployments | None = None,
        ecs_deployments: EcsDeployments | None = None,
    ) -> None:
        self.lambda_deployments = lambda_deployments
        self.ecs_deployments = ecs_deployments
        self._account_region = account_region
        self._store = store
        self._groups = groups

    # --- reading deployments -----------------------------------------------------------------

    def get(self, deployment_id: str) -> StoredDeployment:
        found = self._store.find(valid_deployment_id(deployment_id))
        if found is None:
            raise deployment_does_not_exist(deployment_id)
        return found

    def batch_get(self, deployment_ids: Sequence[str]) -> list[StoredDeployment]:
        """The deployments found, in the order asked; unknown ids are left out (CodeDeploy's
        BatchGetDeployments does not fail for them)."""
        if len(deployment_ids) > BATCH_GET_LIMIT:
            raise BatchLimitExceededException(
                f"At most {BATCH_GET_LIMIT} deployment IDs per call, got {len(deployment_ids)}."
            )
        ids = list(dict.fromkeys(valid_deployment_id(i) for i in deployment_ids))
        found = self._store.find_many(ids) if ids else {}
        return [found[i] for i in ids if i in found]

    def page(
        self,
        application_name: str | None,
        group_name: str | None,
        query: DeploymentQuery,
        next_token: str | None,
    ) -> Page:
        after = None if next_token is None else _position(next_token)
        if application_name is not None and group_name is not None:
            group = self._groups.get(application_name, group_name)
            query = DeploymentQuery(
                deployment_group_id=group.deployment_group_id,
                statuses=query.statuses,
                created_after=query.created_after,
                created_before=query.created_before,
                external_id=query.external_id,
            )
        found = self._store.deployments_after(query, after, LIST_PAGE_SIZE + 1)
        page = found[:LIST_PAGE_SIZE]
        token = encode_token({"after": page[-1][1]}) if len(found) > LIST_PAGE_SIZE else None
        return Page(tuple(deployment_id for deployment_id, _ in page), token)

    # --- reading targets ---------------------------------------------------------------------

    def targets_page(
        self, deployment_id: str, statuses: frozenset[InstanceStatus], next_token: str | None
    ) -> tuple[list[StoredTarget] | TrafficTargets, str | None]:
        deployment = self._started(deployment_id)
        if deployment.choices.compute_platform is ComputePlatform.ECS and self.ecs_deployments:
            if next_token is not None:
                raise invalid_next_token()
            return self.ecs_deployments.targets(deployment, statuses), None
        if deployment.choices.compute_platform is ComputePlatform.LAMBDA and (
            self.lambda_deployments
        ):
            if next_token is not None:
                raise invalid_next_token()
            return self.lambda_deployments.targets(deployment, statuses), None
        after = None if next_token is None else _position(next_token)
        found = self._store.targets_after(deployment_id, statuses, after, LIST_PAGE_SIZE + 1)
        page = found[:LIST_PAGE_SIZE]
        more = len(found) > LIST_PAGE_SIZE
        return page, encode_token({"after": page[-1].host_id}) if more else None

    def targets(
        self, deployment_id: str, target_ids: Sequence[str], *, must_have_started: bool = True
    ) -> list[StoredTarget] | TrafficTargets:
        """The targets named (instance ids or on-premises instance names), in the order asked;
        DeploymentTargetDoesNotExistException for the first one that is not a target."""
        deployment = self._started(deployment_id, required=must_have_started)
        if deployment.choices.compute_platform is ComputePlatform.ECS and self.ecs_deployments:
            return self.ecs_deployments.named_targets(deployment, list(target_ids))
        if deployment.choices.compute_platform is ComputePlatform.LAMBDA and (
            self.lambda_deployments
        ):
            return self.lambda_deployments.named_targets(deployment, list(target_ids))
        wanted = list(dict.fromkeys(target_ids))
        host_ids = {target_id: _host_id(target_id) for target_id in wanted}
        found = self._store.find_targets(deployment_id, list(dict.fromkeys(host_ids.values())))
        targets = []
        for target_id in wanted:
            target = found.get(host_ids[target_id])
            if target is None or target.instance_name != target_id:
                raise DeploymentTargetDoesNotExistException(
                    f"{target_id} is not a target of deployment {deployment_id}."
                )
            targets.append(target)
        return targets

    def target_arn(self, target: StoredTarget) -> str:
        if target.kind is TargetKind.EC2:
            region = self._account_region
            return (
                f"arn:{region.partition}:ec2:{region.region}:{region.account_id}:"
                f"instance/{target.instance_name}"
            )
        return self._account_region.codedeploy_arn(f"instance/{target.instance_name}")

    def _started(self, deployment_id: str, *, required: bool = True) -> StoredDeployment:
        deployment = self.get(deployment_id)
        if required and deployment.status is DeploymentStatus.CREATED:
            raise DeploymentNotStartedException(f"The deployment {deployment_id} has not started.")
        return deployment


def _position(token: str) -> str:
    after = decode_token(token).get("after")
    if not isinstance(after, str) or not after:
        raise invalid_next_token()
    return after


def _host_id(target_id: str) -> str:
    try:
        return host_id_for_instance_name(target_id)
    except InvalidHostIdError:
        raise InvalidDeploymentTargetIdException(
            f"The target ID {target_id!r} is not an instance ID or an instance name."
        ) from None
