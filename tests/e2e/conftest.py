"""The full devstack for end-to-end tests: the real template from cdk.out, on a free port."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import launcher
from devstack.state import DevstackState
from tests.e2e.workflow_histories import workflow_histories

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CDK_OUT = REPOSITORY_ROOT / "cdk.out"
# A free port can be taken by another process (another xdist worker's gateway, another test
# run) while the gateway imports moto: the devstack then starts on the spare gateway's port.
START_ATTEMPTS = 3


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test that used a devstack reports what its state machines did."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    devstack = getattr(item, "funcargs", {}).get("devstack")
    if report.when == "call" and report.failed and devstack is not None:
        try:
            report.sections.append(("workflow executions", workflow_histories(devstack)))
        except Exception as error:  # the devstack may be what failed
            report.sections.append(("workflow executions", f"not readable: {error!r}"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Gateways:
    """Gateways for the session's modules: the next one spawned ahead, the used ones stopped
    without waiting (the waiting is done once, at the end of the session)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._spare: launcher.SpawnedGateway | None = None
        self._stopping: list[Path] = []

    def take(self) -> launcher.SpawnedGateway:
        """The spare gateway (a new one if there is none), and a new spare for the next module:
        its moto imports (most of a devstack's start-up) overlap the current module's tests."""
        gateway = self._spare or self._spawn()
        self._spare = self._spawn()
        return gateway

    def release(self, state_dir: Path) -> None:
        launcher.stop(state_dir, wait=False)
        self._stopping.append(state_dir)

    def close(self) -> None:
        if self._spare is not None:
            self._stopping.append(self._spare.state_dir)
            self._spare = None
        for state_dir in self._stopping:
            launcher.stop(state_dir)

    def _spawn(self) -> launcher.SpawnedGateway:
        return launcher.spawn(self._tmp_path_factory.mktemp("devstack"), _free_port())


@pytest.fixture(scope="session")
def _gateways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Gateways]:
    gateways = _Gateways(tmp_path_factory)
    yield gateways
    gateways.close()


@pytest.fixture(scope="module")
def devstack(_gateways: _Gateways) -> Iterator[DevstackState]:
    """A running devstack with the Rollwright stack deployed; its state as state.json holds it.

    One per test module, so that no module sees another's deployments, hosts or function
    settings. Its gateway process was spawned while the previous module ran, and it is stopped
    without waiting, so a module pays for deploying the stack (a few seconds) and little else."""
    if not (CDK_OUT / "manifest.json").exists():
        subprocess.run([sys.executable, "app.py"], cwd=REPOSITORY_ROOT, check=True, timeout=600)
    for attempt in range(1, START_ATTEMPTS + 1):
        gateway = _gateways.take()
        try:
            state = launcher.start(gateway.state_dir, template_dir=CDK_OUT, spawned=gateway)
            break
        except launcher.PortTakenError:
            if attempt == START_ATTEMPTS:
                raise
    yield state
    _gateways.release(gateway.state_dir)
