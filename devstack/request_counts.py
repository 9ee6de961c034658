"""Read and reset a running devstack's request accounting (``/_devstack/requests``) over HTTP."""

from __future__ import annotations

from collections import Counter

import requests

TIMEOUT_SECONDS = 10


class RequestCounts:
    """The AWS requests a devstack served, by ``"service:Operation"``, since the last reset."""

    def __init__(self, aws_endpoint_url: str) -> None:
        self._url = aws_endpoint_url.rstrip("/") + "/_devstack/requests"

    def reset(self) -> None:
        requests.delete(self._url, timeout=TIMEOUT_SECONDS).raise_for_status()

    def read(self) -> Counter[str]:
        response = requests.get(self._url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        services = response.json()["services"]
        return Counter(
            {
                f"{service}:{operation}": count
                for service, counts in services.items()
                for operation, count in counts["operations"].items()
            }
        )
