"""Capped exponential backoff after errors, as CodeDeploy's agent waits: 1.2675^n seconds after the
n-th error in a row, at most a cap (90 s by default). With a 90 s cap the waits reach the cap after
19 errors, about 6 minutes of trying."""

from __future__ import annotations

import threading

GROWTH = 1.2675


class ErrorBackoff:
    def __init__(self, cap_seconds: float = 90.0, stop: threading.Event | None = None) -> None:
        self._cap = cap_seconds
        self._errors = 0
        # Waiting on an event rather than sleeping lets a shutdown cut a wait short.
        self._stop = stop or threading.Event()

    @property
    def errors(self) -> int:
        return self._errors

    def next_delay(self) -> float:
        """Count one more error and return how long to wait before trying again."""
        self._errors += 1
        return min(self._cap, GROWTH**self._errors)

    def wait(self) -> bool:
        """Count one more error and wait; ``False`` when a stop cut the wait short."""
        return not self.stopped_during(self.next_delay())

    def stopped_during(self, delay: float) -> bool:
        """Wait ``delay`` seconds; ``True`` when a stop came first."""
        return self._stop.wait(delay)

    def reset(self) -> None:
        self._errors = 0
