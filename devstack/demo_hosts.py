"""The demo's hosts: real agent processes (``python -m agent run --config …``), each an on-premises
server of the devstack with a directory of its own, as three machines would have.

A host's directory (``<hosts dir>/host-N``):

    agent.yml, on-premises.yml   the agent's config and identity file (the operator's keys, 0600)
    web.env                      the host's settings for the web app: ``PORT``
    agent.pid                    the agent process (the leader of its own process group)
    deployment-root/, logs/, status.json      the agent's (``logs/console.log``: its stderr)
    web/server.pid, web/version, web/started, web/server.log   written by the app's scripts

The agent's environment carries ``DEMO_HOST_DIR`` (the directory), which its hook scripts inherit,
the way a systemd unit's ``Environment=`` would give a real host its settings. Every process the
demo leaves behind is named by a pid file in a host directory, so ``stop_hosts`` (the demo's end,
and ``make down`` after an interrupted demo) finds and stops them all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from devstack.launcher import REPOSITORY_ROOT, process_alive
from devstack.state import DevstackState
from rollwright.host_ids import host_id_for_instance_name

HOST_DIR_ENVIRONMENT = "DEMO_HOST_DIR"
AGENT_PID_FILE = "agent.pid"
SERVER_PID_FILE = "web/server.pid"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
HTTP_TIMEOUT_SECONDS = 5.0
# What the agents change from the service defaults: a 10 s long poll (a stopping agent abandons
# it), hook output sent every second, a warm shutdown that waits at most 10 s for a running event.
AGENT_SETTINGS = {
    "poll_wait_seconds": 10,
    "log_flush_interval_seconds": 1.0,
    "shutdown_grace_seconds": 10.0,
}


class DemoHostError(Exception):
    """A demo host could not be set up or started."""


@dataclass(frozen=True)
class WebAnswer:
    """What a host's web server answered (status 0: it did not answer)."""

    status: int
    body: str

    @property
    def heading(self) -> str:
        """The page's ``<h1>``, else its first line, else why there was no answer."""
        start, end = self.body.find("<h1>"), self.body.find("</h1>")
        if start >= 0 and end > start:
            return self.body[start + 4 : end]
        return self.body.strip().splitlines()[0] if self.body.strip() else "(empty)"


@dataclass(frozen=True)
class DemoHost:
    name: str  # host-1: what the demo calls it
    instance_name: str  # its registered on-premises instance name
    directory: Path
    port: int

    @property
    def host_id(self) -> str:
        return host_id_for_instance_name(self.instance_name)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def agent_log(self) -> Path:
        return self.directory / "logs" / "rollwright-agent.log"

    def answer(self, path: str = "") -> WebAnswer:
        try:
            with urllib.request.urlopen(  # noqa: S310 - a local http URL
                self.url + path, timeout=HTTP_TIMEOUT_SECONDS
            ) as response:
                return WebAnswer(response.status, response.read().decode(errors="replace"))
        except urllib.error.HTTPError as error:
            return WebAnswer(error.code, error.read().decode(errors="replace"))
        except OSError as error:
            return WebAnswer(0, f"no answer ({getattr(error, 'reason', error)})")

    def started_version(self) -> str | None:
        """The version the app's last ApplicationStart started (``web/version``)."""
        version = self.directory / "web" / "version"
        return version.read_text().strip() if version.exists() else None

    def started_versions(self) -> list[str]:
        """Every version the app's ApplicationStart started on this host, in order."""
        started = self.directory / "web" / "started"
        return started.read_text().split() if started.exists() else []


def prepare_hosts(
    state: DevstackState, hosts_dir: Path, run_id: str, count: int = 3
) -> list[DemoHost]:
    """Fresh host directories (an earlier run's processes stopped, its files removed), each with
    a free port and the agent's config and identity files."""
    stop_hosts(hosts_dir)
    hosts: list[DemoHost] = []
    for number in range(1, count + 1):
        directory = (hosts_dir / f"host-{number}").resolve()
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        host = DemoHost(
            name=f"host-{number}",
            instance_name=f"{run_id}-host-{number}",
            directory=directory,
            port=_free_port(),
        )
        (directory / "web.env").write_text(f"PORT={host.port}\n")
        _write_agent_files(state, host)
        hosts.append(host)
    return hosts


