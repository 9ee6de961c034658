"""The functions' host limits come from the stack's environment."""

from __future__ import annotations

import pytest

from functions.composition import host_limits_from_environment
from rollwright.deployment_plan import HostLimits


def test_host_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_START_SECONDS", "30")
    monkeypatch.setenv("HOST_HEARTBEAT_SECONDS", "40")
    monkeypatch.setenv("HOST_SWEEP_INTERVAL_SECONDS", "5")
    assert host_limits_from_environment() == HostLimits(30, 40, 5)


def test_missing_host_limits_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST_START_SECONDS", "HOST_HEARTBEAT_SECONDS", "HOST_SWEEP_INTERVAL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    assert host_limits_from_environment() == HostLimits()
