"""YAML documents from outside (appspecs): read safely, and every error names a key and a line.

The safe loader only, a size limit checked before parsing, and anchors and aliases refused outright
(the only way a few bytes of YAML expand into gigabytes; appspecs never need them). The document
comes back as a ``DocumentValue``: typed access to its members where each refusal is raised as the
caller's error type, naming the member's path (``hooks.BeforeInstall[0].timeout``) and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

import yaml

Path = tuple[str | int, ...]
_E = TypeVar("_E", bound=StrEnum)


def load_document(
    text: str | bytes, *, what: str, error: type[ValueError], size_limit: int
) -> DocumentValue:
    """Parses ``text`` or raises ``error`` (whose messages start with ``what``)."""
    if isinstance(text, bytes):
        if len(text) > size_limit:
            raise error(f"{what} is {len(text)} bytes; the limit is {size_limit} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as problem:
            raise error(f"{what} is not UTF-8 text: {problem}") from None
    size = len(text.encode("utf-8", errors="replace"))
    if size > size_limit:
        raise error(f"{what} is {size} bytes; the limit is {size_limit} bytes")
    document, lines = _load(text, what, error)
    return DocumentValue(document, (), lines, what, error)


class _RefusingLoader(yaml.SafeLoader):
    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AnchorError(event.start_mark.line + 1)
        return super().compose_node(parent, index)


class _AnchorError(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _load(text: str, what: str, error: type[ValueError]) -> tuple[Any, dict[Path, int]]:
    loader: _RefusingLoader | None = None
    try:
        loader = _RefusingLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise error(f"{what} is empty")
        document = loader.construct_document(node)
    except _AnchorError as refused:
        raise error(
            f"{what} line {refused.line}: YAML anchors and aliases are not allowed in an {what}"
        ) from None
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise error(f"{what}{where} is not valid YAML: {problem.problem}") from None
    except (yaml.YAMLError, ValueError, OverflowError) as problem:
        if isinstance(problem, error):
            raise
        # Constructors raise plain ValueErrors for e.g. impossible dates (2021-02-30).
        raise error(f"{what} is not valid YAML: {problem}") from None
    except RecursionError:
        raise error(f"{what} nests too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Path, int] = {}
    _record_lines(node, (), lines)
    return document, lines


def _record_lines(node: yaml.Node, path: Path, lines: dict[Path, int], line: int = 0) -> None:
    # A mapping member is named by its key's line: a block list value starts a line later.
    lines[path] = line or node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_line = key_node.start_mark.line + 1
                _record_lines(value_node, (*path, str(key_node.value)), lines, key_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines)


class DocumentValue:
    """A value of the document with its path, so every error can name its key and line."""

    def __init__(
        self,
        value: Any,
        path: Path,
        lines: Mapping[Path, int],
        what: str,
        error_type: type[ValueError],
    ) -> None:
        self.value = value
        self.path = path
        self._lines = lines
        self._what = what
        self._error_type = error_type

    def child(self, key: str | int, value: Any) -> DocumentValue:
        return DocumentValue(value, (*self.path, key), self._lines, self._what, self._error_type)

    def error(self, problem: str) -> ValueError:
        name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)
        name = name.lstrip(".") or "document"
        # A missing key has no line of its own: name the line of the nearest enclosing value.
        line = next(
            (
                self._lines[self.path[:depth]]
                for depth in range(len(self.path), -1, -1)
                if self.path[:depth] in self._lines
            ),
            None,
        )
        where = f" (line {line})" if line is not None else ""
        return self._error_type(f"{self._what} {name}{where}: {problem}")

    def mapping(self) -> dict[str, Any]:
        if not isinstance(self.value, dict) or not all(isinstance(k, str) for k in self.value):
            raise self.error("must be a mapping of names to values")
        return self.value

    def member(self, key: str) -> DocumentValue | None:
        members = self.mapping()
        if members.get(key) is None:
            return None
        return self.child(key, members[key])

    def required(self, key: str) -> DocumentValue:
        node = self.member(key)
        if node is None:
            raise self.child(key, None).error("is required")
        return node

    def items(self) -> list[DocumentValue]:
        if self.value is None:
            return []
        if not isinstance(self.value, list):
            raise self.error("must be a list")
        return [self.child(index, item) for index, item in enumerate(self.value)]

    def text(self) -> str:
        if isinstance(self.value, bool) or not isinstance(self.value, str | int | float):
            raise self.error("must be a string")
        text = str(self.value)
        if not text.strip():
            raise self.error("must not be empty")
        return text

    def texts(self) -> tuple[str, ...]:
        if isinstance(self.value, str):
            return (self.value,)
        return tuple(item.text() for item in self.items())

    def choice(self, kind: type[_E]) -> _E:
        value = self.value
        allowed = [member.value for member in kind]
        if isinstance(value, str) and value in allowed:
            return kind(value)
        raise self.error(f"must be one of {', '.join(allowed)}, got {value!r}")
