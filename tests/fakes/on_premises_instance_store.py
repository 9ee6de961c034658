"""An in-memory ``OnPremisesInstanceStore`` with the DynamoDB store's claims and versions."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from rollwright.errors import (
    IamSessionArnAlreadyRegisteredException,
    IamUserArnAlreadyRegisteredException,
    InstanceNameAlreadyRegisteredException,
)
from rollwright.on_premises_instances import InstanceQuery, OnPremisesInstance
from rollwright.on_premises_rules import IamArnKind


class InMemoryOnPremisesInstanceStore:
    def __init__(self) -> None:
        self._instances: dict[str, OnPremisesInstance] = {}
        self._arn_claims: dict[str, str] = {}
        self._host_claims: dict[str, str] = {}
        self._lock = threading.Lock()
        self.writes = 0

    def add(self, instance: OnPremisesInstance) -> None:
        with self._lock:
            if instance.name in self._instances or instance.host_id in self._host_claims:
                raise InstanceNameAlreadyRegisteredException(instance.name)
            if instance.identity.arn in self._arn_claims:
                if instance.identity.kind is IamArnKind.USER:
                    raise IamUserArnAlreadyRegisteredException(instance.identity.arn)
                raise IamSessionArnAlreadyRegisteredException(instance.identity.arn)
            self._instances[instance.name] = instance
            self._arn_claims[instance.identity.arn] = instance.name
            self._host_claims[instance.host_id] = instance.name
            self.writes += 1

    def find(self, name: str) -> OnPremisesInstance | None:
        return self._instances.get(name)

    def find_many(self, names: Sequence[str]) -> dict[str, OnPremisesInstance]:
        return {n: self._instances[n] for n in names if n in self._instances}

    def deregister(self, instance: OnPremisesInstance, at: datetime) -> bool:
        with self._lock:
            stored = self._instances.get(instance.name)
            if stored is None or stored.version != instance.version or not stored.registered:
                return False
            self._instances[instance.name] = replace(
                stored, deregister_time=at, tags=(), version=stored.version + 1
            )
            if self._arn_claims.get(stored.identity.arn) == stored.name:
                del self._arn_claims[stored.identity.arn]
            self.writes += 1
            return True

    def replace_tags(self, instances: Sequence[OnPremisesInstance]) -> bool:
        with self._lock:
            for instance in instances:
                stored = self._instances.get(instance.name)
                if stored is None or stored.version != instance.version or not stored.registered:
                    return False
            for instance in instances:
                self._instances[instance.name] = replace(instance, version=instance.version + 1)
            self.writes += 1
            return True

    def names_after(self, after: str | None, query: InstanceQuery, limit: int) -> list[str]:
        names = sorted(
            name
            for name, instance in self._instances.items()
            if (after is None or name > after) and query.matches(instance)
        )
        return names[:limit]

    def snapshot(self) -> dict[str, OnPremisesInstance]:
        return dict(self._instances)
