"""One warm Lambda worker: a Python subprocess running `lambda_bootstrap.py` for one function."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
END_OF_INVOCATION = "\x00devstack-end-of-invocation"
_LOG_FLUSH_GRACE_SECONDS = 1.0


@dataclass(frozen=True)
class WorkerOutcome:
    """What one invocation produced: a payload, a handler error, or neither (timeout, crash)."""

    payload: str | None = None
    error: dict[str, Any] | None = None
    timed_out: bool = False
    crashed: bool = False
    log_lines: list[str] = field(default_factory=list)


class WarmWorker:
    """A subprocess that keeps a handler imported and serves one invocation at a time."""

    def __init__(self, *, code_dir: Path, environment: dict[str, str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(BOOTSTRAP), str(code_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            cwd=code_dir,
        )
        self._results: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._log_lock = threading.Lock()
        self._invocation_log: list[str] = []
        self._invocation_ended = threading.Event()
        self.last_used = time.monotonic()
        assert self._process.stdout is not None
        assert self._process.stderr is not None
        self._start_reader(self._read_results, self._process.stdout)
        self._start_reader(self._read_log, self._process.stderr)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def invoke(self, request: dict[str, Any], timeout_seconds: float) -> WorkerOutcome:
        self._invocation_ended.clear()
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            return WorkerOutcome(crashed=True, log_lines=self._take_log())
        try:
            result = self._results.get(timeout=timeout_seconds)
        except queue.Empty:
            self.stop()
            return WorkerOutcome(timed_out=True, log_lines=self._take_log())
        self.last_used = time.monotonic()
        if result is None:
            return WorkerOutcome(crashed=True, log_lines=self._take_log())
        self._invocation_ended.wait(_LOG_FLUSH_GRACE_SECONDS)
        return WorkerOutcome(
            payload=result.get("payload"), error=result.get("error"), log_lines=self._take_log()
        )

    def stop(self) -> None:
        if self.alive:
            self._process.kill()
        self._process.wait()

    def _take_log(self) -> list[str]:
        with self._log_lock:
            lines, self._invocation_log = self._invocation_log, []
        return lines

    def _start_reader(self, target: Any, stream: IO[bytes]) -> None:
        threading.Thread(target=target, args=(stream,), daemon=True).start()

    def _read_results(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._results.put(json.loads(line))
        self._results.put(None)

    def _read_log(self, stream: IO[bytes]) -> None:
        """Collect the function's output until the runtime takes it with the invocation's result."""
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if line == END_OF_INVOCATION:
                self._invocation_ended.set()
                continue
            with self._log_lock:
                self._invocation_log.append(line)
