"""An in-memory ``DeploymentGroupStore`` with the DynamoDB one's transactional semantics: the
configuration use counts, ECS service mappings and group counts change with the group, or not at
all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rollwright.deployment_configs import deployment_config_does_not_exist, is_predefined_name
from rollwright.deployment_groups import (
    DeploymentGroup,
    DeploymentGroupChanged,
    deployment_group_already_exists,
)
from rollwright.errors import (
    ApplicationDoesNotExistException,
    DeploymentGroupLimitExceededException,
    ECSServiceMappingLimitExceededException,
)
from tests.fakes.deployment_config_store import InMemoryDeploymentConfigStore


class InMemoryDeploymentGroupStore:
    def __init__(self, configs: InMemoryDeploymentConfigStore) -> None:
        self._configs = configs
        self.groups: dict[tuple[str, str], DeploymentGroup] = {}
        self.ecs_services: dict[str, str] = {}  # "<cluster>:<service>" -> deployment group id
        self.closed: set[str] = set()
        self.writes = 0

    def add(self, group: DeploymentGroup, *, limit: int) -> None:
        with self._configs.lock:
            key = (group.application_id, group.name)
            if key in self.groups:
                raise deployment_group_already_exists(group.name)
            if group.application_id in self.closed:
                raise ApplicationDoesNotExistException("The application is being deleted.")
            if sum(1 for app, _ in self.groups if app == group.application_id) >= limit:
                raise DeploymentGroupLimitExceededException("limit")
            self._check_config(group.settings.deployment_config_name)
            self._check_services(group, ())
            self._use(group.settings.deployment_config_name, 1)
            self._map(group, ())
            self.groups[key] = group
            self.writes += 1

    def find(self, application_id: str, name: str) -> DeploymentGroup | None:
        return self.groups.get((application_id, name))

    def find_by_id(self, deployment_group_id: str) -> DeploymentGroup | None:
        found = [g for g in self.groups.values() if g.deployment_group_id == deployment_group_id]
        return found[0] if found else None

    def find_many(self, application_id: str, names: Sequence[str]) -> dict[str, DeploymentGroup]:
        return {
            n: self.groups[(application_id, n)] for n in names if (application_id, n) in self.groups
        }

    def names_after(self, application_id: str, after: str | None, limit: int) -> list[str]:
        names = sorted(n for app, n in self.groups if app == application_id)
        return [n for n in names if after is None or n > after][:limit]

    def replace(self, current: DeploymentGroup, updated: DeploymentGroup) -> None:
        with self._configs.lock:
            key = (current.application_id, current.name)
            stored = self.groups.get(key)
            if stored is None or stored.version != current.version:
                raise DeploymentGroupChanged()
            new_key = (updated.application_id, updated.name)
            if new_key != key and new_key in self.groups:
                raise deployment_group_already_exists(updated.name)
            old_config = current.settings.deployment_config_name
            new_config = updated.settings.deployment_config_name
            if old_config != new_config:
                self._check_config(new_config)
            self._check_services(updated, current.settings.ecs_services)
            if old_config != new_config:
                self._use(old_config, -1)
                self._use(new_config, 1)
            self._unmap(current, updated.settings.ecs_services)
            self._map(updated, current.settings.ecs_services)
            del self.groups[key]
            self.groups[new_key] = replace(updated, version=current.version + 1)
            self.writes += 1

    def remove(self, group: DeploymentGroup) -> None:
        with self._configs.lock:
            key = (group.application_id, group.name)
            stored = self.groups.get(key)
            if stored is None or stored.version != group.version:
                raise DeploymentGroupChanged()
            self._use(group.settings.deployment_config_name, -1)
            self._unmap(group, ())
            del self.groups[key]
            self.writes += 1

    def close_application(self, application_id: str) -> None:
        self.closed.add(application_id)

    def _check_config(self, name: str) -> None:
        if not is_predefined_name(name) and name not in self._configs.configs:
            raise deployment_config_does_not_exist(name)

    def _use(self, name: str, change: int) -> None:
        if not is_predefined_name(name):
            self._configs.use_counts[name] += change

    def _check_services(self, group: DeploymentGroup, kept: Sequence[object]) -> None:
        for service in group.settings.ecs_services:
            owner = self.ecs_services.get(service.identifier)
            if service not in kept and owner is not None:
                raise ECSServiceMappingLimitExceededException(service.identifier)

    def _map(self, group: DeploymentGroup, kept: Sequence[object]) -> None:
        for service in group.settings.ecs_services:
            if service not in kept:
                self.ecs_services[service.identifier] = group.deployment_group_id

    def _unmap(self, group: DeploymentGroup, kept: Sequence[object]) -> None:
        for service in group.settings.ecs_services:
            if (
                service not in kept
                and self.ecs_services.get(service.identifier) == group.deployment_group_id
            ):
                del self.ecs_services[service.identifier]
