"""CodeDeploy deployment configurations: the values, their store, and the operations on them.

A configuration says how fast a deployment goes: ``minimumHealthyHosts`` (and optionally
``zonalConfig``) for the Server platform, ``trafficRoutingConfig`` for Lambda and ECS. The
predefined ``CodeDeployDefault.*`` configurations live in code (``predefined_deployment_configs``)
and are never stored; custom ones are stored, at most ``CUSTOM_CONFIG_LIMIT`` per account. A custom
configuration that a deployment group uses cannot be deleted: the store counts its users in the
same transaction that writes the group, so the check and the delete cannot race.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from rollwright.applications import ComputePlatform, decode_next_token, encode_next_token
from rollwright.errors import (
    DeploymentConfigAlreadyExistsException,
    DeploymentConfigDoesNotExistException,
    DeploymentConfigNameRequiredException,
    InvalidDeploymentConfigNameException,
    InvalidOperationException,
)

DEPLOYMENT_CONFIG_NAME_MAX_LENGTH = 100
_DEPLOYMENT_CONFIG_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]+")
PREDEFINED_PREFIX = "CodeDeployDefault."
# UG:limits: custom deployment configurations per account.
CUSTOM_CONFIG_LIMIT = 200
LIST_PAGE_SIZE = 100


class MinimumHealthyHostsType(StrEnum):
    HOST_COUNT = "HOST_COUNT"
    FLEET_PERCENT = "FLEET_PERCENT"
    # Only CodeDeployDefault.OneAtATime reports it; users cannot set it (botocore's doc).
    MOST_CONCURRENCY = "MOST_CONCURRENCY"


@dataclass(frozen=True)
class MinimumHealthyHosts:
    type: MinimumHealthyHostsType
    value: int


class TrafficRoutingType(StrEnum):
    TIME_BASED_CANARY = "TimeBasedCanary"
    TIME_BASED_LINEAR = "TimeBasedLinear"
    ALL_AT_ONCE = "AllAtOnce"


@dataclass(frozen=True)
class TrafficShift:
    """A canary's first increment, or each increment of a linear shift: percent, then wait."""

    percentage: int
    interval_minutes: int


@dataclass(frozen=True)
class TrafficRoutingConfig:
    type: TrafficRoutingType
    time_based_canary: TrafficShift | None = None
    time_based_linear: TrafficShift | None = None


@dataclass(frozen=True)
class ZonalConfig:
    first_zone_monitor_duration_seconds: int | None = None
    monitor_duration_seconds: int | None = None
    minimum_healthy_hosts_per_zone: MinimumHealthyHosts | None = None


@dataclass(frozen=True)
class DeploymentConfigDefinition:
    """What a user defines: checked by ``deployment_config_rules.valid_definition``."""

    compute_platform: ComputePlatform
    minimum_healthy_hosts: MinimumHealthyHosts | None = None
    traffic_routing_config: TrafficRoutingConfig | None = None
    zonal_config: ZonalConfig | None = None


@dataclass(frozen=True)
class DeploymentConfig:
    deployment_config_id: str
    name: str
    create_time: datetime
    definition: DeploymentConfigDefinition

    @property
    def compute_platform(self) -> ComputePlatform:
        return self.definition.compute_platform

    @property
    def predefined(self) -> bool:
        return is_predefined_name(self.name)


@dataclass(frozen=True)
class DeploymentConfigPage:
    names: tuple[str, ...]
    next_token: str | None


