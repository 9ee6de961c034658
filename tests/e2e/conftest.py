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

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CDK_OUT = REPOSITORY_ROOT / "cdk.out"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def devstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevstackState]:
    """A running devstack with the Rollwright stack deployed; its state as state.json holds it.

    One per test module: the devstack's memory grows with every deployment it runs (moto keeps
    what it is given: executions, messages, log events), and one devstack for the whole suite ran
    the machine out of memory. A fresh one takes a few seconds."""
    if not (CDK_OUT / "manifest.json").exists():
        subprocess.run([sys.executable, "app.py"], cwd=REPOSITORY_ROOT, check=True, timeout=600)
    state_dir = tmp_path_factory.mktemp("devstack")
    state = launcher.start(state_dir, _free_port(), template_dir=CDK_OUT)
    yield state
    launcher.stop(state_dir)
