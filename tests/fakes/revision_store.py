"""An in-memory ``RevisionStore`` with the DynamoDB store's semantics."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from rollwright.revision_listing import ListPosition, RevisionFilter, SortBy, after_position
from rollwright.revision_locations import RevisionLocation, revision_id
from rollwright.revisions import ApplicationRevision


class InMemoryRevisionStore:
    def __init__(self) -> None:
        self._revisions: dict[tuple[str, str], ApplicationRevision] = {}
        self._lock = threading.Lock()
        self.writes = 0

    def register(
        self,
        application_id: str,
        location: RevisionLocation,
        description: str | None,
        at: datetime,
    ) -> None:
        with self._lock:
            key = (application_id, revision_id(location))
            stored = self._revisions.get(key) or ApplicationRevision(application_id, location, at)
            if description is not None:
                stored = replace(stored, description=description)
            self._revisions[key] = replace(stored, location=location)
            self.writes += 1

    def record_use(
        self, application_id: str, location: RevisionLocation, deployment_group: str, at: datetime
    ) -> None:
        with self._lock:
            key = (application_id, revision_id(location))
            stored = self._revisions.get(key) or ApplicationRevision(application_id, location, at)
            self._revisions[key] = replace(
                stored,
                first_used_time=stored.first_used_time or at,
                last_used_time=at,
                deployment_groups=tuple(sorted({*stored.deployment_groups, deployment_group})),
            )
            self.writes += 1

    def find(self, application_id: str, revision: str) -> ApplicationRevision | None:
        return self._revisions.get((application_id, revision))

    def find_many(
        self, application_id: str, revision_ids: Sequence[str]
    ) -> dict[str, ApplicationRevision]:
        return {
            r: self._revisions[(application_id, r)]
            for r in revision_ids
            if (application_id, r) in self._revisions
        }

    def page_by_register_time(
        self,
        application_id: str,
        revision_filter: RevisionFilter,
        *,
        descending: bool,
        after: ListPosition | None,
        limit: int,
    ) -> list[ApplicationRevision]:
        by_position = {
            r.position(SortBy.REGISTER_TIME): r
            for r in self.all_matching(application_id, revision_filter)
        }
        positions = after_position(by_position, after, descending=descending)
        return [by_position[p] for p in positions[:limit]]

    def all_matching(
        self, application_id: str, revision_filter: RevisionFilter
    ) -> list[ApplicationRevision]:
        return [
            revision
            for (owner, _), revision in self._revisions.items()
            if owner == application_id
            and revision_filter.matches(revision.location, used=revision.used)
        ]

    def remove_all(self, application_id: str) -> None:
        with self._lock:
            for key in [key for key in self._revisions if key[0] == application_id]:
                del self._revisions[key]
            self.writes += 1

    def snapshot(self) -> dict[tuple[str, str], ApplicationRevision]:
        return dict(self._revisions)
