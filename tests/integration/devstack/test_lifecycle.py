"""`up` is idempotent and `down` leaves no process behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from devstack import launcher
from devstack.launcher import process_alive
from tests.integration.devstack.conftest import free_port, zip_source

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]


def _cli(state_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack", "--state-dir", str(state_dir), *arguments],
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def _warm_a_worker(state: Any) -> None:
    client: Callable[[str], Any] = lambda service: boto3.client(  # noqa: E731
        service,
        endpoint_url=state.aws_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=state.access_key_id,
        aws_secret_access_key=state.secret_access_key,
    )
    role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client("lambda").create_function(
        FunctionName="warm",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": "def handler(e, c):\n    return 1\n"})},
    )
    client("lambda").invoke(FunctionName="warm")


def test_up_twice_reuses_the_running_devstack(tmp_path: Path) -> None:
    # Given a devstack started with `up` (no template)
    port = str(free_port())
    first = _cli(tmp_path, "up", "--port", port, "--no-template")
    try:
        state = json.loads((tmp_path / "state.json").read_text())

        # When `up` runs again
        second = _cli(tmp_path, "up", "--port", port, "--no-template")

        # Then it exits 0, printing the same endpoints, and the same gateway keeps running
        assert first.returncode == 0, first.stderr
        assert second.returncode == 0, second.stderr
        assert state["aws_endpoint_url"] in second.stdout
        assert json.loads((tmp_path / "state.json").read_text())["pid"] == state["pid"]
        assert _cli(tmp_path, "status").returncode == 0
    finally:
        _cli(tmp_path, "down")


def test_down_stops_the_gateway_and_its_lambda_workers(tmp_path: Path) -> None:
    # Given a running devstack with a warm Lambda worker
    state = launcher.start(tmp_path, free_port(), template_dir=None)
    _warm_a_worker(state)
    assert len(_group_members(state.pid)) >= 2

    # When `down` runs
    result = _cli(tmp_path, "down")

    # Then no process of the devstack is left and the pid file is gone
    assert result.returncode == 0
    assert not process_alive(state.pid)
    assert _group_members(state.pid) == []
    assert not (tmp_path / "gateway.pid").exists()
    assert _cli(tmp_path, "status").returncode != 0
    assert os.getpgid(0) != state.pid


def test_up_without_a_synthesized_template_says_so(tmp_path: Path) -> None:
    # Given no cdk.out
    # When `up` runs
    result = _cli(tmp_path, "up", "--port", str(free_port()), "--template-dir", str(tmp_path / "x"))

    # Then it fails with a clear message and starts nothing
    assert result.returncode == 1
    assert "synthesize" in result.stderr
    assert not (tmp_path / "gateway.pid").exists()
