"""CodeDeploy deployments of Server (in-place) deployment groups: creating them, reading them back.

CreateDeployment resolves everything at creation: the group, the revision (the request's, or the
group's target revision), the deployment configuration, the targets (EC2 instances and Auto
Scaling members through a ``Fleet``, registered on-premises instances), then the rollout plan
(``deployment_plan``). The store writes the plan, the group's single active-deployment claim and
the request's idempotency record in one transaction, so a second deployment to a busy group is
refused by a DynamoDB condition (``DeploymentLimitExceededException``), never by a read. A plan
that can never begin (no instances) is written already Failed and starts no workflow.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from rollwright.account_region import AccountRegion
from rollwright.alarm_watch import watched_alarms
from rollwright.applications import Applications, ComputePlatform
from rollwright.blue_green_deployments import blue_green_choices
from rollwright.deployment_configs import DeploymentConfigs, valid_deployment_config_name
from rollwright.deployment_group_history import LastDeployment
from rollwright.deployment_group_settings import (
    DeploymentGroupSettings,
    DeploymentType,
)
from rollwright.deployment_groups import DeploymentGroup, DeploymentGroups
from rollwright.deployment_plan import DeploymentSettings, HostLimits, plan_deployment
from rollwright.deployment_records import (
    DeploymentChoices,
    DeploymentError,
    DeploymentQuery,
    NewDeployment,
    Page,
    RollbackInfo,
    StoredDeployment,
    StoredTarget,
)
from rollwright.deployment_requests import (
    BATCH_GET_LIMIT,
    LIST_PAGE_SIZE,
    CreateDeploymentRequest,
    DeploymentStore,
    Fleet,
    Workflows,
    agent_revision,
    deployment_does_not_exist,
    valid_deployment_id,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import (
    BatchLimitExceededException,
    DeploymentNotStartedException,
    DeploymentTargetDoesNotExistException,
    InvalidComputePlatformException,
    InvalidDeploymentConfigNameException,
    InvalidDeploymentTargetIdException,
    InvalidInputException,
    InvalidRevisionException,
    InvalidTargetInstancesException,
    RevisionRequiredException,
)
from rollwright.host_ids import InvalidHostIdError, host_id_for_instance_name
from rollwright.instance_history import order_history, up_to_date
from rollwright.next_tokens import decode_token, encode_token, invalid_next_token
from rollwright.on_premises_instances import InstanceQuery, OnPremisesInstance, OnPremisesInstances
from rollwright.on_premises_rules import RegistrationStatus
from rollwright.revision_locations import (
    RevisionLocation,
    describe,
    fits_compute_platform,
)
from rollwright.revisions import ApplicationRevisions
from rollwright.rollback import AUTO_SCALING_CREATOR, ROLLBACK_CREATOR
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import Ec2Instance, TargetKind, select_targets
from rollwright.traffic_control import traffic_targets

if TYPE_CHECKING:
    from rollwright.ecs_deployments import EcsDeployments, EcsTarget
    from rollwright.lambda_deployments import LambdaDeployments, LambdaTarget

    TrafficTargets = list[LambdaTarget] | list[EcsTarget]

USER_CREATOR = "user"

# Also used by the other deployment operations (StopDeployment).
__all__ = [
    "AUTO_SCALING_CREATOR",
    "Deployments",
    "deployment_does_not_exist",
    "valid_deployment_id",
]


class Deployments:
    """The deployment operations of the CodeDeploy API."""

    def __init__(
        self,
        store: DeploymentStore,
        *,
        applications: Applications,
        groups: DeploymentGroups,
        configs: DeploymentConfigs,
        revisions: ApplicationRevisions,
        on_premises: OnPremisesInstances,
        fleet: Fleet,
        workflows: Workflows,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
        account_region: AccountRegion,
        host_limits: HostLimits | None = None,
        lambda_deployments: LambdaDeployments | None = None,
        ecs_deployments: EcsDeployments | None = None,
    ) -> None:
        self.lambda_deployments = lambda_deployments
        self.ecs_deployments = ecs_deployments
        self._account_region = account_region
        self._store = store
        self._applications = applications
        self._groups = groups
        self._configs = configs
        self._revisions = revisions
        self._on_premises = on_premises
        self._fleet = fleet
        self._workflows = workflows
        self._clock = clock
        self._new_id = new_id
        self._limits = host_limits or HostLimits()

    # --- CreateDeployment --------------------------------------------------------------------

    def create(
        self,
        request: CreateDeploymentRequest,
        *,
        key: str,
        rollback_of: str | None = None,
        only_instances: Collection[str] | None = None,
        creator: str | None = None,
    ) -> str:
        """Create and start the deployment; ``rollback_of`` names the deployment it rolls back
        (creator ``codeDeployRollback``; ``deployment_rollbacks``). ``key`` identifies the
        request: a retry with the same key answers the deployment it created.
        ``only_instances`` limits the targets to those instance ids and ``creator`` overrides
        the creator (``auto_scaling_deployments``): an ``autoscaling`` launch deployment does not
        take the group's active-deployment slot."""
        application = self._applications.get(request.application_name)
        group = self._groups.get(application.name, request.deployment_group_name)
        if group.compute_platform is ComputePlatform.LAMBDA and self.lambda_deployments:
            return self._create_lambda(request, group, key=key, rollback_of=rollback_of)
        if group.compute_platform is ComputePlatform.ECS and self.ecs_deployments:
            return self._create_lambda(
                request, group, key=key, rollback_of=rollback_of, platform=self.ecs_deployments
            )
        revision = self._checked_group_and_revision(group, request)
        config = self._configs.get(
            valid_deployment_config_name(
                request.deployment_config_name or group.settings.deployment_config_name
            )
        )
        if config.compute_platform is not ComputePlatform.SERVER or (
            config.definition.minimum_healthy_hosts is None
        ):
            raise InvalidDeploymentConfigNameException(
                f"The deployment configuration {config.name} is for the {config.compute_platform}"
                " compute platform; this deployment group's is Server."
            )
        if group.settings.deployment_style.deployment_type is DeploymentType.BLUE_GREEN:
            raise self._blue_green_refusal(group, request)
        targets = select_targets(
            group.settings,
            ec2_instances=self._ec2_candidates(group.settings),
            on_premises_instances=self._on_premises_candidates(group.settings),
        )
        if only_instances is not None:
            targets = tuple(t for t in targets if t.instance_name in only_instances)
        known = self._store.instance_records(group.deployment_group_id)
        up_to_date_ended = None
        if request.update_outdated_instances_only:
            outdated = tuple(t for t in targets if not up_to_date(known.get(t.host_id), revision))
            if targets and not outdated:
                up_to_date_ended = DeploymentError(
                    "NO_INSTANCES",
                    f"Every instance of deployment group {group.name} already runs revision "
                    f"{describe(revision)}; updateOutdatedInstancesOnly left none to deploy to.",
                )
            targets = outdated
        now = self._clock()
        settings = DeploymentSettings(
            deployment_id=self._new_id(),
            application_name=application.name,
            application_id=application.application_id,
            deployment_group_name=group.name,
            deployment_group_id=group.deployment_group_id,
            revision=agent_revision(revision),
            deployment_config_name=config.name,
            minimum_healthy_hosts=config.definition.minimum_healthy_hosts,
            file_exists_behavior=request.file_exists_behavior,
            ignore_application_stop_failures=request.ignore_application_stop_failures,
            creator=creator or (USER_CREATOR if rollback_of is None else ROLLBACK_CREATOR),
            description=request.description,
            limits=self._limits,
            load_balancers=traffic_targets(
                group.settings.deployment_style, group.settings.load_balancer_info
            ),
        )
        plan = plan_deployment(
            settings,
            targets,
            create_time=now.timestamp(),
            history=order_history(known, group.history.target_revision),
        )
        ended = up_to_date_ended
        if ended is None and plan.start_outcome is not None:
            code = plan.start_outcome.error_code
            ended = DeploymentError(
                code.value if code else "INTERNAL_ERROR", plan.start_outcome.message
            )
        choices = DeploymentChoices(
            compute_platform=ComputePlatform.SERVER,
            revision=revision,
            deployment_style=group.settings.deployment_style,
            update_outdated_instances_only=request.update_outdated_instances_only,
            auto_rollback_configuration=(
                request.auto_rollback_configuration or group.settings.auto_rollback_configuration
            ),
            override_alarm_configuration=request.override_alarm_configuration,
            alarm_configuration=watched_alarms(
                group.settings.alarm_configuration,
                request.override_alarm_configuration,
                is_rollback=rollback_of is not None,
            ),
            previous_revision=group.history.target_revision,
            rollback_triggering_deployment_id=rollback_of,
        )
        created = self._store.create(
            NewDeployment(plan, choices, key, ended, claims_group=creator != AUTO_SCALING_CREATOR)
        )
        if not created.new:
            return self._resumed(created.deployment_id, group)
        self._revisions.record_use(application.name, revision, group.name, now)
        status = DeploymentStatus.FAILED if ended else DeploymentStatus.CREATED
        if creator != AUTO_SCALING_CREATOR:
            # A launch deployment runs beside the group's deployments: it must not become the
            # group's last attempted one, or that one's end would read as stale.
            self._groups.record_deployment(
                group.deployment_group_id,
                LastDeployment(created.deployment_id, status, now, now if ended else None),
                revision,
            )
        if ended is None:
            self._start(created.deployment_id, group)
        return created.deployment_id

    def _create_lambda(
        self,
        request: CreateDeploymentRequest,
        group: DeploymentGroup,
        *,
        key: str,
        rollback_of: str | None,
        platform: LambdaDeployments | EcsDeployments | None = None,
    ) -> str:
        """A Lambda group's deployment (``lambda_deployments``), with the same bookkeeping; an
        ECS group's the same way (``platform``: ``ecs_deployments``)."""
        traffic = platform or self.lambda_deployments
        assert traffic is not None
        application = self._applications.get(request.application_name)
        config = self._configs.get(
            valid_deployment_config_name(
                request.deployment_config_name or group.settings.deployment_config_name
            )
        )
        now = self._clock()
        created = traffic.create(
            request,
            application=application,
            group=group,
            config=config,
            deployment_id=self._new_id(),
            key=key,
            now=now,
            creator=USER_CREATOR if rollback_of is None else ROLLBACK_CREATOR,
        )
        if created.new:
            revision = request.revision or group.history.target_revision
            assert revision is not None
            self._revisions.record_use(application.name, revision, group.name, now)
            status = DeploymentStatus.FAILED if created.ended else DeploymentStatus.CREATED
            self._groups.record_deployment(
                group.deployment_group_id,
                LastDeployment(created.deployment_id, status, now, now if created.ended else None),
                revision,
            )
        if not created.ended and (created.new or self._is_created(created.deployment_id)):
            traffic.start(created.deployment_id, group.deployment_group_id)
        return created.deployment_id

    def _is_created(self, deployment_id: str) -> bool:
        stored = self._store.find(deployment_id)
        return stored is not None and stored.status is DeploymentStatus.CREATED

    def _checked_group_and_revision(
        self, group: DeploymentGroup, request: CreateDeploymentRequest
    ) -> RevisionLocation:
        if group.compute_platform is not ComputePlatform.SERVER:
            raise InvalidComputePlatformException(
                f"Deployment group {group.name} is for the {group.compute_platform} compute "
                "platform; Rollwright deploys only to Server (EC2/on-premises) groups so far."
            )
        blue_green = group.settings.deployment_style.deployment_type is DeploymentType.BLUE_GREEN
        if request.target_instances_given and not blue_green:
            raise InvalidTargetInstancesException(
                "targetInstances is only for blue/green deployments; "
                f"deployment group {group.name} deploys in place."
            )
        revision = request.revision or group.history.target_revision
        if revision is None:
            raise RevisionRequiredException(
                f"A revision is required: deployment group {group.name} has no target revision."
            )
        if not fits_compute_platform(revision, ComputePlatform.SERVER):
            raise InvalidRevisionException(
                f"The revision {describe(revision)} cannot be deployed to a Server deployment "
                "group: use an S3 archive (tar, tgz or zip) or a GitHub commit."
            )
        return revision

    def _blue_green_refusal(
        self, group: DeploymentGroup, request: CreateDeploymentRequest
    ) -> InvalidInputException:
        """An EC2 blue/green deployment, checked in full (``blue_green_deployments``: its
        ``targetInstances``, the green and blue instances, the Auto Scaling group to copy), then
        refused: the Server workflow cannot run one yet, and a deployment created without a
        workflow would hold its group for nothing. Nothing is written."""
        settings = group.settings
        choices = blue_green_choices(
            settings,
            deployment_group_name=group.name,
            target_instances=request.target_instances,
            blue_candidates=self._ec2_candidates(settings),
            green_candidates=lambda green: self._fleet.ec2_instances(
                replace(
                    settings,
                    ec2_tag_filters=green.tag_filters,
                    ec2_tag_set=green.tag_set,
                    auto_scaling_groups=green.auto_scaling_groups,
                )
            ),
        )
        green = (
            f"a copy of Auto Scaling group {choices.copied_auto_scaling_group}"
            if choices.copied_auto_scaling_group
            else f"{len(choices.fleets.green)} replacement instance(s)"
        )
        return InvalidInputException(
            f"Deployment group {group.name} is blue/green: the request is valid ({green}, "
            f"{len(choices.fleets.blue)} original instance(s)), but Rollwright cannot run EC2 "
            "blue/green deployments yet; no deployment was created."
        )

    def _ec2_candidates(self, settings: DeploymentGroupSettings) -> list[Ec2Instance]:
        if not (settings.ec2_tag_filters or settings.ec2_tag_set or settings.auto_scaling_groups):
            return []
        return self._fleet.ec2_instances(settings)

    def _on_premises_candidates(
        self, settings: DeploymentGroupSettings
    ) -> list[OnPremisesInstance]:
        if not (settings.on_premises_tag_filters or settings.on_premises_tag_set):
            return []
        query = InstanceQuery(registration_status=RegistrationStatus.REGISTERED)
        found: list[OnPremisesInstance] = []
        token: str | None = None
        while True:
            page = self._on_premises.page(query, token)
            if page.names:
                found += self._on_premises.batch_get(page.names)
            if page.next_token is None:
                return found
            token = page.next_token

    def _start(self, deployment_id: str, group: DeploymentGroup) -> None:
        try:
            self._workflows.start_server(deployment_id)
        except Exception:
            # A deployment whose workflow never started must not hold its group forever.
            self._store.abandon(
                deployment_id,
                group.deployment_group_id,
                DeploymentError("INTERNAL_ERROR", "The deployment's workflow could not start."),
            )
            raise

    def _resumed(self, deployment_id: str, group: DeploymentGroup) -> str:
        """A retried request: start its workflow again if it may not have started (StartExecution
        with the same name and input is idempotent)."""
        stored = self._store.find(deployment_id)
        if stored is not None and stored.status is DeploymentStatus.CREATED:
            self._start(deployment_id, group)
        return deployment_id

    def record_rollback(self, deployment_id: str, info: RollbackInfo) -> bool:
        """Link a deployment that ended badly to its rollback (or say why there is none), once."""
        return self._store.record_rollback(deployment_id, info)

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
