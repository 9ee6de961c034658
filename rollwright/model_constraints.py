"""The constraints CodeDeploy's model puts on request members, checked before CodeDeploy's rules.

AWS validates a request against the operation's model before the operation runs: a required member
that is missing, or a value outside its shape's length, pattern, enum or range, is answered before
any rule that stored state or another member decides. So every operation reads its request in two
phases: first the model's constraints on every member (required members first of all), then
CodeDeploy's rules (`docs/decisions.md`). Each member keeps CodeDeploy's exception name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from rollwright.errors import CodeDeployError

_Enum = TypeVar("_Enum", bound=StrEnum)


def check_required(
    params: Mapping[str, Any], required: Mapping[str, type[CodeDeployError]]
) -> None:
    """The model's required members, in the order given, each with its own exception; a null
    member is an absent one."""
    for member, error in required.items():
        if params.get(member) is None:
            raise error(f"{member} is required.")


def enum_value(
    kind: type[_Enum], value: str | None, error: type[CodeDeployError], what: str
) -> _Enum:
    """``value`` as a member of the model's enum ``kind`` (a null list item is not one)."""
    try:
        return kind(value or "")
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise error(f"The {what} {value!r} is not valid: use one of {allowed}.") from None


def optional_enum(
    kind: type[_Enum], value: str | None, error: type[CodeDeployError], what: str
) -> _Enum | None:
    """Like ``enum_value``, with ``None`` for an absent member."""
    return None if value is None else enum_value(kind, value, error, what)


def check_length(
    values: Sequence[Any] | str | None, *, maximum: int, error: type[CodeDeployError], what: str
) -> None:
    """A list's size or a string's length within the model's maximum (absent is within)."""
    if values is not None and len(values) > maximum:
        raise error(f"{what} is longer than the limit of {maximum}, got {len(values)}.")
