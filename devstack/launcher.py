"""Starts and stops a devstack: the gateway in the background, the stack, the operator identity."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from devstack.cdk_assembly import AssemblyNotFoundError
from devstack.settings import (
    ACCOUNT_ID,
    DEFAULT_PORT,
    INTERNAL_ACCESS_KEY_ID,
    INTERNAL_SECRET_ACCESS_KEY,
    LISTEN_HOST,
    OPERATOR_USER_NAME,
    REGION,
    STACK_NAME,
)
from devstack.state import DevstackState, read_state, state_file, write_state

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
PID_FILE_NAME = "gateway.pid"
LOG_FILE_NAME = "gateway.log"
# What the gateway's server logs when it cannot listen on its port (strerror of EADDRINUSE).
ADDRESS_IN_USE = "Address already in use"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
DEPLOY_TIMEOUT_SECONDS = 300.0
_started: dict[int, subprocess.Popen[bytes]] = {}


class DevstackError(Exception):
    """The devstack could not be started or reached."""


class PortTakenError(DevstackError):
    """Another process listened on the port first (a free port can be taken by anyone while the
    gateway imports moto): the gateway is stopped, and a new one on another port may be tried."""


@dataclass(frozen=True)
class SpawnedGateway:
    """A gateway process started (importing moto takes seconds) and not yet used."""

    state_dir: Path
    port: int
    process: subprocess.Popen[bytes]


def spawn(state_dir: Path, port: int = DEFAULT_PORT) -> SpawnedGateway:
    """Start a gateway process without waiting for it: `start(..., spawned=...)` uses it later.

    The e2e suite spawns the next module's devstack while the current module's tests run.
    """
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    return SpawnedGateway(state_dir, port, _spawn_gateway(state_dir, port))


def start(
    state_dir: Path,
    port: int = DEFAULT_PORT,
    template_dir: Path | None = REPOSITORY_ROOT / "cdk.out",
    *,
    stack_name: str = STACK_NAME,
    spawned: SpawnedGateway | None = None,
) -> DevstackState:
    """Start a devstack (or return the healthy one already there) and write its state.json.

    `template_dir=None` starts the gateway without deploying a stack. With `spawned`, its gateway
    (and its state directory and port) is used instead of a new one.
    """
    if spawned is not None:
        state_dir, port = spawned.state_dir, spawned.port
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    existing = read_state(state_dir)
    if existing is not None and is_healthy(existing.aws_endpoint_url):
        return existing
    if template_dir is not None and not (template_dir / "manifest.json").exists():
        raise AssemblyNotFoundError(
            f"{template_dir}/manifest.json not found: synthesize first (`python app.py` or "
            "`make synth`)"
        )
    endpoint = f"http://{LISTEN_HOST}:{port}"
    if spawned is None:
        if is_healthy(endpoint):
            raise DevstackError(f"another devstack already listens on {endpoint}")
        process = _spawn_gateway(state_dir, port)
    else:
        process = spawned.process
    try:
        _wait_until_healthy(endpoint, process, state_dir / LOG_FILE_NAME)
        deployed = _deploy(endpoint, template_dir, stack_name) if template_dir else {}
        access_key_id, secret_access_key = _create_operator(endpoint)
        _call(endpoint, "DELETE", "/_devstack/requests")
    except BaseException:
        _stop_process_group(process.pid)
        raise
    outputs: dict[str, str] = deployed.get("outputs", {})
    rest_apis: list[dict[str, str]] = deployed.get("rest_apis", [])
    state = DevstackState(
        api_url=outputs.get("ApiUrl") or (rest_apis[0]["url"] if rest_apis else ""),
        aws_endpoint_url=endpoint,
        region=REGION,
        account_id=ACCOUNT_ID,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        stack_name=stack_name,
        stack_outputs=outputs,
        pid=process.pid,
        port=port,
        state_dir=str(state_dir),
        rest_api_ids=[api["id"] for api in rest_apis],
    )
    write_state(state_dir, state)
    return state


def stop(state_dir: Path, *, wait: bool = True) -> bool:
    """Stop the gateway and every process it started; False when nothing was running.

    `wait=False` only asks (SIGTERM) and returns: the files stay, so a later `stop` of the same
    directory waits for the processes (and kills what is left).
    """
    state_dir = state_dir.resolve()
    pid_file = state_dir / PID_FILE_NAME
    pid = int(pid_file.read_text()) if pid_file.exists() else None
    if not wait:
        if pid is None or not process_alive(pid):
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        return True
    stopped = pid is not None and _stop_process_group(pid)
    pid_file.unlink(missing_ok=True)
    state_file(state_dir).unlink(missing_ok=True)
    return stopped


def status(state_dir: Path) -> DevstackState | None:
    """The state of a healthy devstack, or None when it is down."""
    state = read_state(state_dir.resolve())
    if state is None or not is_healthy(state.aws_endpoint_url):
        return None
    return state


def is_healthy(endpoint: str) -> bool:
    try:
        return bool(_call(endpoint, "GET", "/_devstack/health", timeout=2.0).get("status") == "ok")
    except (OSError, urllib.error.URLError, ValueError):
        return False


def process_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _spawn_gateway(state_dir: Path, port: int) -> subprocess.Popen[bytes]:
    with (state_dir / LOG_FILE_NAME).open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devstack",
                "--state-dir",
                str(state_dir),
                "serve",
                "--port",
                str(port),
            ],
            cwd=REPOSITORY_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: `down` stops the gateway and all its Lambda workers at once.
            start_new_session=True,
        )
    _started[process.pid] = process
    (state_dir / PID_FILE_NAME).write_text(f"{process.pid}\n")
    return process


def _wait_until_healthy(endpoint: str, process: subprocess.Popen[bytes], log_file: Path) -> None:
    """Until `process` answers on `endpoint`; PortTakenError when another process does, or when
    the gateway exited because the port was in use."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if ADDRESS_IN_USE in log_file.read_text(errors="replace"):
                raise PortTakenError(f"{endpoint}: the port was in use; see {log_file}")
            raise DevstackError(f"the gateway exited with {process.returncode}; see {log_file}")
        answering = _health_pid(endpoint)
        if answering == process.pid:
            return
        if answering is not None:
            raise PortTakenError(f"{endpoint} is another gateway's (pid {answering})")
        time.sleep(0.1)
    raise DevstackError(f"the gateway did not become healthy on {endpoint}")


