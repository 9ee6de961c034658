"""An in-memory ``ApplicationStore`` with the same conditional semantics as the DynamoDB one."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from rollwright.applications import (
    APPLICATION_LIMIT,
    Application,
    application_already_exists,
    application_does_not_exist,
    application_limit_exceeded,
)


class InMemoryApplicationStore:
    def __init__(self, limit: int = APPLICATION_LIMIT) -> None:
        self._applications: dict[str, Application] = {}
        self._limit = limit
        self._lock = threading.Lock()
        self.writes = 0

    def add(self, application: Application) -> None:
        with self._lock:
            if application.name in self._applications:
                raise application_already_exists(application.name)
            if len(self._applications) >= self._limit:
                raise application_limit_exceeded()
            self._applications[application.name] = application
            self.writes += 1

    def find(self, name: str) -> Application | None:
        return self._applications.get(name)

    def find_many(self, names: Sequence[str]) -> dict[str, Application]:
        return {n: self._applications[n] for n in names if n in self._applications}

    def names_after(self, after: str | None, limit: int) -> list[str]:
        names = sorted(n for n in self._applications if after is None or n > after)
        return names[:limit]

    def rename(self, application: Application, new_name: str) -> None:
        with self._lock:
            if self._applications.get(application.name) != application:
                raise application_does_not_exist(application.name)
            if new_name in self._applications:
                raise application_already_exists(new_name)
            del self._applications[application.name]
            self._applications[new_name] = application.renamed(new_name)
            self.writes += 1

    def remove(self, name: str) -> None:
        with self._lock:
            self._applications.pop(name, None)
            self.writes += 1

    def snapshot(self) -> dict[str, Application]:
        return dict(self._applications)
