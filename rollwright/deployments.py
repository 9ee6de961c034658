"""CodeDeploy deployments of Server (in-place) deployment groups: creating them, reading them back.

CreateDeployment resolves everything at creation: the group, the revision (the request's, or the
group's target revision), the deployment configuration, the targets (EC2 instances and Auto
Scaling members through a ``Fleet``, registered on-premises instances), then the rollout plan
(``deployment_plan``). The store writes the plan, the group's single active-deployment claim and
the request's idempotency record in one transaction, so a second deployment to a busy group is
refused by a DynamoDB condition (``DeploymentLimitExceededException``), never by a read. A plan
that can never begin (no instances) is written already Failed and starts no workflow.
The read operations are ``deployment_reads.DeploymentReads``, which ``Deployments`` extends.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from rollwright.account_region import AccountRegion
from rollwright.alarm_watch import watched_alarms
from rollwright.applications import Applications, ComputePlatform
from rollwright.blue_green import (
    BlueGreenFleets,
    InstanceLabel,
    blue_green_fleets,
    blue_green_options,
    rerouted,
)
from rollwright.blue_green_deployments import (
    BlueGreenDeployment,
    blue_green_choices,
    blue_green_deployment,
    blue_green_plan,
    blue_green_rollback,
    blue_green_targets,
)
from rollwright.blue_green_fleet import copy_name
from rollwright.deployment_configs import DeploymentConfigs, valid_deployment_config_name
from rollwright.deployment_group_history import LastDeployment
from rollwright.deployment_group_settings import (
    DeploymentGroupSettings,
    DeploymentType,
)
from rollwright.deployment_groups import DeploymentGroup, DeploymentGroups
from rollwright.deployment_plan import DeploymentSettings, HostLimits, plan_deployment
from rollwright.deployment_reads import DeploymentReads
from rollwright.deployment_records import (
    DeploymentChoices,
    DeploymentError,
    NewDeployment,
    RollbackInfo,
)
from rollwright.deployment_requests import (
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
    InvalidComputePlatformException,
    InvalidDeploymentConfigNameException,
    InvalidRevisionException,
    InvalidTargetInstancesException,
    RevisionRequiredException,
)
from rollwright.instance_history import order_history, up_to_date
from rollwright.on_premises_instances import InstanceQuery, OnPremisesInstance, OnPremisesInstances
from rollwright.on_premises_rules import RegistrationStatus
from rollwright.revision_locations import (
    RevisionLocation,
    describe,
    fits_compute_platform,
)
from rollwright.revisions import ApplicationRevisions
from rollwright.rollback import AUTO_SCALING_CREATOR, AUTO_SCALING_CREATORS, ROLLBACK_CREATOR
from rollwright.target_selection import Ec2Instance, select_targets
from rollwright.traffic_control import traffic_targets

if TYPE_CHECKING:
    from rollwright.ecs_deployments import EcsDeployments
    from rollwright.lambda_deployments import LambdaDeployments

USER_CREATOR = "user"

# Also used by the other deployment operations (StopDeployment).
__all__ = [
    "AUTO_SCALING_CREATOR",
    "Deployments",
    "deployment_does_not_exist",
    "valid_deployment_id",
]


class Deployments(DeploymentReads):
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
        wait_scale: float = 1.0,
        lambda_deployments: LambdaDeployments | None = None,
        ecs_deployments: EcsDeployments | None = None,
    ) -> None:
        super().__init__(
            store,
            groups=groups,
            account_region=account_region,
            lambda_deployments=lambda_deployments,
            ecs_deployments=ecs_deployments,
        )
        self._applications = applications
        self._configs = configs
        self._revisions = revisions
        self._on_premises = on_premises
        self._fleet = fleet
        self._workflows = workflows
        self._clock = clock
        self._new_id = new_id
        self._limits = host_limits or HostLimits()
        self._wait_scale = wait_scale  # the stack's WAIT_SCALE, for blue/green waits

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
        blue_green = self._blue_green(group, request, rollback_of)
        targets = (
            blue_green_targets(blue_green)
            if blue_green is not None
            else select_targets(
                group.settings,
                ec2_instances=self._ec2_candidates(group.settings),
                on_premises_instances=self._on_premises_candidates(group.settings),
            )
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
        if blue_green is not None:
            plan = blue_green_plan(plan, blue_green)
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
            blue_green=blue_green,
        )
        created = self._store.create(
            NewDeployment(
                plan, choices, key, ended, claims_group=creator not in AUTO_SCALING_CREATORS
            )
        )
        if not created.new:
            return self._resumed(created.deployment_id, group)
        self._revisions.record_use(application.name, revision, group.name, now)
        status = DeploymentStatus.FAILED if ended else DeploymentStatus.CREATED
        if creator not in AUTO_SCALING_CREATORS:
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

    def _blue_green(
        self, group: DeploymentGroup, request: CreateDeploymentRequest, rollback_of: str | None
    ) -> BlueGreenDeployment | None:
        """An EC2 blue/green deployment (None for an in-place group), checked in full
        (``blue_green_deployments``: its ``targetInstances``, the green and blue instances,
        their overlap); a rollback takes the fleets of the deployment it rolls back and deletes
        its Auto Scaling group copy, if it made one."""
        settings = group.settings
        if settings.deployment_style.deployment_type is not DeploymentType.BLUE_GREEN:
            return None
        if rollback_of is not None:
            rolled_back = self.get(rollback_of).choices.blue_green
            copied = rolled_back is not None and rolled_back.copy_source is not None
            return blue_green_rollback(
                blue_green_options(settings.blue_green_configuration),
                self._labelled_fleets(rollback_of),
                delete_copy=copy_name(group.name, rollback_of) if copied else None,
            )
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
        return blue_green_deployment(choices, wait_scale=self._wait_scale)

    def _labelled_fleets(self, deployment_id: str) -> BlueGreenFleets:
        """The instances of ``deployment_id`` that rerouting reached, by label: what its
        rollback moves back (none when it failed before rerouting: blue was never touched)."""
        labels: dict[InstanceLabel, list[str]] = {label: [] for label in InstanceLabel}
        after: str | None = None
        while True:
            page = self._store.targets_after(deployment_id, frozenset(), after, LIST_PAGE_SIZE)
            for target in page:
                label = target.instance_label
                started = {e.name for e in target.lifecycle_events if e.start_time is not None}
                if label is not None and rerouted(label, started):
                    labels[label].append(target.instance_name)
            if len(page) < LIST_PAGE_SIZE:
                return blue_green_fleets(labels[InstanceLabel.BLUE], labels[InstanceLabel.GREEN])
            after = page[-1].host_id

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

    def record_auto_update(self, root_deployment_id: str, auto_update_deployment_id: str) -> None:
        """Link an auto-update deployment and its root deployment (``relatedDeployments``)."""
        self._store.record_auto_update(root_deployment_id, auto_update_deployment_id)
