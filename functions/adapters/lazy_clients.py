"""boto3 clients made on their first call, not when a function's services are put together.

A function's services name every client any of their operations may need, but one invocation
calls a few: the alarm function's first ALARM needs DynamoDB and Step Functions, not EC2, whose
client alone takes about 0.15 s to make (its service model is large). On a cold start that time
is paid before the first answer, so the composition hands the adapters a ``LazyClient`` for
every service an invocation may not touch.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3


class LazyClient:
    """Stands in for ``boto3.client(service_name)``: the client is made on the first attribute
    read (an operation, ``exceptions``, ``meta``) and reused after that."""

    def __init__(self, service_name: str) -> None:
        self._service_name = service_name
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def made(self) -> bool:
        """Whether the client has been made (a call needed it)."""
        return self._client is not None

    def __getattr__(self, name: str) -> Any:
        # Only attributes this object lacks arrive here: every public one is the client's.
        if name.startswith("_"):
            raise AttributeError(name)
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = boto3.client(self._service_name)
        return getattr(self._client, name)

    def __repr__(self) -> str:
        return f"LazyClient({self._service_name!r}, made={self.made})"
