"""What every operation is: a function of the domain services and the request members."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rollwright.applications import Applications

Params = Mapping[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class CodeDeployServices:
    """The domain services the operations call, wired to their stores by the api function."""

    applications: Applications


Operation = Callable[[CodeDeployServices, Params], Result]
