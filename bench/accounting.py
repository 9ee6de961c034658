"""The devstack's AWS request accounting, read over HTTP."""

from __future__ import annotations

from collections import Counter

import requests


class RequestAccounting:
    """Counts of AWS requests by service and operation, as the devstack gateway saw them."""

    def __init__(self, aws_endpoint_url: str) -> None:
        self._url = aws_endpoint_url.rstrip("/") + "/_devstack/requests"

    def reset(self) -> None:
        requests.delete(self._url, timeout=10).raise_for_status()

    def counts(self) -> Counter[str]:
        """``"service:Operation" -> count`` for every request since the last reset."""
        response = requests.get(self._url, timeout=10)
        response.raise_for_status()
        return Counter(_flatten(response.json()))


def _flatten(document: object) -> dict[str, int]:
    # Accepts {"requests": {...}} or the mapping itself; nested {service: {op: n}} or flat keys.
    if isinstance(document, dict) and isinstance(document.get("requests"), dict):
        document = document["requests"]
    flat: dict[str, int] = {}
    if not isinstance(document, dict):
        return flat
    for key, value in document.items():
        if isinstance(value, dict):
            for operation, count in value.items():
                flat[f"{key}:{operation}"] = int(count)
        elif isinstance(value, int):
            flat[str(key)] = value
    return flat
