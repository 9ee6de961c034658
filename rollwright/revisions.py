"""Application revisions: registering, reading and listing them, and recording their use.

A revision belongs to an application *id*, not its name: renaming an application keeps its
revisions, and an application deleted and created again under the same name starts with none.
Every input is checked before anything is read or written. Registering a location that is already
registered keeps its times and deployment groups (and its description, unless a new one is given).
Deployments call ``record_use`` when they start; it registers the revision if needed, as
CodeDeploy does for a deployed revision, and is atomic per revision in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rollwright.applications import Application, Applications
from rollwright.errors import (
    ApplicationDoesNotExistException,
    BatchLimitExceededException,
    DescriptionTooLongException,
    InvalidRevisionException,
    RevisionDoesNotExistException,
    RevisionRequiredException,
)
from rollwright.revision_listing import (
    ListPosition,
    RevisionFilter,
    RevisionQuery,
    SortBy,
    after_position,
    decode_position,
    encode_position,
    epoch_milliseconds,
)
from rollwright.revision_locations import (
    RevisionLocation,
    describe,
    fits_compute_platform,
    listed,
    revision_id,
)

DESCRIPTION_MAX_LENGTH = 256
BATCH_GET_LIMIT = 25
LIST_PAGE_SIZE = 100


@dataclass(frozen=True)
class ApplicationRevision:
    application_id: str
    location: RevisionLocation
    register_time: datetime
    description: str | None = None
    first_used_time: datetime | None = None
    last_used_time: datetime | None = None
    deployment_groups: tuple[str, ...] = ()  # sorted, no repeats

    @property
    def revision_id(self) -> str:
        return revision_id(self.location)

    @property
    def used(self) -> bool:
        return self.first_used_time is not None

    def position(self, sort_by: SortBy) -> ListPosition:
        moment = {
            SortBy.REGISTER_TIME: self.register_time,
            SortBy.FIRST_USED_TIME: self.first_used_time,
            SortBy.LAST_USED_TIME: self.last_used_time,
        }[sort_by]
        return ListPosition(epoch_milliseconds(moment), self.revision_id)


@dataclass(frozen=True)
class RevisionBatch:
    revisions: tuple[ApplicationRevision, ...]
    missing: tuple[RevisionLocation, ...]


@dataclass(frozen=True)
class RevisionPage:
    locations: tuple[RevisionLocation, ...]
    next_token: str | None


class RevisionStore(Protocol):
    """Persistence of revisions, keyed by (application id, revision id)."""

    def register(
        self,
        application_id: str,
        location: RevisionLocation,
        description: str | None,
        at: datetime,
    ) -> None:
        """Store the revision registered ``at``, or, if stored, only set a given description."""

    def record_use(
        self, application_id: str, location: RevisionLocation, deployment_group: str, at: datetime
    ) -> None:
        """In one atomic write: register the revision at ``at`` if it is not, set its first use
        if it has none, its last use to ``at``, and add ``deployment_group`` to its groups."""

    def find(self, application_id: str, revision_id: str) -> ApplicationRevision | None: ...

    def find_many(
        self, application_id: str, revision_ids: Sequence[str]
    ) -> dict[str, ApplicationRevision]:
        """The revisions among ``revision_ids`` (at most BATCH_GET_LIMIT, no repeats) stored."""

    def page_by_register_time(
        self,
        application_id: str,
        revision_filter: RevisionFilter,
        *,
        descending: bool,
        after: ListPosition | None,
        limit: int,
    ) -> list[ApplicationRevision]:
        """Up to ``limit`` matching revisions in register-time order, strictly after ``after``;
        inline AppSpec content may be left out."""

    def all_matching(
        self, application_id: str, revision_filter: RevisionFilter
    ) -> list[ApplicationRevision]:
        """Every matching revision of the application, in any order; content may be left out."""

    def remove_all(self, application_id: str) -> None:
        """Delete every revision of the application."""


def valid_description(description: str | None) -> str | None:
    if description is not None and len(description) > DESCRIPTION_MAX_LENGTH:
        raise DescriptionTooLongException(
            f"The description is {len(description)} characters long; the limit is "
            f"{DESCRIPTION_MAX_LENGTH}."
        )
    return description


def valid_revision_batch(
    locations: Sequence[RevisionLocation] | None,
) -> list[RevisionLocation]:
    """The locations of a batch request, without repeats, in the order given."""
    if not locations:
        raise RevisionRequiredException("At least one revision is required.")
    if len(locations) > BATCH_GET_LIMIT:
        raise BatchLimitExceededException(
            f"At most {BATCH_GET_LIMIT} revisions can be given, got {len(locations)}."
        )
    unique: dict[str, RevisionLocation] = {}
    for location in locations:
        unique.setdefault(revision_id(location), location)
    return list(unique.values())


def revision_does_not_exist(
    application: str, location: RevisionLocation
) -> RevisionDoesNotExistException:
    return RevisionDoesNotExistException(
        f"The revision {describe(location)} is not registered with application {application}."
    )


class ApplicationRevisions:
    """The application revision operations of the CodeDeploy API, over a store."""

    def __init__(
        self,
        store: RevisionStore,
        applications: Applications,
        *,
        clock: Callable[[], datetime],
        page_size: int = LIST_PAGE_SIZE,
    ) -> None:
        self._store = store
        self._applications = applications
        self._clock = clock
        self._page_size = page_size

    def register(
        self, *, application_name: str, location: RevisionLocation, description: str | None
    ) -> None:
        application = self._applications.get(application_name)
        if not fits_compute_platform(location, application.compute_platform):
            raise InvalidRevisionException(
                f"The revision {describe(location)} cannot be deployed by application "
                f"{application.name}, whose compute platform is {application.compute_platform}."
            )
        self._store.register(application.application_id, location, description, self._now())

    def get(self, application_name: str, location: RevisionLocation) -> ApplicationRevision:
        application = self._applications.get(application_name)
        found = self._store.find(application.application_id, revision_id(location))
        if found is None:
            raise revision_does_not_exist(application.name, location)
        return found

    def batch_get(
        self, application_name: str, locations: Sequence[RevisionLocation]
    ) -> RevisionBatch:
        """The registered revisions among ``locations``, in order; the others are ``missing``."""
        application = self._applications.get(application_name)
        found = self._store.find_many(
            application.application_id, [revision_id(location) for location in locations]
        )
        return RevisionBatch(
            revisions=tuple(
                found[revision_id(loc)] for loc in locations if revision_id(loc) in found
            ),
            missing=tuple(loc for loc in locations if revision_id(loc) not in found),
        )

    def page(
        self, application_name: str, query: RevisionQuery, next_token: str | None
    ) -> RevisionPage:
        after = None if next_token is None else decode_position(query, next_token)
        application = self._applications.get(application_name)
        # One extra revision tells whether another page exists, so the last page has no token.
        revisions = self._ordered(application, query, after, self._page_size + 1)
        page = revisions[: self._page_size]
        has_more = len(revisions) > self._page_size
        token = encode_position(query, page[-1].position(query.ordered_by)) if has_more else None
        return RevisionPage(tuple(listed(revision.location) for revision in page), token)

    def record_use(
        self,
        application_name: str,
        location: RevisionLocation,
        deployment_group_name: str,
        at: datetime,
    ) -> None:
        """Mark ``location`` as deployed to ``deployment_group_name`` at ``at`` (a deployment's
        start): first use only once, last use every time, the group added to its groups."""
        application = self._applications.get(application_name)
        self._store.record_use(
            application.application_id, location, deployment_group_name, _milliseconds(at)
        )

    def forget_application(self, application_name: str) -> None:
        """Delete the revisions of an application about to be deleted (none if it is missing)."""
        try:
            application = self._applications.get(application_name)
        except ApplicationDoesNotExistException:
            return
        self._store.remove_all(application.application_id)

    def _ordered(
        self,
        application: Application,
        query: RevisionQuery,
        after: ListPosition | None,
        limit: int,
    ) -> list[ApplicationRevision]:
        if query.ordered_by is SortBy.REGISTER_TIME:
            return self._store.page_by_register_time(
                application.application_id,
                query.revision_filter,
                descending=query.descending,
                after=after,
                limit=limit,
            )
        # First/last use change with every deployment, so no stored key keeps them in order: the
        # application's revisions are read whole and ordered here (bound: docs/decisions).
        by_position = {
            revision.position(query.ordered_by): revision
            for revision in self._store.all_matching(
                application.application_id, query.revision_filter
            )
        }
        positions = after_position(by_position, after, descending=query.descending)
        return [by_position[position] for position in positions[:limit]]

    def _now(self) -> datetime:
        return _milliseconds(self._clock())


def _milliseconds(moment: datetime) -> datetime:
    # What the store keeps, so a read returns exactly what was written.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
