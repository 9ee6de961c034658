"""What the API must answer to a generated request, and checks of what it did answer.

The rules (`docs/decisions.md`):

* a malformed body, or a member of the wrong type anywhere in the request, is answered with the
  protocol error ``SerializationException``: the body does not deserialize into the input shape;
* a value that breaks a constraint of its shape (required, length, pattern, enum, range) is
  answered with one of the operation's modeled errors. CodeDeploy's model has no
  ``ValidationException``; it names a validation error per member
  (``InvalidApplicationNameException``, ``ApplicationNameRequiredException``). When the operation
  models such an error for the member, or for an enclosing member, the answer must be one of those
  (plus the operation's ``...LimitExceeded`` errors for a list that is too long); otherwise any
  modeled error that is not about stored state;
* a valid request succeeds or gets one of the operation's modeled errors.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from botocore.model import Shape

from rollwright.protocols import WireProtocol
from tests.e2e.model_requests import Defect, ModelRequest, modeled_errors

# Defects the protocol layer answers, before any operation runs.
SERIALIZATION_DEFECTS = frozenset({Defect.MALFORMED_BODY, Defect.WRONG_TYPE})
# Modeled errors about stored state, never the answer to a request that breaks the model.
_STATE_ERROR = re.compile(
    r"DoesNotExist|AlreadyExists|AlreadyCompleted|InUse|NotStarted|Throttling"
)
_LIMIT_ERROR = re.compile(r"LimitExceeded|ListSizeExceeded")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def expected_errors(request: ModelRequest) -> frozenset[str]:
    """The exception names that may answer a request with a defect (see the module docstring)."""
    if request.defect is None:
        return modeled_errors(request.operation)
    if request.defect in SERIALIZATION_DEFECTS:
        return frozenset({"SerializationException"})
    errors = modeled_errors(request.operation)
    for member in reversed([part for part in request.path if isinstance(part, str)]):
        named = _errors_naming(member, errors)
        if named:
            return named | (_limit_errors(errors) if request.defect is Defect.LENGTH else set())
    return frozenset(error for error in errors if not _STATE_ERROR.search(error))


def _errors_naming(member: str, errors: frozenset[str]) -> frozenset[str]:
    """``Invalid<X>Exception`` / ``<X>RequiredException`` where X ends the member's name."""
    words = [word[:1].upper() + word[1:] for word in _WORD.findall(member[:1].upper() + member[1:])]
    subjects = {"".join(words[start:]) for start in range(len(words))}
    subjects |= {subject[:-1] for subject in subjects if subject.endswith("s")}
    return frozenset(
        error
        for error in errors
        if any(error in (f"Invalid{s}Exception", f"{s}RequiredException") for s in subjects)
    )


def _limit_errors(errors: frozenset[str]) -> frozenset[str]:
    return frozenset(error for error in errors if _LIMIT_ERROR.search(error))


# --- answers -----------------------------------------------------------------------------------


def output_problems(
    shape: Shape | None, value: Any, protocol: WireProtocol, path: str = ""
) -> list[str]:
    """Where a decoded success document departs from the output shape: unknown members and
    values of the wrong type (botocore's parsers pass both through silently)."""
    if shape is None:
        return [] if value in ({}, None) else [f"{path or 'output'}: the operation has no output"]
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path or 'output'}: {value!r} is not a structure"]
        problems = [
            f"{path}.{name}: not in {shape.name}" for name in value if name not in shape.members
        ]
        for name, item in value.items():
            if name in shape.members and item is not None:
                problems += output_problems(shape.members[name], item, protocol, f"{path}.{name}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not a list"]
        return [
            p
            for i, item in enumerate(value)
            for p in output_problems(shape.member, item, protocol, f"{path}[{i}]")
        ]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not a map"]
        return [
            p
            for key, item in value.items()
            for p in output_problems(shape.value, item, protocol, f"{path}[{key}]")
        ]
    return [] if _is_scalar_of(kind, value, protocol) else [f"{path}: {value!r} is not a {kind}"]


def _is_scalar_of(kind: str, value: Any, protocol: WireProtocol) -> bool:
    cbor_wire = protocol is WireProtocol.RPC_V2_CBOR
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("double", "float"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "timestamp":
        return isinstance(value, datetime) if cbor_wire else isinstance(value, int | float)
    if kind == "blob":
        return isinstance(value, bytes) if cbor_wire else isinstance(value, str)
    return False
