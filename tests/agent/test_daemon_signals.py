"""SIGTERM and a second signal, sent to a real agent process (its AWS is moto, in that process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
AGENT_PROCESS = """
import json, os, sys
from pathlib import Path
from moto import mock_aws
from tests.agent.agent_api import agent_api
from tests.agent.test_daemon import HOST, Host

tmp = Path(sys.argv[1])
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
with mock_aws(), agent_api(HOST) as api:
    hook_body = "touch {marker}.started; sleep %s; echo ran >> {marker}\\n" % sys.argv[2]
    host = Host(tmp, api, hook_body=hook_body,
                sqs_calls=[])
    host.send()
    host.daemon.install_signal_handlers()
    status = host.daemon.run()
    (tmp / "reports.json").write_text(json.dumps(host.reports()))
sys.exit(status)
"""

pytestmark = pytest.mark.slow


def _start_agent(tmp_path: Path, *, hook_seconds: int = 2) -> subprocess.Popen[bytes]:
    """An agent process whose one hook takes ``hook_seconds``."""
    return subprocess.Popen(
        [sys.executable, "-c", AGENT_PROCESS, str(tmp_path), str(hook_seconds)],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )


def _wait_for(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_sigterm_mid_event_finishes_the_event_then_exits_cleanly(tmp_path):
    # Given an agent process running a hook that takes 2 s
    agent = _start_agent(tmp_path)
    _wait_for(tmp_path / "hook-ran.started")
    # When systemd stops it (SIGTERM)
    agent.send_signal(signal.SIGTERM)
    status = agent.wait(timeout=30)
    # Then the hook finished, its end was reported, and the agent exited 0
    assert status == 0
    assert (tmp_path / "hook-ran").read_text() == "ran\n"
    reports = json.loads((tmp_path / "reports.json").read_text())
    assert (reports[-1]["lifecycleEvent"], reports[-1]["outcome"]) == ("BeforeInstall", "Succeeded")


def test_a_second_signal_exits_at_once(tmp_path):
    # Given an agent in a warm shutdown, waiting for a hook that takes a minute
    agent = _start_agent(tmp_path, hook_seconds=60)
    _wait_for(tmp_path / "hook-ran.started")
    agent.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    # When a second signal comes
    agent.send_signal(signal.SIGTERM)
    # Then it exits with 1 without waiting for the hook (which has not ended), the event's end
    # unreported
    status = agent.wait(timeout=30)
    assert status == 1
    assert not (tmp_path / "hook-ran").exists()
    reports = json.loads((tmp_path / "reports.json").read_text())
    assert reports[-1]["outcome"] == "InProgress"
