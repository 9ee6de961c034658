"""Where the gateway spends its CPU (``GET /_devstack/profile?seconds=N``): a sampling profiler.

Every ``interval`` it reads each thread's CPU time (``/proc/self/task/<tid>/stat``) and records the
Python stack of the threads that used CPU since the previous sample, so threads blocked in a
socket, a pipe or a lock do not count. The answer lists the functions seen most often at the top
of those stacks (self) and anywhere in them (inclusive), as shares of the samples.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

_TASKS = Path("/proc/self/task")


def _cpu_ticks(native_id: int) -> int | None:
    try:
        fields = (_TASKS / str(native_id) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


def _where(frame: FrameType) -> str:
    code = frame.f_code
    return f"{code.co_filename.rsplit('site-packages/', 1)[-1]}:{code.co_name}"


def profile(seconds: float, *, interval: float = 0.02, top: int = 30) -> dict[str, Any]:
    """Sample for ``seconds`` and report the busiest functions."""
    own = threading.get_ident()
    last: dict[int, int] = {}
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    samples = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        by_native = {t.ident: t.native_id for t in threading.enumerate() if t.native_id}
        for ident, frame in sys._current_frames().items():
            native = by_native.get(ident)
            if ident == own or native is None:
                continue
            ticks = _cpu_ticks(native)
            if ticks is None:
                continue
            busy = ticks > last.get(native, ticks)
            last[native] = ticks
            if not busy:
                continue
            samples += 1
            leaf[_where(frame)] += 1
            seen = set()
            current: FrameType | None = frame
            while current is not None:
                where = _where(current)
                if where not in seen:
                    seen.add(where)
                    inclusive[where] += 1
                current = current.f_back
        time.sleep(interval)

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(count / samples, 3)) for name, count in counter.most_common(top)]

    return {
        "samples": samples,
        "self": shares(leaf) if samples else [],
        "inclusive": shares(inclusive) if samples else [],
    }
