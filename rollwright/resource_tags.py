"""TagResource, UntagResource and ListTagsForResource: tags of applications and deployment groups.

Resources are named by ARN: ``arn:<partition>:codedeploy:<region>:<account>:application:<name>``
and ``...:deploymentgroup:<application>/<group>``. The region and account are the installation's
(the api function's own, passed in as an ``AccountRegion``); an ARN of another region or account,
or of another resource type, is not supported here. Tag changes are decided on the tags as stored
and written conditionally, so concurrent changes are not lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rollwright.account_region import AccountRegion
from rollwright.applications import (
    Tag,
    application_does_not_exist,
    valid_application_name,
    valid_tags,
)
from rollwright.deployment_groups import DeploymentGroups, valid_deployment_group_name
from rollwright.errors import (
    ApplicationDoesNotExistException,
    ArnNotSupportedException,
    CodeDeployError,
    DeploymentGroupDoesNotExistException,
    InvalidArnException,
    InvalidTagsToAddException,
    ResourceArnRequiredException,
    TagRequiredException,
    ThrottlingException,
)

# The model's bound on a resource ARN (the Arn shape: 1 to 1011 characters).
ARN_MAX_LENGTH = 1011
# An update that keeps losing races is answered as throttled, for the caller to retry later.
WRITE_ATTEMPTS = 3
_ARN = re.compile(
    r"arn:(?P<partition>aws(-[a-z]+)*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>\d{12}|):(?P<resource>.+)"
)


@dataclass(frozen=True)
class ApplicationResource:
    application_name: str


@dataclass(frozen=True)
class DeploymentGroupResource:
    application_name: str
    deployment_group_name: str


TaggableResource = ApplicationResource | DeploymentGroupResource
TagChange = Callable[[tuple[Tag, ...]], tuple[Tag, ...]]


@dataclass(frozen=True)
class ApplicationTags:
    """An application's tags as stored, with what a conditional rewrite needs."""

    application_id: str
    tags: tuple[Tag, ...]
    version: int


class ApplicationTagsChanged(Exception):  # noqa: N818 - a signal to re-read, not a failure
    """The application's tags are no longer the version that was read."""


class ApplicationTagStore(Protocol):
    """The tags on application records."""

    def tags_of(self, application_name: str) -> ApplicationTags | None: ...

    def replace_tags(
        self, application_name: str, current: ApplicationTags, tags: tuple[Tag, ...]
    ) -> None:
        """Write ``tags``; ApplicationTagsChanged if the stored tags are not ``current``'s version
        or the application is not ``current``'s (deleted, renamed or re-created)."""


def valid_resource_arn(arn: str | None) -> str:
    """The model's constraints on ``ResourceArn``: required, 1 to ARN_MAX_LENGTH characters."""
    if not arn:
        raise ResourceArnRequiredException("The resource ARN is required.")
    if len(arn) > ARN_MAX_LENGTH:
        raise InvalidArnException(
            f"The resource ARN is {len(arn)} characters long; the limit is {ARN_MAX_LENGTH}."
        )
    return arn


def resource_of(arn: str | None, scope: AccountRegion) -> TaggableResource:
    """The resource ``arn`` names, by CodeDeploy's rules (after ``valid_resource_arn``)."""
    arn = valid_resource_arn(arn)
    match = _ARN.fullmatch(arn)
    if match is None:
        raise InvalidArnException(f"{arn!r} is not an ARN.")
    if match["service"] != "codedeploy":
        raise ArnNotSupportedException(f"{arn} is not a CodeDeploy resource.")
    if (match["partition"], match["region"], match["account"]) != (
        scope.partition,
        scope.region,
        scope.account_id,
    ):
        raise ArnNotSupportedException(
            f"{arn} is not in this installation's region and account "
            f"({scope.region}, {scope.account_id})."
        )
    kind, _, name = match["resource"].partition(":")
    try:
        if kind == "application":
            return ApplicationResource(valid_application_name(name))
        if kind == "deploymentgroup":
            application, slash, group = name.partition("/")
            if not slash:
                raise InvalidArnException(
                    f"{arn} names no deployment group: use deploymentgroup:<application>/<group>."
                )
            return DeploymentGroupResource(
                valid_application_name(application), valid_deployment_group_name(group)
            )
    except InvalidArnException:
        raise
    except CodeDeployError as error:
        raise InvalidArnException(f"{arn} is not valid: {error.message}") from None
    raise ArnNotSupportedException(
        f"{arn} is not supported: only applications and deployment groups take tags."
    )


def valid_tags_to_add(tags: Sequence[Tag] | None) -> tuple[Tag, ...]:
    if not tags:
        raise TagRequiredException("At least one tag is required.")
    return valid_tags(tags)


def valid_tag_keys(keys: Sequence[str] | None) -> tuple[str, ...]:
    if not keys:
        raise TagRequiredException("At least one tag key is required.")
    if any(key == "" for key in keys):
        raise InvalidTagsToAddException("A tag key cannot be empty.")
    return tuple(dict.fromkeys(keys))


def with_tags(current: tuple[Tag, ...], added: Sequence[Tag]) -> tuple[Tag, ...]:
    """``current`` with ``added`` set: a given key's value is replaced, new keys come last."""
    values = {tag.key: tag.value for tag in current}
    values.update({tag.key: tag.value for tag in added})
    # The merged set obeys the same limits as tags given at creation.
    return valid_tags([Tag(key, value) for key, value in values.items()])


def without_keys(current: tuple[Tag, ...], keys: Sequence[str]) -> tuple[Tag, ...]:
    removed = set(keys)
    return tuple(tag for tag in current if tag.key not in removed)


class ResourceTags:
    """The tagging operations over applications and deployment groups."""

    def __init__(
        self, scope: AccountRegion, application_tags: ApplicationTagStore, groups: DeploymentGroups
    ) -> None:
        self.scope = scope
        self._application_tags = application_tags
        self._groups = groups

    def tag(self, resource: TaggableResource, tags: tuple[Tag, ...]) -> None:
        self._change(resource, lambda current: with_tags(current, tags))

    def untag(self, resource: TaggableResource, keys: tuple[str, ...]) -> None:
        self._change(resource, lambda current: without_keys(current, keys))

    def list(self, resource: TaggableResource) -> tuple[Tag, ...]:
        """The resource's tags; none for a resource that does not exist, since the model's error
        list for ListTagsForResource has no DoesNotExist exception."""
        if isinstance(resource, ApplicationResource):
            stored = self._application_tags.tags_of(resource.application_name)
            return () if stored is None else stored.tags
        try:
            group = self._groups.get(resource.application_name, resource.deployment_group_name)
        except (ApplicationDoesNotExistException, DeploymentGroupDoesNotExistException):
            return ()
        return group.tags

    def _change(self, resource: TaggableResource, change: TagChange) -> None:
        if isinstance(resource, DeploymentGroupResource):
            self._groups.retag(resource.application_name, resource.deployment_group_name, change)
            return
        for _ in range(WRITE_ATTEMPTS):
            stored = self._application_tags.tags_of(resource.application_name)
            if stored is None:
                raise application_does_not_exist(resource.application_name)
            try:
                self._application_tags.replace_tags(
                    resource.application_name, stored, change(stored.tags)
                )
                return
            except ApplicationTagsChanged:
                continue
        raise ThrottlingException("The application's tags kept changing; retry the request.")
