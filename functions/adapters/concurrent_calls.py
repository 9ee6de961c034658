"""Calls run a few at a time on threads: the ``RunAll`` of ``server_rollout`` with which the
workflow function starts the hosts of a claimed window (a conditional write and an SQS message
each), so that the first window of a 100-host deployment does not start one round trip after
another.

The calls share the function's boto3 clients, which are thread-safe, and its DynamoDB ``Table``
resource, whose actions only build their parameters and call that client (no lazy load of the
table's attributes, the part of a resource that is not thread-safe).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait


class ConcurrentCalls:
    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rollwright")

    def __call__(self, calls: Sequence[Callable[[], None]]) -> None:
        # Every call runs; once all are done, the first error (in the calls' order) is raised.
        futures = [self._pool.submit(call) for call in calls]
        wait(futures)
        for future in futures:
            future.result()
