"""Runs one lifecycle event's scripts, as CodeDeploy's hook executor does.

Which revision's scripts run: ApplicationStop, BeforeBlockTraffic and AfterBlockTraffic take the
last successful install's (unless this deployment's archive is already there); a blue/green
rollback takes Before/AfterBlockTraffic from the most recent install and ApplicationStop and
Before/AfterAllowTraffic from the last successful one; everything else the current revision.

Each script runs in its own session (so its own process group), with the agent's environment plus
CodeDeploy's deployment variables. On timeout the whole group gets SIGTERM, then SIGKILL. Output is
read until the script exits plus a short grace: a background child that keeps stdout open does not
hold the event (CodeDeploy's agent hangs there); its pipes are drained by a daemon thread, so the
child does not die of SIGPIPE either.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import selectors
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol

from agent.deployment import Deployment
from agent.deployment_root import DeploymentRoot, RevisionDirectory
from rollwright.agent_protocol import LOG_TAIL_LIMIT_BYTES, log_tail
from rollwright.appspec import HookScript, InvalidAppSpecError
from rollwright.lifecycle import LAST_SUCCESSFUL_INSTALL_EVENTS, LifecycleErrorCode, LifecycleEvent

KILL_GRACE_SECONDS = 5.0
OUTPUT_GRACE_SECONDS = 0.5
POLL_SECONDS = 0.05
LINE_LIMIT_BYTES = 64 * 1024  # a script printing without newlines still gets logged in pieces

_BLUE_GREEN_ROLLBACK_MOST_RECENT = frozenset(
    {LifecycleEvent.BEFORE_BLOCK_TRAFFIC, LifecycleEvent.AFTER_BLOCK_TRAFFIC}
)
_BLUE_GREEN_ROLLBACK_LAST_SUCCESSFUL = frozenset(
    {
        LifecycleEvent.APPLICATION_STOP,
        LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
        LifecycleEvent.AFTER_ALLOW_TRAFFIC,
    }
)


class OutputStream(StrEnum):
    STDOUT = "stdout"
    STDERR = "stderr"


@dataclass(frozen=True)
class HookOutputLine:
    deployment_id: str
    lifecycle_event: LifecycleEvent
    script: str
    stream: OutputStream
    text: str
    timestamp: float  # epoch seconds


class HookOutput(Protocol):
    """Where every line of hook output goes besides scripts.log (the daemon: CloudWatch Logs)."""

    def write(self, line: HookOutputLine) -> None: ...


@dataclass(frozen=True)
class EventResult:
    error_code: LifecycleErrorCode
    script_name: str = ""
    message: str = ""
    log_tail: str = ""

    @property
    def succeeded(self) -> bool:
        return self.error_code is LifecycleErrorCode.SUCCESS


class HookRunner:
    def __init__(
        self,
        root: DeploymentRoot,
        output: HookOutput,
        clock: Callable[[], float] = time.time,
        kill_grace_seconds: float = KILL_GRACE_SECONDS,
        output_grace_seconds: float = OUTPUT_GRACE_SECONDS,
    ) -> None:
        self._root = root
        self._output = output
        self._clock = clock
        self._kill_grace = kill_grace_seconds
        self._output_grace = output_grace_seconds

    def script_source(
        self, deployment: Deployment, event: LifecycleEvent
    ) -> RevisionDirectory | None:
        group = deployment.deployment_group_id
        current = self._root.revision_directory(group, deployment.deployment_id)
        if deployment.is_blue_green_rollback:
            if event in _BLUE_GREEN_ROLLBACK_MOST_RECENT:
                return self._root.most_recent_install(group)
            if event not in _BLUE_GREEN_ROLLBACK_LAST_SUCCESSFUL:
                return current
        elif event not in LAST_SUCCESSFUL_INSTALL_EVENTS:
            return current
        if current.archive.is_dir():
            return current
        return self._root.last_successful_install(group)

    def run_event(self, deployment: Deployment, event: LifecycleEvent) -> EventResult:
        source = self.script_source(deployment, event)
        if source is None:
            return EventResult(LifecycleErrorCode.SUCCESS, message="no revision installed yet")
        try:
            spec = source.appspec(deployment.appspec_filename)
        except InvalidAppSpecError as error:
            return EventResult(LifecycleErrorCode.UNKNOWN_ERROR, message=str(error))
        if spec is None:
            return EventResult(LifecycleErrorCode.SUCCESS, message="the revision has no appspec")
        scripts = spec.scripts(event)
        if not scripts:
            return EventResult(LifecycleErrorCode.SUCCESS)
        log = self._root.create_revision_directory(
            deployment.deployment_group_id, deployment.deployment_id
        ).scripts_log
        environment = {
            **os.environ,
            **deployment.hook_environment(),
            "LIFECYCLE_EVENT": event.value,
        }
        with log.open("a", encoding="utf-8") as scripts_log:
            scripts_log.write(f"{_stamp()} LifecycleEvent - {event.value}\n")
            result = EventResult(LifecycleErrorCode.SUCCESS)
            for script in scripts:
                scripts_log.write(f"{_stamp()} Script - {script.location}\n")
                sink = _ScriptSink(
                    deployment=deployment,
                    event=event,
                    script=script,
                    output=self._output,
                    scripts_log=scripts_log,
                    clock=self._clock,
                )
                result = self._run_script(script, source.archive, environment, sink)
                if not result.succeeded:
                    break
        return result

    def _run_script(
        self, script: HookScript, archive: Path, environment: dict[str, str], sink: _ScriptSink
    ) -> EventResult:
        name = script.location
        try:
            path = _runnable(archive / name, name)
            command, identity = _command(path, script, environment)
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, so a timeout reaches every child
                cwd=archive,
                **identity,
            )
        except _ScriptError as error:
            return sink.result(error.code, str(error))
        except OSError as error:
            code = LifecycleErrorCode.UNKNOWN_ERROR
            if error.errno in {errno.ENOEXEC, errno.EACCES}:
                code = LifecycleErrorCode.SCRIPT_NOT_EXECUTABLE
            return sink.result(
                code, f"Script at specified location: {name} cannot be executed: {error.strerror}"
            )
        if self._supervise(process, script.timeout, sink):
            return sink.result(
                LifecycleErrorCode.SCRIPT_TIMED_OUT,
                f"Script at specified location: {name} failed to complete in {script.timeout} "
                "seconds",
            )
        if process.returncode < 0:
            return sink.result(
                LifecycleErrorCode.SCRIPT_FAILED,
                f"Script at specified location: {name} was killed by signal {-process.returncode}",
            )
        if process.returncode > 0:
            return sink.result(
                LifecycleErrorCode.SCRIPT_FAILED,
                f"Script at specified location: {name} failed with exit code {process.returncode}",
            )
        return sink.result(LifecycleErrorCode.SUCCESS, "")

    def _supervise(self, process: subprocess.Popen[bytes], timeout: int, sink: _ScriptSink) -> bool:
        """Reads output until the script has exited (plus a grace); returns True on timeout."""
        watch = _Deadline(process.pid, time.monotonic() + timeout, self._kill_grace)
        leftover = self._read_output(process, watch, sink)
        if leftover:
            threading.Thread(target=_drain, args=(leftover,), daemon=True).start()
        sink.flush()
        while True:
            try:
                process.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                # Output closed early (exec >&-), the script still running: the deadline holds.
                watch.check(time.monotonic())
        if watch.fired:
            # The leader is gone; children that ignored SIGTERM must not outlive the event.
            _signal_group(process.pid, signal.SIGKILL)
        return watch.fired

    def _read_output(
        self, process: subprocess.Popen[bytes], watch: _Deadline, sink: _ScriptSink
    ) -> list[IO[bytes]]:
        """Returns the streams still open once the script has exited and the grace has passed."""
        streams: dict[int, tuple[IO[bytes], OutputStream]] = {}
        for stream, kind in (
            (process.stdout, OutputStream.STDOUT),
            (process.stderr, OutputStream.STDERR),
        ):
            if stream is not None:
                os.set_blocking(stream.fileno(), False)
                streams[stream.fileno()] = (stream, kind)
        exited_at: float | None = None
        with selectors.DefaultSelector() as selector:
            for fd in streams:
                selector.register(fd, selectors.EVENT_READ)
            while streams:
                now = time.monotonic()
                if exited_at is None and process.poll() is not None:
                    exited_at = now
                if exited_at is not None and now - exited_at >= self._output_grace:
                    break
                if exited_at is None:
                    watch.check(now)
                for key, _ in selector.select(POLL_SECONDS):
                    stream, kind = streams[key.fd]
                    chunk = os.read(key.fd, 65536)
                    if chunk:
                        sink.feed(kind, chunk)
                    else:
                        selector.unregister(key.fd)
                        del streams[key.fd]
                        stream.close()
        return [stream for stream, _ in streams.values()]


class _Deadline:
    """A script's timeout: SIGTERM to its process group, SIGKILL a grace later."""

    def __init__(self, pid: int, deadline: float, kill_grace: float) -> None:
        self._pid = pid
        self._deadline = deadline
        self._kill_grace = kill_grace
        self._kill_at: float | None = None
        self._killed = False

    @property
    def fired(self) -> bool:
        return self._kill_at is not None

    def check(self, now: float) -> None:
        if self._kill_at is None and now >= self._deadline:
            _signal_group(self._pid, signal.SIGTERM)
            self._kill_at = now + self._kill_grace
        elif self._kill_at is not None and not self._killed and now >= self._kill_at:
            _signal_group(self._pid, signal.SIGKILL)
            self._killed = True


