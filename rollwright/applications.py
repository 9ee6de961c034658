"""CodeDeploy applications: the value objects, their rules, and the operations on them.

Every input is validated before anything is written, so bad input changes nothing. Persistence is
behind ``ApplicationStore``; the store's writes are conditional, so two concurrent creates of one
name cannot both succeed and a rename cannot overwrite an existing application.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from rollwright.errors import (
    ApplicationAlreadyExistsException,
    ApplicationDoesNotExistException,
    ApplicationLimitExceededException,
    ApplicationNameRequiredException,
    BatchLimitExceededException,
    InvalidApplicationNameException,
    InvalidComputePlatformException,
    InvalidNextTokenException,
    InvalidTagsToAddException,
)

APPLICATION_NAME_MAX_LENGTH = 100
_APPLICATION_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]+")
BATCH_GET_LIMIT = 100
# CodeDeploy's quota of applications per account (and region).
APPLICATION_LIMIT = 1000
LIST_PAGE_SIZE = 100
# AWS's general tag limits; CodeDeploy documents no stricter ones.
MAX_TAGS = 50
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256
_RESERVED_TAG_PREFIX = "aws:"


class ComputePlatform(StrEnum):
    SERVER = "Server"
    LAMBDA = "Lambda"
    ECS = "ECS"


@dataclass(frozen=True)
class Tag:
    key: str
    value: str


@dataclass(frozen=True)
class Application:
    application_id: str
    name: str
    compute_platform: ComputePlatform
    create_time: datetime
    tags: tuple[Tag, ...] = ()
    linked_to_github: bool = False
    github_account_name: str | None = None

    def renamed(self, new_name: str) -> Application:
        return replace(self, name=new_name)


@dataclass(frozen=True)
class ApplicationPage:
    names: tuple[str, ...]
    next_token: str | None


class ApplicationStore(Protocol):
    """Persistence of applications, keyed by name."""

    def add(self, application: Application) -> None:
        """Store a new application; ApplicationAlreadyExistsException if the name is taken,
        ApplicationLimitExceededException if APPLICATION_LIMIT applications exist already."""

    def find(self, name: str) -> Application | None: ...

    def find_many(self, names: Sequence[str]) -> dict[str, Application]:
        """The applications among ``names`` (at most BATCH_GET_LIMIT, no repeats) that exist."""

    def names_after(self, after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` names in ascending order, all greater than ``after``."""

    def rename(self, application: Application, new_name: str) -> None:
        """Atomically move ``application`` to ``new_name``.

        ApplicationAlreadyExistsException if ``new_name`` is taken; ApplicationDoesNotExistException
        if ``application`` is no longer stored as it was read.
        """

    def remove(self, name: str) -> None:
        """Delete the application if it exists."""


# --- rules --------------------------------------------------------------------------------------


def valid_application_name(name: str | None) -> str:
    if name is None or name == "":
        raise ApplicationNameRequiredException("The application name is required.")
    if len(name) > APPLICATION_NAME_MAX_LENGTH:
        raise InvalidApplicationNameException(
            f"The application name is {len(name)} characters long; the limit is "
            f"{APPLICATION_NAME_MAX_LENGTH}."
        )
    if not _APPLICATION_NAME.fullmatch(name):
        raise InvalidApplicationNameException(
            f"The application name {name!r} is not valid: use only letters, digits and "
            "+ = , . @ _ -"
        )
    return name


def valid_compute_platform(value: str | None) -> ComputePlatform:
    if value is None:
        return ComputePlatform.SERVER
    try:
        return ComputePlatform(value)
    except ValueError:
        raise InvalidComputePlatformException(
            f"The compute platform {value!r} is not valid: use Server, Lambda or ECS."
        ) from None


def valid_tags(tags: Sequence[Tag]) -> tuple[Tag, ...]:
    if len(tags) > MAX_TAGS:
        raise InvalidTagsToAddException(f"At most {MAX_TAGS} tags are allowed, got {len(tags)}.")
    seen: set[str] = set()
    for tag in tags:
        if not 1 <= len(tag.key) <= TAG_KEY_MAX_LENGTH:
            raise InvalidTagsToAddException(
                f"A tag key must be 1 to {TAG_KEY_MAX_LENGTH} characters long."
            )
        if len(tag.value) > TAG_VALUE_MAX_LENGTH:
            raise InvalidTagsToAddException(
                f"The value of tag {tag.key!r} is longer than {TAG_VALUE_MAX_LENGTH} characters."
            )
        if tag.key.lower().startswith(_RESERVED_TAG_PREFIX):
            raise InvalidTagsToAddException(
                f"The tag key {tag.key!r} uses the reserved prefix 'aws:'."
            )
        if tag.key in seen:
            raise InvalidTagsToAddException(f"The tag key {tag.key!r} is given more than once.")
        seen.add(tag.key)
    return tuple(tags)


