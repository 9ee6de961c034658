"""What a benchmark scenario gets: a devstack of the run's own, started on first use."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from devstack import launcher
from devstack.request_counts import RequestCounts
from devstack.state import DevstackState


class BenchContext:
    """Starts a devstack (on a free port, in a temporary directory) only for scenarios that ask."""

    def __init__(self) -> None:
        self._state_dir: tempfile.TemporaryDirectory[str] | None = None
        self._state: DevstackState | None = None

    def devstack(self) -> DevstackState:
        if self._state is None:
            self._state_dir = tempfile.TemporaryDirectory(prefix="rollwright-bench-")
            self._state = launcher.start(Path(self._state_dir.name), port=_free_port())
        return self._state

    def codedeploy(self) -> Any:
        return self.devstack().codedeploy_client()

    def request_counts(self) -> RequestCounts:
        return RequestCounts(self.devstack().aws_endpoint_url)

    def __enter__(self) -> BenchContext:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._state_dir is not None:
            launcher.stop(Path(self._state_dir.name))
            self._state_dir.cleanup()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
