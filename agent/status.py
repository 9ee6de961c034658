"""What the agent is doing, for ``rollwright-agent status``: a small JSON file the daemon rewrites
(atomically) when it starts, when a command or an event starts, when it goes idle or stops.

``status`` prints it and exits 0 when the daemon that wrote it is alive, 3 when no agent runs (the
LSB code for "program is not running", as ``systemctl status`` uses).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from agent.config import DEFAULT_CONFIG_FILE, AgentConfigError, read_agent_config

NOT_RUNNING = 3


class AgentState(StrEnum):
    STARTING = "starting"  # recovering commands a previous run left in flight
    IDLE = "idle"  # long-polling the host queue
    RUNNING = "running"  # running a command
    STOPPING = "stopping"  # warm shutdown: finishing the running event


@dataclass(frozen=True)
class AgentStatus:
    pid: int
    state: AgentState
    since: float  # epoch seconds
    host_id: str = ""
    command_id: str = ""
    deployment_id: str = ""
    lifecycle_event: str = ""


class StatusFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, status: AgentStatus) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".status-")
        with os.fdopen(descriptor, "w") as output:
            json.dump(asdict(status), output)
        os.replace(temporary, self.path)

    def read(self) -> AgentStatus | None:
        try:
            document = json.loads(self.path.read_text())
            return AgentStatus(
                pid=int(document["pid"]),
                state=AgentState(document["state"]),
                since=float(document["since"]),
                host_id=str(document.get("host_id", "")),
                command_id=str(document.get("command_id", "")),
                deployment_id=str(document.get("deployment_id", "")),
                lifecycle_event=str(document.get("lifecycle_event", "")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_FILE, help="agent config")
    parser.add_argument(
        "--status-file", type=Path, help="the daemon's status file (default: from the config)"
    )


def run(arguments: argparse.Namespace) -> int:
    path: Path | None = arguments.status_file
    if path is None:
        try:
            path = read_agent_config(arguments.config).status_file
        except AgentConfigError as error:
            print(f"rollwright-agent: {error}")
            return NOT_RUNNING
    status = StatusFile(path).read()
    if status is None or not is_alive(status.pid):
        print("rollwright-agent is not running")
        return NOT_RUNNING
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status.since))
    print(f"rollwright-agent is {status.state} since {since}")
    print(f"  pid {status.pid}, host {status.host_id}")
    if status.command_id:
        print(f"  command {status.command_id} of deployment {status.deployment_id}")
    if status.lifecycle_event:
        print(f"  lifecycle event {status.lifecycle_event}")
    return 0
