"""CodeDeploy deployment groups: the group, its store, and the operations on it.

A group belongs to an application by the application's id, not its name, so renaming the
application moves nothing; answers carry the application's current name. Every input is checked
(``deployment_group_rules``) before anything is written. The store's writes are conditional and
transactional: a create or an update also counts the custom deployment configuration's users, maps
the ECS service to the group and counts the application's groups in the same transaction, so no
read-then-write decides who wins. An update or a delete that lost a race is decided again on the
fresh group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from rollwright.applications import Application, Applications, ComputePlatform, Tag
from rollwright.auto_scaling_hooks import (
    HookPlan,
    InstalledHooks,
    LifecycleHooks,
    install_all,
    plan_hooks,
    remove_all,
)
from rollwright.deployment_configs import DeploymentConfigs, valid_deployment_config_name
from rollwright.deployment_group_history import DeploymentGroupHistory, LastDeployment
from rollwright.deployment_group_rules import BLUE_GREEN_WITH_TRAFFIC_CONTROL, valid_settings
from rollwright.deployment_group_settings import (
    DeploymentGroupChanges,
    DeploymentGroupSettings,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
)
from rollwright.errors import (
    ApplicationDoesNotExistException,
    BatchLimitExceededException,
    DeploymentGroupAlreadyExistsException,
    DeploymentGroupDoesNotExistException,
    DeploymentGroupNameRequiredException,
    InvalidDeploymentConfigNameException,
    InvalidDeploymentGroupNameException,
    ThrottlingException,
)
from rollwright.next_tokens import decode_token, encode_token, invalid_next_token
from rollwright.predefined_deployment_configs import DEFAULT_FOR_PLATFORM
from rollwright.revision_locations import RevisionLocation

DEPLOYMENT_GROUP_NAME_MAX_LENGTH = 100
_DEPLOYMENT_GROUP_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]+")
# UG:limits: deployment groups per application.
DEPLOYMENT_GROUP_LIMIT = 1000
BATCH_GET_LIMIT = 100
LIST_PAGE_SIZE = 100
# An update that keeps losing races is answered as throttled, for the caller to retry later.
WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class DeploymentGroup:
    deployment_group_id: str
    application_id: str
    name: str
    compute_platform: ComputePlatform
    settings: DeploymentGroupSettings
    tags: tuple[Tag, ...] = ()
    history: DeploymentGroupHistory = field(default_factory=DeploymentGroupHistory)
    # The Auto Scaling lifecycle hooks installed for the group (``auto_scaling_hooks``).
    auto_scaling_hooks: tuple[InstalledHooks, ...] = ()
    # Bumped by the store on every write; writes are conditional on the version they read.
    version: int = 0


@dataclass(frozen=True)
class DeploymentGroupBatch:
    groups: tuple[DeploymentGroup, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class DeploymentGroupPage:
    names: tuple[str, ...]
    next_token: str | None


class DeploymentGroupChanged(Exception):  # noqa: N818 - a signal to re-read, not a failure
    """The stored group is no longer the version that was read."""


class DeploymentGroupStore(Protocol):
    """Persistence of deployment groups, keyed by application id and group name."""

    def add(self, group: DeploymentGroup, *, limit: int) -> None:
        """Store a new group, atomically with its custom configuration's use count, its ECS
        service mappings and the application's group count.

        DeploymentGroupAlreadyExistsException if the name is taken in the application;
        DeploymentGroupLimitExceededException if the application has ``limit`` groups;
        DeploymentConfigDoesNotExistException if its custom configuration is gone;
        ECSServiceMappingLimitExceededException if an ECS service belongs to another group;
        ApplicationDoesNotExistException if the application is being deleted.
        """

    def find(self, application_id: str, name: str) -> DeploymentGroup | None: ...

    def find_by_id(self, deployment_group_id: str) -> DeploymentGroup | None: ...

    def find_many(self, application_id: str, names: Sequence[str]) -> dict[str, DeploymentGroup]:
        """The groups among ``names`` (at most BATCH_GET_LIMIT, no repeats) that exist."""

    def names_after(self, application_id: str, after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` group names of the application in ascending order, after ``after``."""

    def replace(self, current: DeploymentGroup, updated: DeploymentGroup) -> None:
        """Write ``updated`` (maybe renamed) in place of ``current``, moving the configuration's
        use count and the ECS service mappings with it.

        DeploymentGroupChanged if the stored group is not ``current``'s version; the other
        exceptions as ``add``.
        """

    def remove(self, group: DeploymentGroup) -> None:
        """Delete the group, releasing its configuration use and ECS service mappings;
        DeploymentGroupChanged if the stored group is not ``group``'s version."""

    def close_application(self, application_id: str) -> None:
        """From now on ``add`` fails for the application: it is being deleted."""


