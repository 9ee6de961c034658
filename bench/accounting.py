"""The devstack's AWS request accounting, read over HTTP."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter


class RequestAccounting:
    """Counts of AWS requests by service and operation, as the devstack gateway saw them."""

    def __init__(self, aws_endpoint_url: str) -> None:
        self._url = aws_endpoint_url.rstrip("/") + "/_devstack/requests"

    def reset(self) -> None:
        request = urllib.request.Request(self._url, method="DELETE")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def counts(self) -> Counter[str]:
        """``"service:Operation" -> count`` for every request since the last reset."""
        with urllib.request.urlopen(self._url, timeout=10) as response:
            document = json.load(response)
        return Counter(_flatten(document))


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
