"""`make down` stops what an interrupted `make demo` left running, and only that."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]


def _sleeper(*arguments: str) -> subprocess.Popen[bytes]:
    """A process in a group of its own whose command line carries ``arguments``."""
    return subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", *arguments],
        start_new_session=True,
    )


def test_down_stops_the_recorded_demo_agents_and_servers_but_no_other_process(tmp_path) -> None:
    # Given demo hosts whose agent and web server pid files name processes still running
    host = tmp_path / "demo" / "host-1"
    (host / "web").mkdir(parents=True)
    agent = _sleeper("--config", str(host / "agent.yml"))
    server = _sleeper(str(host / "deployment-root" / "site"))
    (host / "agent.pid").write_text(f"{agent.pid}\n")
    (host / "web" / "server.pid").write_text(f"{server.pid}\n")
    # And a pid file naming a process that is not the host's (its pid was reused)
    stranger = _sleeper()
    other_host = tmp_path / "demo" / "host-2"
    other_host.mkdir()
    (other_host / "agent.pid").write_text(f"{stranger.pid}\n")
    try:
        # When the devstack is stopped
        down = subprocess.run(
            [sys.executable, "-m", "devstack", "--state-dir", str(tmp_path), "down"],
            cwd=REPOSITORY_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        # Then the host's agent and server are stopped, and the stranger runs on
        assert down.returncode == 0, down.stderr
        assert "stopped the demo's agents and web servers" in down.stdout
        assert agent.wait(timeout=10) is not None
        assert server.wait(timeout=10) is not None
        assert stranger.poll() is None
        assert not (host / "agent.pid").exists()
    finally:
        for process in (agent, server, stranger):
            process.kill()
            process.wait()
