"""Operation name → the operation that reads its request, calls the domain and shapes its result."""

from __future__ import annotations

from rollwright.errors import UnknownOperationException
from rollwright.operations import OPERATIONS
from rollwright.operations.shapes import CodeDeployServices, Params, Result

__all__ = ["OPERATIONS", "dispatch"]


def dispatch(operation: str, params: Params, services: CodeDeployServices) -> Result:
    try:
        function = OPERATIONS[operation]
    except KeyError:
        raise UnknownOperationException(f"Operation {operation} is not supported.") from None
    return function(services, params)