def _health_pid(endpoint: str) -> int | None:
    """The pid of the healthy gateway on `endpoint`, None when none answers."""
    try:
        health = _call(endpoint, "GET", "/_devstack/health", timeout=2.0)
    except (OSError, urllib.error.URLError, ValueError):
        return None
    return int(health["pid"]) if health.get("status") == "ok" else None


def _deploy(endpoint: str, template_dir: Path, stack_name: str) -> dict[str, Any]:
    document = {"template_dir": str(template_dir.resolve()), "stack_name": stack_name}
    try:
        return _call(
            endpoint, "POST", "/_devstack/stacks", document, timeout=DEPLOY_TIMEOUT_SECONDS
        )
    except urllib.error.HTTPError as error:
        raise DevstackError(f"deploying {stack_name} failed: {error.read().decode()}") from error


def _create_operator(endpoint: str) -> tuple[str, str]:
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=INTERNAL_ACCESS_KEY_ID,
        aws_secret_access_key=INTERNAL_SECRET_ACCESS_KEY,
    )
    try:
        iam.create_user(UserName=OPERATOR_USER_NAME)
        # moto does not load AWS managed policies by default; an inline policy says the same.
        iam.put_user_policy(
            UserName=OPERATOR_USER_NAME,
            PolicyName="operator",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    key = iam.create_access_key(UserName=OPERATOR_USER_NAME)["AccessKey"]
    return str(key["AccessKeyId"]), str(key["SecretAccessKey"])


def _call(
    endpoint: str,
    method: str,
    path: str,
    document: object | None = None,
    timeout: float = 10.0,
) -> dict[str, Any]:
    data = json.dumps(document).encode() if document is not None else None
    request = urllib.request.Request(  # noqa: S310 - the URL is the local gateway
        f"{endpoint}{path}", data=data, method=method
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        result: dict[str, Any] = json.loads(response.read() or b"{}")
        return result


def _stop_process_group(pid: int) -> bool:
    if not process_alive(pid):
        _reap(pid)
        return False
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sent)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline and _group_alive(pid):
            _reap(pid)
            time.sleep(0.1)
        if not _group_alive(pid):
            break
    _reap(pid)
    return True


def _group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process is still in the process group."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _reap(pid: int) -> None:
    """Collect the exit status of a gateway this process started, so it leaves no zombie."""
    process = _started.get(pid)
    if process is not None and process.poll() is not None:
        _started.pop(pid)