# --- rules --------------------------------------------------------------------------------------


def valid_deployment_group_name(name: str | None) -> str:
    if name is None or name == "":
        raise DeploymentGroupNameRequiredException("The deployment group name is required.")
    if len(name) > DEPLOYMENT_GROUP_NAME_MAX_LENGTH:
        raise InvalidDeploymentGroupNameException(
            f"The deployment group name is {len(name)} characters long; the limit is "
            f"{DEPLOYMENT_GROUP_NAME_MAX_LENGTH}."
        )
    if not _DEPLOYMENT_GROUP_NAME.fullmatch(name):
        raise InvalidDeploymentGroupNameException(
            f"The deployment group name {name!r} is not valid: use only letters, digits and "
            "+ = , . @ _ -"
        )
    return name


def valid_deployment_group_names(names: Sequence[str | None] | None) -> list[str]:
    if not names:
        raise DeploymentGroupNameRequiredException(
            "At least one deployment group name is required."
        )
    # Each name's length and pattern (the model's) before the batch limit (CodeDeploy's).
    checked = [valid_deployment_group_name(name) for name in names]
    if len(checked) > BATCH_GET_LIMIT:
        raise BatchLimitExceededException(
            f"At most {BATCH_GET_LIMIT} deployment group names can be given, got {len(names)}."
        )
    return list(dict.fromkeys(checked))


def default_settings(platform: ComputePlatform, service_role_arn: str) -> DeploymentGroupSettings:
    """A new group's settings before its request's members: Lambda and ECS shift traffic."""
    style = (
        DeploymentStyle(DeploymentType.IN_PLACE, DeploymentOption.WITHOUT_TRAFFIC_CONTROL)
        if platform is ComputePlatform.SERVER
        else BLUE_GREEN_WITH_TRAFFIC_CONTROL
    )
    return DeploymentGroupSettings(
        deployment_config_name=DEFAULT_FOR_PLATFORM[platform],
        service_role_arn=service_role_arn,
        deployment_style=style,
    )


def deployment_group_does_not_exist(
    application_name: str, name: str
) -> DeploymentGroupDoesNotExistException:
    return DeploymentGroupDoesNotExistException(
        f"The deployment group {name} does not exist in application {application_name}."
    )


def deployment_group_already_exists(name: str) -> DeploymentGroupAlreadyExistsException:
    return DeploymentGroupAlreadyExistsException(
        f"The deployment group {name} already exists in its application."
    )


def encode_group_token(last_name: str) -> str:
    return encode_token({"after": last_name})


def decode_group_token(token: str) -> str:
    after = decode_token(token).get("after")
    if not isinstance(after, str) or not _DEPLOYMENT_GROUP_NAME.fullmatch(after):
        raise invalid_next_token()
    return after


# --- operations ---------------------------------------------------------------------------------


