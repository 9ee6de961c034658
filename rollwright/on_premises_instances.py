"""On-premises instances: registering, deregistering, reading, listing and tagging them.

An instance's name, its IAM identity (user or session ARN) and its host id are each taken by at
most one instance: the store adds all three in one conditional write, so concurrent registrations
cannot share any of them. Deregistering keeps the instance (it still lists, with its deregister
time) and its name, removes its tags, and releases its IAM ARN for another instance. Tag changes
are read-modify-write on the instance's version, all instances of a call at once or none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from rollwright.account_region import AccountRegion
from rollwright.applications import Tag
from rollwright.errors import (
    InstanceNotRegisteredException,
    TagLimitExceededException,
    ThrottlingException,
)
from rollwright.host_ids import host_id_for_instance_name
from rollwright.next_tokens import decode_token, encode_token, invalid_next_token
from rollwright.on_premises_rules import (
    INSTANCE_NAME_MAX_LENGTH,
    MAX_TAGS_PER_INSTANCE,
    IamIdentity,
    RegistrationStatus,
    TagFilter,
)

LIST_PAGE_SIZE = 100
# Optimistic writes retried on a concurrent change before the caller is asked to retry.
_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class OnPremisesInstance:
    name: str
    identity: IamIdentity
    instance_arn: str
    host_id: str
    register_time: datetime
    deregister_time: datetime | None = None
    tags: tuple[Tag, ...] = ()
    version: int = 1  # grows with every change; conditional writes compare it

    @property
    def registered(self) -> bool:
        return self.deregister_time is None


@dataclass(frozen=True)
class InstanceQuery:
    """``ListOnPremisesInstances`` filters: a status (None: both) and tag filters (any matches)."""

    registration_status: RegistrationStatus | None = None
    tag_filters: tuple[TagFilter, ...] = ()

    def matches(self, instance: OnPremisesInstance) -> bool:
        if self.registration_status is RegistrationStatus.REGISTERED and not instance.registered:
            return False
        if self.registration_status is RegistrationStatus.DEREGISTERED and instance.registered:
            return False
        return not self.tag_filters or any(f.matches(instance.tags) for f in self.tag_filters)


@dataclass(frozen=True)
class InstancePage:
    names: tuple[str, ...]
    next_token: str | None


class OnPremisesInstanceStore(Protocol):
    """Persistence of on-premises instances, keyed by name."""

    def add(self, instance: OnPremisesInstance) -> None:
        """Store a new instance; InstanceNameAlreadyRegisteredException if its name or host id is
        taken, Iam{User,Session}ArnAlreadyRegisteredException if its IAM ARN is."""

    def find(self, name: str) -> OnPremisesInstance | None: ...

    def find_many(self, names: Sequence[str]) -> dict[str, OnPremisesInstance]: ...

    def deregister(self, instance: OnPremisesInstance, at: datetime) -> bool:
        """Mark ``instance`` deregistered at ``at``, drop its tags and release its IAM ARN, if it
        is still stored as read (its version); False if it changed meanwhile."""

    def replace_tags(self, instances: Sequence[OnPremisesInstance]) -> bool:
        """Store each instance's tags, all or none, if every one is still registered at the
        version it carries; False if any changed meanwhile."""

    def names_after(self, after: str | None, query: InstanceQuery, limit: int) -> list[str]:
        """Up to ``limit`` names of matching instances in ascending order, all after ``after``."""


def instance_not_registered(name: str) -> InstanceNotRegisteredException:
    return InstanceNotRegisteredException(f"The on-premises instance {name} is not registered.")


def added(tags: tuple[Tag, ...], additions: Sequence[Tag]) -> tuple[Tag, ...]:
    """``tags`` with ``additions``: a key already present takes the new value in place."""
    merged = {tag.key: tag.value for tag in tags}
    merged.update((tag.key, tag.value) for tag in additions)
    return tuple(Tag(key, value) for key, value in merged.items())


def removed(tags: tuple[Tag, ...], removals: Sequence[Tag]) -> tuple[Tag, ...]:
    """``tags`` without those a removal names: by key, and by value too when it has one."""

    def named(tag: Tag) -> bool:
        return any(r.key == tag.key and (r.value in ("", tag.value)) for r in removals)

    return tuple(tag for tag in tags if not named(tag))


class OnPremisesInstances:
    """The on-premises instance operations of the CodeDeploy API, over a store."""

    def __init__(
        self,
        store: OnPremisesInstanceStore,
        *,
        account_region: AccountRegion,
        clock: Callable[[], datetime],
        page_size: int = LIST_PAGE_SIZE,
    ) -> None:
        self._store = store
        self._account_region = account_region
        self._clock = clock
        self._page_size = page_size

    def register(self, name: str, identity: IamIdentity) -> OnPremisesInstance:
        instance = OnPremisesInstance(
            name=name,
            identity=identity,
            instance_arn=self._account_region.codedeploy_arn(f"instance/{name}"),
            host_id=host_id_for_instance_name(name),
            register_time=self._now(),
        )
        self._store.add(instance)
        return instance

    def deregister(self, name: str) -> None:
        """Deregistering an unknown or deregistered instance changes nothing and succeeds: the
        model lists no error for it."""
        for _ in range(_WRITE_ATTEMPTS):
            instance = self._store.find(name)
            if instance is None or not instance.registered:
                return
            if self._store.deregister(instance, self._now()):
                return
        raise _conflict()

    def get(self, name: str) -> OnPremisesInstance:
        instance = self._store.find(name)
        if instance is None:
            raise instance_not_registered(name)
        return instance

    def batch_get(self, names: Sequence[str]) -> list[OnPremisesInstance]:
        """The instances among ``names`` that exist, in order; unknown names are left out."""
        found = self._store.find_many(names)
        return [found[name] for name in names if name in found]

    def page(self, query: InstanceQuery, next_token: str | None) -> InstancePage:
        after = None if next_token is None else _decode_name(next_token)
        names = self._store.names_after(after, query, self._page_size + 1)
        page = tuple(names[: self._page_size])
        has_more = len(names) > self._page_size
        token = encode_token({"after": page[-1]}) if has_more else None
        return InstancePage(page, token)

    def add_tags(self, names: Sequence[str], tags: Sequence[Tag]) -> None:
        self._change_tags(names, lambda current: added(current, tags))

    def remove_tags(self, names: Sequence[str], tags: Sequence[Tag]) -> None:
        self._change_tags(names, lambda current: removed(current, tags))

    def _change_tags(
        self, names: Sequence[str], change: Callable[[tuple[Tag, ...]], tuple[Tag, ...]]
    ) -> None:
        for _ in range(_WRITE_ATTEMPTS):
            found = self._store.find_many(names)
            for name in names:
                if name not in found or not found[name].registered:
                    raise instance_not_registered(name)
            changed = [
                replace(found[name], tags=change(found[name].tags))
                for name in names
                if change(found[name].tags) != found[name].tags
            ]
            for instance in changed:
                if len(instance.tags) > MAX_TAGS_PER_INSTANCE:
                    raise TagLimitExceededException(
                        f"The on-premises instance {instance.name} would have "
                        f"{len(instance.tags)} tags; the limit is {MAX_TAGS_PER_INSTANCE}."
                    )
            if not changed or self._store.replace_tags(changed):
                return
        raise _conflict()

    def _now(self) -> datetime:
        now = self._clock()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _decode_name(token: str) -> str:
    after = decode_token(token).get("after")
    if not isinstance(after, str) or not 0 < len(after) <= INSTANCE_NAME_MAX_LENGTH:
        raise invalid_next_token()
    return after


def _conflict() -> ThrottlingException:
    return ThrottlingException("The instance changed concurrently; retry the request.")