class DeploymentConfigStore(Protocol):
    """Persistence of custom deployment configurations, keyed by name."""

    def add(self, config: DeploymentConfig, *, limit: int) -> None:
        """Store a new configuration.

        DeploymentConfigAlreadyExistsException if the name is taken;
        DeploymentConfigLimitExceededException if ``limit`` custom configurations exist already.
        """

    def find(self, name: str) -> DeploymentConfig | None: ...

    def names_after(self, after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` custom configuration names in ascending order, all after ``after``."""

    def remove(self, name: str) -> None:
        """Delete the configuration if it exists; DeploymentConfigInUseException if a deployment
        group uses it (checked atomically with the delete)."""


# --- rules --------------------------------------------------------------------------------------


def is_predefined_name(name: str) -> bool:
    return name.startswith(PREDEFINED_PREFIX)


def valid_deployment_config_name(name: str | None) -> str:
    if name is None or name == "":
        raise DeploymentConfigNameRequiredException(
            "The deployment configuration name is required."
        )
    if len(name) > DEPLOYMENT_CONFIG_NAME_MAX_LENGTH:
        raise InvalidDeploymentConfigNameException(
            f"The deployment configuration name is {len(name)} characters long; the limit is "
            f"{DEPLOYMENT_CONFIG_NAME_MAX_LENGTH}."
        )
    if not _DEPLOYMENT_CONFIG_NAME.fullmatch(name):
        raise InvalidDeploymentConfigNameException(
            f"The deployment configuration name {name!r} is not valid: use only letters, digits "
            "and + = , . @ _ -"
        )
    return name


def valid_custom_deployment_config_name(name: str | None) -> str:
    checked = valid_deployment_config_name(name)
    if is_predefined_name(checked):
        raise InvalidDeploymentConfigNameException(
            f"The deployment configuration name {checked!r} is not valid: the prefix "
            f"{PREDEFINED_PREFIX!r} is reserved for predefined configurations."
        )
    return checked


def deployment_config_does_not_exist(name: str) -> DeploymentConfigDoesNotExistException:
    return DeploymentConfigDoesNotExistException(
        f"The deployment configuration {name} does not exist with the user or AWS account."
    )


def deployment_config_already_exists(name: str) -> DeploymentConfigAlreadyExistsException:
    return DeploymentConfigAlreadyExistsException(
        f"The deployment configuration {name} already exists with the user or AWS account."
    )


# --- operations ---------------------------------------------------------------------------------


class DeploymentConfigs:
    """The deployment configuration operations: predefined ones from code, custom ones stored."""

    def __init__(
        self,
        store: DeploymentConfigStore,
        predefined: dict[str, DeploymentConfig],
        *,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
        page_size: int = LIST_PAGE_SIZE,
    ) -> None:
        self._store = store
        self._predefined = predefined
        self._predefined_names = sorted(predefined)
        self._clock = clock
        self._new_id = new_id
        self._page_size = page_size

    def create(self, *, name: str, definition: DeploymentConfigDefinition) -> DeploymentConfig:
        # Milliseconds: what the store keeps, so a read returns exactly what was created.
        now = self._clock()
        config = DeploymentConfig(
            deployment_config_id=self._new_id(),
            name=name,
            create_time=now.replace(microsecond=now.microsecond // 1000 * 1000),
            definition=definition,
        )
        self._store.add(config, limit=CUSTOM_CONFIG_LIMIT)
        return config

    def find(self, name: str) -> DeploymentConfig | None:
        if is_predefined_name(name):
            return self._predefined.get(name)
        return self._store.find(name)

    def get(self, name: str) -> DeploymentConfig:
        config = self.find(name)
        if config is None:
            raise deployment_config_does_not_exist(name)
        return config

    def page(self, next_token: str | None) -> DeploymentConfigPage:
        """Predefined and custom names merged in name order, ``page_size`` at a time."""
        after = None if next_token is None else decode_next_token(next_token)
        wanted = self._page_size + 1
        predefined = [n for n in self._predefined_names if after is None or n > after][:wanted]
        names = sorted(predefined + self._store.names_after(after, wanted))[:wanted]
        page = tuple(names[: self._page_size])
        has_more = len(names) > self._page_size
        return DeploymentConfigPage(page, encode_next_token(page[-1]) if has_more else None)

    def delete(self, name: str) -> None:
        """Deleting a configuration that does not exist succeeds: the model's error list for
        DeleteDeploymentConfig has no DeploymentConfigDoesNotExistException."""
        if is_predefined_name(name):
            raise InvalidOperationException(
                f"The deployment configuration {name} is predefined and cannot be deleted."
            )
        self._store.remove(name)
