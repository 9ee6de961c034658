"""The local Lambda runtime: runs any zip-packaged Python function that moto's Lambda knows.

Function configuration and code come from moto's Lambda backend in the same process; code is
extracted under the state directory and served by warm workers (one invocation per worker at a time,
a small pool per function configuration).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devstack import moto_emulator
from devstack.lambda_worker import WarmWorker, WorkerOutcome
from devstack.settings import ACCOUNT_ID, REGION, GatewaySettings

MAX_WORKERS_PER_FUNCTION = 16
IDLE_WORKER_SECONDS = 600.0
ASYNC_RETRY_DELAYS_SECONDS = (1.0, 2.0)
LOG_TAIL_BYTES = 4096
PYTHON_RUNTIME_PREFIX = "python"


class FunctionNotRunnableError(Exception):
    """The function exists but the local runtime cannot run it (container image, non-Python)."""


@dataclass(frozen=True)
class InvocationResult:
    payload: bytes
    function_error: str | None
    log_tail: str
    executed_version: str

    @property
    def failed(self) -> bool:
        return self.function_error is not None


@dataclass(frozen=True)
class _FunctionSpec:
    """The parts of moto's LambdaFunction that decide how a worker is started."""

    name: str
    arn: str
    version: str
    handler: str
    runtime: str
    role: str
    timeout: int
    memory_size: int
    environment: tuple[tuple[str, str], ...]
    code_digest: str

    @property
    def pool_key(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()


class _WorkerPool:
    """The warm workers of one function version with one code and configuration."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.idle: list[WarmWorker] = []
        self.size = 0
        self.retired = False
        self.available = threading.Condition()

    def retire(self) -> None:
        with self.available:
            self.retired = True
            for worker in self.idle:
                worker.stop()
            self.size -= len(self.idle)
            self.idle.clear()


class LambdaRuntime:
    def __init__(self, settings: GatewaySettings) -> None:
        self._settings = settings
        self._pools: dict[tuple[str, str], _WorkerPool] = {}
        self._pools_lock = threading.Lock()
        self._code_lock = threading.Lock()
        self._async = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-event")
        self._closed = threading.Event()
        settings.lambda_dir.mkdir(parents=True, exist_ok=True)
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        threading.Thread(target=self._reap_idle_workers, daemon=True).start()

    def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        region: str = REGION,
        client_context: str | None = None,
    ) -> InvocationResult:
        """Run one invocation synchronously (InvocationType RequestResponse)."""
        moto_function, invoked_arn = self._resolve(function, qualifier, region)
        spec = self._spec(moto_function)
        request_id = str(uuid.uuid4())
        with self._worker(spec, moto_function, region) as worker:
            # The duration Lambda reports (and bills): the invocation's, not the time it queued
            # for a free worker (Lambda would have started another environment).
            started = time.monotonic()
            outcome = worker.invoke(
                {
                    "request_id": request_id,
                    "invoked_function_arn": invoked_arn,
                    "deadline_ms": time.time() * 1000 + spec.timeout * 1000,
                    "payload": payload.decode("utf-8") or "{}",
                    "client_context": client_context,
                },
                timeout_seconds=spec.timeout,
            )
        duration_ms = (time.monotonic() - started) * 1000
        log_lines = self._framed_log(spec, request_id, outcome, duration_ms)
        self._append_log(spec.name, log_lines)
        return self._result(spec, request_id, outcome, log_lines)

    def invoke_event(self, function: str, payload: bytes, *, region: str = REGION) -> None:
        """InvocationType Event: queue the invocation and retry twice on failure, as Lambda does."""
        self._resolve(function, None, region)
        self._async.submit(self._run_event, function, payload, region)

    def dry_run(self, function: str, *, qualifier: str | None, region: str = REGION) -> None:
        self._resolve(function, qualifier, region)

    def worker_pids(self) -> list[int]:
        with self._pools_lock:
            pools = list(self._pools.values())
        return [worker.pid for pool in pools for worker in pool.idle if worker.alive]

    def shutdown(self) -> None:
        self._closed.set()
        self._async.shutdown(wait=False, cancel_futures=True)
        with self._pools_lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.retire()

    def _run_event(self, function: str, payload: bytes, region: str) -> None:
        for delay in (0.0, *ASYNC_RETRY_DELAYS_SECONDS):
            time.sleep(delay)
            try:
                if not self.invoke(function, payload, region=region).failed:
                    return
            except Exception as error:
                self._append_log(
                    function.rsplit(":", maxsplit=1)[-1], [f"[devstack] async invoke: {error}"]
                )
                return

    def _resolve(self, function: str, qualifier: str | None, region: str) -> tuple[Any, str]:
        account_id = ACCOUNT_ID
        if function.startswith("arn:"):
            parts = function.split(":")
            region, account_id = parts[3], parts[4]
        moto_function = moto_emulator.lambda_backend(account_id, region).get_function(
            function, qualifier
        )
        invoked_arn = function if function.startswith("arn:") else moto_function.function_arn
        if qualifier and not invoked_arn.endswith(f":{qualifier}"):
            invoked_arn = f"{moto_function.function_arn.split(':function:')[0]}:function:"
            invoked_arn += f"{moto_function.function_name}:{qualifier}"
        return moto_function, invoked_arn

    def _spec(self, moto_function: Any) -> _FunctionSpec:
        runtime = str(moto_function.run_time or "")
        if getattr(moto_function, "package_type", "Zip") == "Image" or not runtime.startswith(
            PYTHON_RUNTIME_PREFIX
        ):
            raise FunctionNotRunnableError(
                f"{moto_function.function_name}: only zip-packaged Python functions run locally"
            )
        return _FunctionSpec(
            name=moto_function.function_name,
            arn=moto_function.function_arn,
            version=str(moto_function.version),
            handler=moto_function.handler,
            runtime=runtime,
            role=moto_function.role,
            timeout=int(moto_function.timeout),
            memory_size=int(moto_function.memory_size),
            environment=tuple(sorted((moto_function.environment_vars or {}).items())),
            code_digest=hashlib.sha256(moto_function.code_bytes).hexdigest(),
        )

    @contextmanager
    def _worker(self, spec: _FunctionSpec, moto_function: Any, region: str) -> Iterator[WarmWorker]:
        pool = self._pool(spec)
        with pool.available:
            while not pool.idle and pool.size >= MAX_WORKERS_PER_FUNCTION:
                pool.available.wait()
            worker = pool.idle.pop() if pool.idle else None
            pool.size += worker is None
        try:
            if worker is None:
                worker = self._start_worker(spec, moto_function, region)
        except BaseException:
            with pool.available:
                pool.size -= 1
                pool.available.notify()
            raise
        try:
            yield worker
        finally:
            with pool.available:
                if worker.alive and not pool.retired and not self._closed.is_set():
                    pool.idle.append(worker)
                else:
                    worker.stop()
                    pool.size -= 1
                pool.available.notify()

    def _pool(self, spec: _FunctionSpec) -> _WorkerPool:
        """The pool for this configuration; new code or configuration retires the older pool."""
        with self._pools_lock:
            pool = self._pools.get((spec.arn, spec.version))
            if pool is not None and pool.key == spec.pool_key:
                return pool
            if pool is not None:
                pool.retire()
            pool = self._pools[(spec.arn, spec.version)] = _WorkerPool(spec.pool_key)
            return pool

    def _start_worker(self, spec: _FunctionSpec, moto_function: Any, region: str) -> WarmWorker:
        code_dir = self._extract_code(spec, moto_function.code_bytes)
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "HOME": str(code_dir),
            "_HANDLER": spec.handler,
            "LAMBDA_TASK_ROOT": str(code_dir),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": (
                f"{datetime.now(UTC):%Y/%m/%d}/[{spec.version}]{uuid.uuid4().hex}"
            ),
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": self._settings.endpoint_url,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            **moto_emulator.assume_role_for_function(spec.role, spec.name, region),
            **dict(spec.environment),
        }
        return WarmWorker(code_dir=code_dir, environment=environment)

    def _extract_code(self, spec: _FunctionSpec, code_bytes: bytes) -> Any:
        code_dir = self._settings.lambda_dir / "code" / spec.code_digest[:24]
        with self._code_lock:
            if not code_dir.exists():
                staging = code_dir.with_suffix(".extracting")
                shutil.rmtree(staging, ignore_errors=True)
                with zipfile.ZipFile(io.BytesIO(code_bytes)) as archive:
                    archive.extractall(staging)
                staging.rename(code_dir)
        return code_dir

    def _framed_log(
        self, spec: _FunctionSpec, request_id: str, outcome: WorkerOutcome, duration_ms: float
    ) -> list[str]:
        lines = [f"START RequestId: {request_id} Version: {spec.version}", *outcome.log_lines]
        if outcome.timed_out:
            lines.append(
                f"{datetime.now(UTC).isoformat()} {request_id} Task timed out after "
                f"{spec.timeout:.2f} seconds"
            )
        lines.append(f"END RequestId: {request_id}")
        lines.append(
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {int(duration_ms) + 1} ms\tMemory Size: {spec.memory_size} MB"
        )
        return lines

    def _result(
        self, spec: _FunctionSpec, request_id: str, outcome: WorkerOutcome, log_lines: list[str]
    ) -> InvocationResult:
        tail = "\n".join(log_lines).encode()[-LOG_TAIL_BYTES:].decode("utf-8", errors="ignore")
        if outcome.timed_out:
            error: dict[str, Any] | None = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": (
                    f"RequestId: {request_id} Error: Task timed out after "
                    f"{spec.timeout:.2f} seconds"
                ),
            }
        elif outcome.crashed:
            error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited without providing "
                "a reason",
            }
        else:
            error = outcome.error
        if error is not None:
            return InvocationResult(
                payload=json.dumps(error).encode(),
                function_error="Unhandled",
                log_tail=tail,
                executed_version=spec.version,
            )
        return InvocationResult(
            payload=(outcome.payload or "null").encode(),
            function_error=None,
            log_tail=tail,
            executed_version=spec.version,
        )

    def _log_path(self, function_name: str) -> Any:
        return self._settings.log_dir / f"lambda-{function_name}.log"

    def _append_log(self, function_name: str, lines: list[str]) -> None:
        with self._log_path(function_name).open("a", encoding="utf-8") as log:
            log.write("".join(f"{line}\n" for line in lines))

    def _reap_idle_workers(self) -> None:
        while not self._closed.wait(30.0):
            deadline = time.monotonic() - IDLE_WORKER_SECONDS
            with self._pools_lock:
                pools = list(self._pools.values())
            for pool in pools:
                with pool.available:
                    stale = [w for w in pool.idle if w.last_used < deadline]
                    for worker in stale:
                        pool.idle.remove(worker)
                        pool.size -= 1
                        worker.stop()


def encode_log_tail(result: InvocationResult) -> str:
    return base64.b64encode(result.log_tail.encode()).decode()