def _write_agent_files(state: DevstackState, host: DemoHost) -> None:
    identity = host.directory / "on-premises.yml"
    identity.touch(mode=0o600)
    identity.write_text(
        yaml.safe_dump(
            {
                "region": state.region,
                "instance_name": host.instance_name,
                # An on-premises server's own IAM identity: here the devstack's operator user.
                "credentials": {
                    "access_key_id": state.access_key_id,
                    "secret_access_key": state.secret_access_key,
                },
            },
            sort_keys=False,
        )
    )
    config = {
        "api_url": state.api_url,
        "host_role_arn": state.stack_outputs["HostRoleArn"],
        "log_group": state.stack_outputs["AgentLogGroupName"],
        "region": state.region,
        "aws_endpoint_url": state.aws_endpoint_url,
        "on_premises_identity_file": str(identity),
        "deployment_root": str(host.directory / "deployment-root"),
        "log_dir": str(host.directory / "logs"),
        "status_file": str(host.directory / "status.json"),
        **AGENT_SETTINGS,
    }
    (host.directory / "agent.yml").write_text(yaml.safe_dump(config, sort_keys=False))


class AgentProcesses:
    """The hosts' agents, one process (and process group) each, started by this process."""

    def __init__(self, hosts: Sequence[DemoHost]) -> None:
        self.hosts = list(hosts)
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        for host in self.hosts:
            (host.directory / "logs").mkdir(exist_ok=True)
            with (host.directory / "logs" / "console.log").open("ab") as console:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "agent",
                        "run",
                        "--config",
                        str(host.directory / "agent.yml"),
                    ],
                    cwd=REPOSITORY_ROOT,
                    env={**os.environ, HOST_DIR_ENVIRONMENT: str(host.directory)},
                    stdin=subprocess.DEVNULL,
                    stdout=console,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own group: stopping it reaches nothing else
                )
            self._processes[host.name] = process
            (host.directory / AGENT_PID_FILE).write_text(f"{process.pid}\n")
        for host in self.hosts:
            self._wait_until_polling(host)

    def pid(self, host: DemoHost) -> int:
        return self._processes[host.name].pid

    def stop(self) -> None:
        stop_hosts_of(self.hosts)
        for process in self._processes.values():
            process.wait(timeout=STOP_TIMEOUT_SECONDS)  # reaped: no zombie left behind

    def _wait_until_polling(self, host: DemoHost) -> None:
        process = self._processes[host.name]
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise DemoHostError(
                    f"the agent of {host.name} exited with {process.returncode}:\n"
                    + _tail(host.directory / "logs" / "console.log")
                )
            if _agent_state(host) == "idle":
                return
            time.sleep(0.1)
        raise DemoHostError(
            f"the agent of {host.name} did not start polling within {START_TIMEOUT_SECONDS:.0f}s; "
            f"see {host.agent_log}"
        )


def stop_hosts(hosts_dir: Path) -> int:
    """Stop every agent and web server recorded under ``hosts_dir``; how many were running."""
    if not hosts_dir.is_dir():
        return 0
    return stop_hosts_of(
        DemoHost(name=path.name, instance_name=path.name, directory=path.resolve(), port=0)
        for path in sorted(hosts_dir.glob("host-*"))
        if path.is_dir()
    )


def stop_hosts_of(hosts: Iterable[DemoHost]) -> int:
    """Agents first (no new hook starts a server), then the servers their hooks started."""
    hosts = list(hosts)
    stopped = 0
    for pid_file in [AGENT_PID_FILE, SERVER_PID_FILE]:
        for host in hosts:
            stopped += _stop_recorded(host.directory / pid_file, str(host.directory))
    return stopped


def _stop_recorded(pid_file: Path, marker: str) -> int:
    """Stop the process group a pid file names, if its command line names ``marker`` (a pid
    recorded by an earlier, interrupted run may belong to another process by now)."""
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return 0
    if not process_alive(pid) or marker not in _command_line(pid):
        pid_file.unlink(missing_ok=True)
        return 0
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sent)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline and process_alive(pid):
            time.sleep(0.05)
        if not process_alive(pid):
            break
    pid_file.unlink(missing_ok=True)
    return 1


def running_processes(directory: Path) -> list[str]:
    """The command lines of live processes that name ``directory`` (what must not be left)."""
    found: list[str] = []
    for entry in Path("/proc").iterdir():
        if (
            entry.name.isdigit()
            and int(entry.name) != os.getpid()
            and process_alive(int(entry.name))
        ):
            command = _command_line(int(entry.name))
            if str(directory) in command:
                found.append(f"{entry.name}: {command}")
    return found


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _agent_state(host: DemoHost) -> str:
    try:
        return str(json.loads((host.directory / "status.json").read_text()).get("state", ""))
    except (OSError, ValueError):
        return ""


def _tail(path: Path, lines: int = 10) -> str:
    try:
        return "\n".join(path.read_text().splitlines()[-lines:])
    except OSError:
        return f"({path} is missing)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
