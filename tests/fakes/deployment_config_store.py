"""An in-memory ``DeploymentConfigStore`` with the DynamoDB one's counting semantics."""

from __future__ import annotations

import threading

from rollwright.deployment_configs import DeploymentConfig, deployment_config_already_exists
from rollwright.errors import DeploymentConfigInUseException, DeploymentConfigLimitExceededException


class InMemoryDeploymentConfigStore:
    def __init__(self) -> None:
        self.configs: dict[str, DeploymentConfig] = {}
        self.use_counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def add(self, config: DeploymentConfig, *, limit: int) -> None:
        with self.lock:
            if config.name in self.configs:
                raise deployment_config_already_exists(config.name)
            if len(self.configs) >= limit:
                raise DeploymentConfigLimitExceededException("limit")
            self.configs[config.name] = config
            self.use_counts[config.name] = 0

    def find(self, name: str) -> DeploymentConfig | None:
        return self.configs.get(name)

    def names_after(self, after: str | None, limit: int) -> list[str]:
        return sorted(n for n in self.configs if after is None or n > after)[:limit]

    def remove(self, name: str) -> None:
        with self.lock:
            if self.use_counts.get(name, 0) > 0:
                raise DeploymentConfigInUseException(f"{name} is in use")
            self.configs.pop(name, None)
            self.use_counts.pop(name, None)
