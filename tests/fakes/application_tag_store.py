"""An in-memory ``ApplicationTagStore`` over an application store's applications."""

from __future__ import annotations

from dataclasses import replace

from rollwright.applications import ApplicationStore, Tag
from rollwright.resource_tags import ApplicationTags, ApplicationTagsChanged


class InMemoryApplicationTagStore:
    def __init__(self, applications: ApplicationStore) -> None:
        self._applications = applications
        self.versions: dict[str, int] = {}

    def tags_of(self, application_name: str) -> ApplicationTags | None:
        application = self._applications.find(application_name)
        if application is None:
            return None
        return ApplicationTags(
            application.application_id,
            application.tags,
            self.versions.get(application.application_id, 0),
        )

    def replace_tags(
        self, application_name: str, current: ApplicationTags, tags: tuple[Tag, ...]
    ) -> None:
        stored = self.tags_of(application_name)
        if stored is None or stored.application_id != current.application_id:
            raise ApplicationTagsChanged()
        if stored.version != current.version:
            raise ApplicationTagsChanged()
        application = self._applications.find(application_name)
        assert application is not None
        self._applications.remove(application_name)
        self._applications.add(replace(application, tags=tags))
        self.versions[current.application_id] = current.version + 1
