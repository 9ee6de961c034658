"""What the gateway process holds in memory: its RSS, and where it grew (``GET /_devstack/memory``).

The gateway keeps moto's backends, so its memory is the devstack's. RSS is always reported.
``?trace=<frames>`` starts tracemalloc (slows the gateway; start it after the stack is deployed);
while it traces, each call compares a snapshot with the previous call's and lists the tracebacks
that grew most. ``?types=1`` adds a count of live objects by type (a full ``gc`` walk: seconds
on a big heap, so only on request); ``?collect=1`` runs a full garbage collection first.
"""

from __future__ import annotations

import gc
import threading
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PROC_STATUS = Path("/proc/self/status")


def rss_bytes() -> int:
    """The process's resident set size (0 where /proc is not there)."""
    try:
        for line in _PROC_STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class MemoryProbe:
    """Reports RSS and, when tracemalloc traces, the growth since the previous report."""

    def __init__(self, table_sizes: Callable[[], dict[str, Any]] = dict) -> None:
        """``table_sizes``: what each DynamoDB table holds, reported as ``dynamodb_tables``."""
        self._table_sizes = table_sizes
        self._lock = threading.Lock()
        self._previous: tracemalloc.Snapshot | None = None
        self._previous_types: Counter[str] = Counter()

    def report(
        self, *, top: int = 20, types: bool = False, trace: int = 0, collect: bool = False
    ) -> dict[str, Any]:
        document: dict[str, Any] = {"rss_bytes": rss_bytes()}
        with self._lock:
            if collect:
                document["collected_objects"] = gc.collect()
                document["rss_bytes_after_collect"] = rss_bytes()
            if trace and not tracemalloc.is_tracing():
                tracemalloc.start(trace)
            if tracemalloc.is_tracing():
                document["traced_bytes"] = tracemalloc.get_traced_memory()[0]
                document["growth"] = self._growth(top)
            if types:
                document["types"] = self._type_growth(top)
        document["dynamodb_tables"] = self._table_sizes()
        return document

    def _growth(self, top: int) -> list[dict[str, Any]]:
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        previous, self._previous = self._previous, snapshot
        if previous is None:
            return []
        stats = snapshot.compare_to(previous, "traceback")
        return [
            {
                "size_diff": stat.size_diff,
                "count_diff": stat.count_diff,
                "traceback": [f"{frame.filename}:{frame.lineno}" for frame in stat.traceback],
            }
            for stat in stats[:top]
        ]

    def _type_growth(self, top: int) -> list[dict[str, Any]]:
        counts = Counter(type(item).__qualname__ for item in gc.get_objects())
        growth = Counter(counts)
        growth.subtract(self._previous_types)
        self._previous_types = counts
        return [
            {"type": name, "count": counts[name], "count_diff": diff}
            for name, diff in growth.most_common(top)
        ]
