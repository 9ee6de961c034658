"""Member types checked against botocore's CodeDeploy model before any operation runs.

This is what AWS's protocol layer does: a body that does not deserialize into the operation's input
shape (a string where a list belongs, ``true`` for an integer, an integer past 32 bits) is a
``SerializationException``, whatever else is wrong with the request. Doing it once here, from the
model, means no operation can answer a type error with a validation error of its own because it
happened to check another member first. Values (lengths, patterns, enums, ranges) stay the
operations' business: CodeDeploy names each of those errors per member.

The model comes from the botocore installed beside the function (the Lambda runtime's in AWS).
Members that model does not know are left to the operations, which read every member with typed
readers (``rollwright/request_members.py``) anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

import botocore.session
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    OperationNotFoundError,
    ServiceModel,
    Shape,
    StructureShape,
)

from rollwright.errors import SerializationException

_INTEGER_BITS = {"integer": 32, "long": 64}


@cache
def _codedeploy_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("codedeploy")


def check_member_types(operation: str, params: Mapping[str, Any]) -> None:
    """Raise SerializationException if a member of ``params`` has the wrong type for its shape."""
    try:
        model: OperationModel = _codedeploy_model().operation_model(operation)
    except OperationNotFoundError:
        return  # the dispatcher answers UnknownOperationException
    if model.input_shape is not None:
        _check(model.input_shape, params, operation)


def _check(shape: Shape, value: Any, path: str) -> None:
    if value is None:
        return  # a null member is an absent member
    if isinstance(shape, StructureShape):
        _check_structure(shape, value, path)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise _wrong(path, "a list", value)
        for index, item in enumerate(value):
            _check(shape.member, item, f"{path}[{index}]")
    elif isinstance(shape, MapShape):
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise _wrong(path, "an object", value)
        for key, item in value.items():
            _check(shape.value, item, f"{path}.{key}")
    else:
        _check_scalar(shape.type_name, value, path)


def _check_structure(shape: StructureShape, value: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise _wrong(path, "an object", value)
    for name, member in shape.members.items():
        if name in value:
            _check(member, value[name], f"{path}.{name}")


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


# Scalar kind -> (does the value have it, how to name it in the message).
_SCALARS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda value: isinstance(value, str), "a string"),
    "boolean": (lambda value: isinstance(value, bool), "true or false"),
    "integer": (lambda value: _is_number(value) and isinstance(value, int), "an integer"),
    "long": (lambda value: _is_number(value) and isinstance(value, int), "an integer"),
    "double": (_is_number, "a number"),
    "float": (_is_number, "a number"),
    "timestamp": (lambda value: _is_number(value) or isinstance(value, datetime), "a timestamp"),
    "blob": (lambda value: isinstance(value, bytes | str), "binary data"),
}


def _check_scalar(kind: str, value: Any, path: str) -> None:
    if kind not in _SCALARS:
        return
    has_kind, expected = _SCALARS[kind]
    if not has_kind(value):
        raise _wrong(path, expected, value)
    bits = _INTEGER_BITS.get(kind)
    if bits is not None and not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise SerializationException(f"{path} does not fit a {bits}-bit integer.")


def _wrong(path: str, expected: str, value: Any) -> SerializationException:
    return SerializationException(f"{path} must be {expected}, not {type(value).__name__}.")