class DeploymentGroups:
    """The deployment group operations of the CodeDeploy API, over a store."""

    def __init__(
        self,
        store: DeploymentGroupStore,
        applications: Applications,
        configs: DeploymentConfigs,
        *,
        new_id: Callable[[], str],
        page_size: int = LIST_PAGE_SIZE,
        hooks: LifecycleHooks | None = None,
    ) -> None:
        # Without ``hooks`` (tests of other behaviours), Auto Scaling groups get no hooks.
        self._hooks = hooks
        self._store = store
        self._applications = applications
        self._configs = configs
        self._new_id = new_id
        self._page_size = page_size

    def create(
        self,
        *,
        application_name: str,
        name: str,
        service_role_arn: str,
        changes: DeploymentGroupChanges,
        tags: Sequence[Tag] = (),
    ) -> DeploymentGroup:
        application = self._applications.get(application_name)
        platform = application.compute_platform
        settings = changes.applied_to(default_settings(platform, service_role_arn))
        group = DeploymentGroup(
            deployment_group_id=self._new_id(),
            application_id=application.application_id,
            name=name,
            compute_platform=platform,
            settings=self._checked(platform, settings),
            tags=tuple(tags),
        )
        plan = self._hook_plan((), group)
        group = replace(group, auto_scaling_hooks=plan.kept)
        undo = self._install(plan, group)
        try:
            self._store.add(group, limit=DEPLOYMENT_GROUP_LIMIT)
        except Exception:
            undo()
            raise
        return group

    def get(self, application_name: str, name: str) -> DeploymentGroup:
        application = self._applications.get(application_name)
        return self._existing(application, name)

    def batch_get(self, application_name: str, names: Sequence[str]) -> DeploymentGroupBatch:
        """The groups found, in the order asked, and the names not found (CodeDeploy answers
        those in ``errorMessage`` rather than failing the call)."""
        application = self._applications.get(application_name)
        found = self._store.find_many(application.application_id, names)
        return DeploymentGroupBatch(
            groups=tuple(found[name] for name in names if name in found),
            missing=tuple(name for name in names if name not in found),
        )

    def page(self, application_name: str, next_token: str | None) -> DeploymentGroupPage:
        after = None if next_token is None else decode_group_token(next_token)
        application = self._applications.get(application_name)
        names = self._store.names_after(application.application_id, after, self._page_size + 1)
        page = tuple(names[: self._page_size])
        has_more = len(names) > self._page_size
        return DeploymentGroupPage(page, encode_group_token(page[-1]) if has_more else None)

    def update(
        self,
        *,
        application_name: str,
        name: str,
        new_name: str | None,
        changes: DeploymentGroupChanges,
    ) -> list[InstalledHooks]:
        """Update the group; the Auto Scaling hooks it no longer needs are removed after the
        write, and the ones that could not be are answered (``hooksNotCleanedUp``)."""
        application = self._applications.get(application_name)
        for _ in range(WRITE_ATTEMPTS):
            group = self._existing(application, name)
            settings = self._checked(group.compute_platform, changes.applied_to(group.settings))
            updated = replace(group, name=new_name or group.name, settings=settings)
            plan = self._hook_plan(group.auto_scaling_hooks, updated)
            updated = replace(updated, auto_scaling_hooks=plan.kept)
            undo = self._install(plan, group)
            try:
                self._store.replace(group, updated)
            except DeploymentGroupChanged:
                undo()
                continue
            except Exception:
                undo()
                raise
            return self._remove(plan.remove)
        raise _lost_races()

    def delete(self, application_name: str, name: str) -> list[InstalledHooks]:
        """Deleting a group (or an application) that does not exist succeeds: the model's error
        list for DeleteDeploymentGroup has neither DoesNotExist exception. Answers the group's
        Auto Scaling hooks that could not be removed (``hooksNotCleanedUp``)."""
        try:
            application = self._applications.get(application_name)
        except ApplicationDoesNotExistException:
            return []
        for _ in range(WRITE_ATTEMPTS):
            group = self._store.find(application.application_id, name)
            if group is None:
                return []
            try:
                self._store.remove(group)
            except DeploymentGroupChanged:
                continue
            return self._remove(group.auto_scaling_hooks)
        raise _lost_races()

    def by_id(self, deployment_group_id: str) -> DeploymentGroup | None:
        """The group with this id, if it still exists (Auto Scaling events name groups by id)."""
        return self._store.find_by_id(deployment_group_id)

    def delete_all_of_application(self, application_name: str) -> None:
        """Delete every group of the application, before the application itself is deleted.

        The application is closed first, so no group can be created while its groups are being
        deleted; a crash midway leaves the application closed and is finished by a retried
        DeleteApplication.
        """
        try:
            application = self._applications.get(application_name)
        except ApplicationDoesNotExistException:
            return
        self._store.close_application(application.application_id)
        while names := self._store.names_after(application.application_id, None, self._page_size):
            for name in names:
                self.delete(application_name, name)

    def retag(
        self,
        application_name: str,
        name: str,
        change: Callable[[tuple[Tag, ...]], tuple[Tag, ...]],
    ) -> None:
        """Replace the group's tags by ``change(tags)``, decided on the tags as stored."""
        application = self._applications.get(application_name)
        self._rewrite(application, name, lambda group: replace(group, tags=change(group.tags)))

    def record_deployment(
        self,
        deployment_group_id: str,
        deployment: LastDeployment,
        revision: RevisionLocation | None = None,
    ) -> None:
        """Record a deployment of the group (see ``DeploymentGroupHistory.with_deployment``)."""
        for _ in range(WRITE_ATTEMPTS):
            group = self._store.find_by_id(deployment_group_id)
            if group is None:
                raise DeploymentGroupDoesNotExistException(
                    f"The deployment group {deployment_group_id} does not exist."
                )
            history = group.history.with_deployment(deployment, revision)
            if history == group.history:
                return
            try:
                self._store.replace(group, replace(group, history=history))
                return
            except DeploymentGroupChanged:
                continue
        raise _lost_races()

    def _existing(self, application: Application, name: str) -> DeploymentGroup:
        group = self._store.find(application.application_id, name)
        if group is None:
            raise deployment_group_does_not_exist(application.name, name)
        return group

    def _rewrite(
        self,
        application: Application,
        name: str,
        updated: Callable[[DeploymentGroup], DeploymentGroup],
    ) -> None:
        for _ in range(WRITE_ATTEMPTS):
            group = self._existing(application, name)
            try:
                self._store.replace(group, updated(group))
                return
            except DeploymentGroupChanged:
                continue
        raise _lost_races()

    def _hook_plan(self, current: tuple[InstalledHooks, ...], group: DeploymentGroup) -> HookPlan:
        if self._hooks is None:
            return HookPlan(current, (), ())
        return plan_hooks(
            current, group.settings, deployment_group_name=group.name, new_id=self._new_id
        )

    def _install(self, plan: HookPlan, group: DeploymentGroup) -> Callable[[], None]:
        if self._hooks is None:
            return lambda: None
        return install_all(self._hooks, plan, deployment_group_id=group.deployment_group_id)

    def _remove(self, removed: Sequence[InstalledHooks]) -> list[InstalledHooks]:
        return [] if self._hooks is None else remove_all(self._hooks, removed)

    def _checked(
        self, platform: ComputePlatform, settings: DeploymentGroupSettings
    ) -> DeploymentGroupSettings:
        config = self._configs.get(valid_deployment_config_name(settings.deployment_config_name))
        if config.compute_platform is not platform:
            raise InvalidDeploymentConfigNameException(
                f"The deployment configuration {config.name} is for the {config.compute_platform} "
                f"compute platform; this deployment group's is {platform}."
            )
        return valid_settings(platform, settings)


def _lost_races() -> ThrottlingException:
    return ThrottlingException("The deployment group kept changing during the request; retry it.")
