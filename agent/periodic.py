"""An action repeated on a background thread while something runs: a command's visibility
extension, its heartbeats, and its hook output flushes all take this shape."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class PeriodicAction:
    """Calls ``action`` every ``interval`` seconds between ``__enter__`` and ``__exit__``.

    A failing call is logged and the next one happens on time: none of these actions may stop the
    command they accompany.
    """

    def __init__(self, name: str, interval: float, action: Callable[[], None]) -> None:
        self._name = name
        self._interval = interval
        self._action = action
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> PeriodicAction:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._action()
            except Exception:
                logger.warning(
                    "%s failed; trying again in %g s", self._name, self._interval, exc_info=True
                )