class _ScriptError(Exception):
    def __init__(self, code: LifecycleErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def _runnable(path: Path, name: str) -> Path:
    if not path.is_file():
        raise _ScriptError(
            LifecycleErrorCode.SCRIPT_MISSING,
            f"Script does not exist at specified location: {path}",
        )
    if not os.access(path, os.X_OK):
        try:
            path.chmod(path.stat().st_mode | 0o111)
        except OSError as error:
            raise _ScriptError(
                LifecycleErrorCode.SCRIPT_NOT_EXECUTABLE,
                f"Script at specified location: {name} is not executable and chmod +x failed: "
                f"{error.strerror}",
            ) from None
    return path


class _ScriptSink:
    """One script's output: scripts.log with [stdout]/[stderr], the HookOutput, the log tail."""

    def __init__(
        self,
        *,
        deployment: Deployment,
        event: LifecycleEvent,
        script: HookScript,
        output: HookOutput,
        scripts_log: IO[str],
        clock: Callable[[], float],
    ) -> None:
        self._deployment_id = deployment.deployment_id
        self._event = event
        self._script = script.location
        self._output = output
        self._log = scripts_log
        self._clock = clock
        self._partial: dict[OutputStream, bytes] = {}
        self._tail: deque[str] = deque()
        self._tail_bytes = 0

    def feed(self, stream: OutputStream, chunk: bytes) -> None:
        buffered = self._partial.get(stream, b"") + chunk
        *lines, rest = buffered.split(b"\n")
        while len(rest) > LINE_LIMIT_BYTES:
            lines.append(rest[:LINE_LIMIT_BYTES])
            rest = rest[LINE_LIMIT_BYTES:]
        self._partial[stream] = rest
        for line in lines:
            self._emit(stream, line.decode("utf-8", errors="replace"))

    def flush(self) -> None:
        for stream, rest in self._partial.items():
            if rest:
                self._emit(stream, rest.decode("utf-8", errors="replace"))
        self._partial.clear()
        self._log.flush()

    def result(self, code: LifecycleErrorCode, message: str) -> EventResult:
        if message:
            self._log.write(f"{_stamp()} {message}\n")
        return EventResult(code, self._script, message, log_tail("\n".join(self._tail)))

    def _emit(self, stream: OutputStream, text: str) -> None:
        tagged = f"[{stream.value}]{text}"
        self._log.write(f"{_stamp()} {tagged}\n")
        self._tail.append(tagged)
        self._tail_bytes += len(tagged) + 1
        while self._tail_bytes > LOG_TAIL_LIMIT_BYTES and len(self._tail) > 1:
            self._tail_bytes -= len(self._tail.popleft()) + 1
        self._output.write(
            HookOutputLine(
                deployment_id=self._deployment_id,
                lifecycle_event=self._event,
                script=self._script,
                stream=stream,
                text=text,
                timestamp=self._clock(),
            )
        )


def _command(
    path: Path, script: HookScript, environment: dict[str, str]
) -> tuple[list[str], dict[str, Any]]:
    """The command line and the Popen identity arguments for the script's runas/sudo."""
    if script.sudo:
        # CodeDeploy's undocumented sudo key: for agents that do not run as root.
        return ["sudo", "-n", "-E", "-u", script.runas or "root", "--", str(path)], {
            "env": environment
        }
    if script.runas is None:
        return [str(path)], {"env": environment}
    try:
        user = pwd.getpwnam(script.runas)
    except KeyError:
        raise _ScriptError(
            LifecycleErrorCode.UNKNOWN_ERROR,
            f"runas user {script.runas} does not exist on this host",
        ) from None
    if os.geteuid() not in {0, user.pw_uid}:
        raise _ScriptError(
            LifecycleErrorCode.UNKNOWN_ERROR,
            f"the agent must run as root to run scripts as {script.runas}",
        )
    # What `su <user>` changes in the environment; the rest is inherited as CodeDeploy's su does.
    personal = {
        "HOME": user.pw_dir,
        "USER": user.pw_name,
        "LOGNAME": user.pw_name,
        "SHELL": user.pw_shell or "/bin/sh",
    }
    return [str(path)], {
        "env": {**environment, **personal},
        "user": user.pw_uid,
        "group": user.pw_gid,
        "extra_groups": os.getgrouplist(user.pw_name, user.pw_gid),
    }


def _signal_group(pid: int, signum: signal.Signals) -> None:
    # The group may already be gone; that is the outcome the signal wanted.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _drain(streams: list[IO[bytes]]) -> None:
    open_streams = {stream.fileno(): stream for stream in streams}
    with selectors.DefaultSelector() as selector:
        for fd in open_streams:
            os.set_blocking(fd, True)
            selector.register(fd, selectors.EVENT_READ)
        while open_streams:
            for key, _ in selector.select():
                if not os.read(key.fd, 65536):
                    selector.unregister(key.fd)
                    open_streams.pop(key.fd).close()


def _stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
