"""Typed reads of request members.

A request body decodes to plain values; these readers check the type a member's shape declares.
A member of the wrong type is a ``SerializationException``, as AWS JSON and RPC v2 services answer
when a body does not match the model. An absent member and an explicit null are both ``None``.
Values (lengths, patterns, enums) are checked by the domain, with CodeDeploy's exception names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollwright.errors import SerializationException


def _wrong_type(member: str, expected: str) -> SerializationException:
    return SerializationException(f"Member {member} must be {expected}")


def optional_string(params: Mapping[str, Any], member: str) -> str | None:
    value = params.get(member)
    if value is None or isinstance(value, str):
        return value
    raise _wrong_type(member, "a string")


def optional_string_list(params: Mapping[str, Any], member: str) -> list[str] | None:
    value = params.get(member)
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise _wrong_type(member, "a list of strings")


def optional_structure_list(
    params: Mapping[str, Any], member: str, *, string_members: tuple[str, ...]
) -> list[dict[str, str | None]] | None:
    """A list of structures whose members (those named) are all strings."""
    value = params.get(member)
    if value is None:
        return None
    if not isinstance(value, list):
        raise _wrong_type(member, "a list")
    structures: list[dict[str, str | None]] = []
    for item in value:
        if not isinstance(item, dict):
            raise _wrong_type(member, "a list of structures")
        structures.append({name: optional_string(item, name) for name in string_members})
    return structures


def optional_structure(params: Mapping[str, Any], member: str) -> Mapping[str, Any] | None:
    """A nested structure, its own members read by the same readers."""
    value = params.get(member)
    if value is None or isinstance(value, dict):
        return value
    raise _wrong_type(member, "a structure")


def optional_structures(params: Mapping[str, Any], member: str) -> list[Mapping[str, Any]] | None:
    """A list of nested structures, their members read by the same readers."""
    value = params.get(member)
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    raise _wrong_type(member, "a list of structures")


def optional_integer(params: Mapping[str, Any], member: str) -> int | None:
    value = params.get(member)
    # bool is an int in Python, but a JSON true is not a number.
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _wrong_type(member, "an integer")


def optional_boolean(params: Mapping[str, Any], member: str) -> bool | None:
    value = params.get(member)
    if value is None or isinstance(value, bool):
        return value
    raise _wrong_type(member, "a boolean")
