"""DynamoDB's per-request atomicity, which moto does not give concurrent requests.

DynamoDB applies each write (an ``ADD`` counter update, a conditional put, a transaction) as one
atomic step, and the control plane's safety rests on that (decisions.md, "Counters for DynamoDB").
moto evaluates an update in Python, reading the item, computing and writing it back, with no
lock: two threads of the gateway's threaded server can interleave there and lose an ``ADD``
(measured: 16 threads each making 150 transactional ``ADD 1`` on one item ended at 2,399). So
the gateway runs DynamoDB requests one at a time; moto answers each in about a millisecond.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from devstack.request_accounting import AwsOperation


class DynamoDbRequests:
    """Serializes the DynamoDB requests the gateway hands to moto."""

    service = "dynamodb"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @contextmanager
    def one_at_a_time(self, operation: AwsOperation) -> Iterator[None]:
        """Hold the DynamoDB lock while a DynamoDB request runs; other services pass freely."""
        if operation.service != self.service:
            yield
            return
        with self._lock:
            yield