def valid_application_names(names: Sequence[str | None] | None) -> list[str]:
    """The names of a batch request, checked and without repeats, in the order given."""
    if not names:
        raise ApplicationNameRequiredException("At least one application name is required.")
    # Each name's length and pattern (the model's) before the batch limit (CodeDeploy's).
    checked = [valid_application_name(name) for name in names]
    if len(checked) > BATCH_GET_LIMIT:
        raise BatchLimitExceededException(
            f"At most {BATCH_GET_LIMIT} application names can be given, got {len(names)}."
        )
    return list(dict.fromkeys(checked))


def encode_next_token(last_name: str) -> str:
    """An opaque token for the page after ``last_name``: it names a key, not an offset, so
    applications created or deleted between pages neither repeat nor shift the listing."""
    document = json.dumps({"after": last_name}, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(document).decode("ascii")


def decode_next_token(token: str) -> str:
    invalid = InvalidNextTokenException("The next token is not valid.")
    try:
        document = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (UnicodeError, ValueError, binascii.Error):
        raise invalid from None
    after = document.get("after") if isinstance(document, dict) else None
    if not isinstance(after, str) or not _APPLICATION_NAME.fullmatch(after):
        raise invalid
    return after


def application_does_not_exist(name: str) -> ApplicationDoesNotExistException:
    return ApplicationDoesNotExistException(
        f"The application {name} does not exist with the user or AWS account."
    )


def application_limit_exceeded() -> ApplicationLimitExceededException:
    return ApplicationLimitExceededException(
        f"An account may have at most {APPLICATION_LIMIT} applications; delete one first."
    )


def application_already_exists(name: str) -> ApplicationAlreadyExistsException:
    return ApplicationAlreadyExistsException(
        f"The application {name} already exists with the user or AWS account."
    )


# --- operations ---------------------------------------------------------------------------------


class Applications:
    """The application operations of the CodeDeploy API, over a store."""

    def __init__(
        self,
        store: ApplicationStore,
        *,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
        page_size: int = LIST_PAGE_SIZE,
    ) -> None:
        self._store = store
        self._clock = clock
        self._new_id = new_id
        self._page_size = page_size

    def create(
        self, *, name: str, compute_platform: ComputePlatform, tags: Sequence[Tag] = ()
    ) -> Application:
        # Milliseconds: what the store keeps, so a read returns exactly what was created.
        now = self._clock()
        application = Application(
            application_id=self._new_id(),
            name=name,
            compute_platform=compute_platform,
            create_time=now.replace(microsecond=now.microsecond // 1000 * 1000),
            tags=tuple(tags),
        )
        self._store.add(application)
        return application

    def get(self, name: str) -> Application:
        application = self._store.find(name)
        if application is None:
            raise application_does_not_exist(name)
        return application

    def batch_get(self, names: Sequence[str]) -> list[Application]:
        """All of ``names``, in order; one missing name fails the call, as in CodeDeploy."""
        found = self._store.find_many(names)
        missing = [name for name in names if name not in found]
        if missing:
            raise application_does_not_exist(missing[0])
        return [found[name] for name in names]

    def page(self, next_token: str | None) -> ApplicationPage:
        after = None if next_token is None else decode_next_token(next_token)
        # One extra name tells whether another page exists, so the last page carries no token.
        names = self._store.names_after(after, self._page_size + 1)
        page = tuple(names[: self._page_size])
        has_more = len(names) > self._page_size
        return ApplicationPage(page, encode_next_token(page[-1]) if has_more else None)

    def rename(self, *, name: str, new_name: str) -> None:
        application = self.get(name)
        if new_name != name:
            self._store.rename(application, new_name)

    def delete(self, name: str) -> None:
        """Deleting an application that does not exist succeeds, as in CodeDeploy."""
        self._store.remove(name)
