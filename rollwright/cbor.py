"""CBOR (RFC 8949), the subset the Smithy RPC v2 CBOR protocol uses.

Encodes and decodes maps, arrays, text and byte strings, integers, floats, booleans, null and
epoch-seconds timestamps (tag 1). The decoder also reads indefinite-length strings, arrays and maps
and half/single-precision floats, because other Smithy clients may send them. Anything else (other
tags, other simple values, reserved additional-info values, trailing bytes, nesting deeper than
``MAX_DEPTH``) is refused with ``CborDecodeError``: this reads untrusted request bodies.

A timestamp decodes to a timezone-aware UTC ``datetime``; an aware ``datetime`` encodes to tag 1
with an integer when it falls on a whole second and a double otherwise, as botocore does.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

MAX_DEPTH = 64

_UNSIGNED, _NEGATIVE, _BYTES, _TEXT, _ARRAY, _MAP, _TAG, _SIMPLE = range(8)
_INDEFINITE = 31
_BREAK = 0xFF
_EPOCH_TAG = 1
_FALSE, _TRUE, _NULL, _UNDEFINED = 20, 21, 22, 23
_HALF, _SINGLE, _DOUBLE = 25, 26, 27
_MAX_UINT64 = 2**64 - 1


class CborDecodeError(ValueError):
    """The bytes are not CBOR this codec accepts."""


class CborEncodeError(ValueError):
    """The value has no CBOR form in this codec."""


def encode(value: Any) -> bytes:
    out = bytearray()
    _encode_item(out, value, 0)
    return bytes(out)


def decode(data: bytes) -> Any:
    """Decode exactly one data item; trailing bytes are an error."""
    reader = _Reader(data)
    value = reader.item(0)
    if reader.position != len(data):
        raise CborDecodeError(f"{len(data) - reader.position} trailing bytes after the data item")
    return value


def _head(out: bytearray, major: int, argument: int) -> None:
    if argument < 24:
        out.append(major << 5 | argument)
    elif argument < 2**8:
        out.append(major << 5 | 24)
        out.append(argument)
    elif argument < 2**16:
        out.append(major << 5 | 25)
        out += argument.to_bytes(2, "big")
    elif argument < 2**32:
        out.append(major << 5 | 26)
        out += argument.to_bytes(4, "big")
    else:
        out.append(major << 5 | 27)
        out += argument.to_bytes(8, "big")


def _encode_item(out: bytearray, value: Any, depth: int) -> None:  # noqa: PLR0912
    if depth > MAX_DEPTH:
        raise CborEncodeError(f"nesting deeper than {MAX_DEPTH}")
    # bool before int: bool is a subclass of int.
    if value is None:
        out.append(_SIMPLE << 5 | _NULL)
    elif isinstance(value, bool):
        out.append(_SIMPLE << 5 | (_TRUE if value else _FALSE))
    elif isinstance(value, int):
        _encode_int(out, value)
    elif isinstance(value, float):
        out.append(_SIMPLE << 5 | _DOUBLE)
        out += struct.pack(">d", value)
    elif isinstance(value, str):
        encoded = value.encode("utf-8")
        _head(out, _TEXT, len(encoded))
        out += encoded
    elif isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        _head(out, _BYTES, len(raw))
        out += raw
    elif isinstance(value, datetime):
        _encode_timestamp(out, value)
    elif isinstance(value, Mapping):
        _head(out, _MAP, len(value))
        for key, item in value.items():
            _encode_item(out, key, depth + 1)
            _encode_item(out, item, depth + 1)
    elif isinstance(value, Sequence):
        _head(out, _ARRAY, len(value))
        for item in value:
            _encode_item(out, item, depth + 1)
    else:
        raise CborEncodeError(f"cannot encode a {type(value).__name__}")


def _encode_int(out: bytearray, value: int) -> None:
    if value >= 0:
        if value > _MAX_UINT64:
            raise CborEncodeError("integer does not fit in 64 bits")
        _head(out, _UNSIGNED, value)
    else:
        magnitude = -1 - value
        if magnitude > _MAX_UINT64:
            raise CborEncodeError("integer does not fit in 64 bits")
        _head(out, _NEGATIVE, magnitude)


def _encode_timestamp(out: bytearray, value: datetime) -> None:
    if value.tzinfo is None:
        raise CborEncodeError("a timestamp must be timezone-aware")
    _head(out, _TAG, _EPOCH_TAG)
    seconds = value.timestamp()
    if value.microsecond == 0:
        _encode_int(out, int(seconds))
    else:
        out.append(_SIMPLE << 5 | _DOUBLE)
        out += struct.pack(">d", seconds)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self.position = 0

    def _take(self, count: int) -> bytes:
        end = self.position + count
        if end > len(self._data):
            raise CborDecodeError("unexpected end of data")
        chunk = self._data[self.position : end]
        self.position = end
        return chunk

    def _argument(self, info: int) -> int:
        if info < 24:
            return info
        if info in (24, 25, 26, 27):
            return int.from_bytes(self._take(1 << (info - 24)), "big")
        raise CborDecodeError(f"reserved or unexpected additional information {info}")

    def _at_break(self) -> bool:
        if self.position >= len(self._data):
            raise CborDecodeError("unexpected end of data inside an indefinite-length item")
        if self._data[self.position] == _BREAK:
            self.position += 1
            return True
        return False

    def item(self, depth: int) -> Any:  # noqa: PLR0911
        if depth > MAX_DEPTH:
            raise CborDecodeError(f"nesting deeper than {MAX_DEPTH}")
        initial = self._take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if major == _UNSIGNED:
            return self._argument(info)
        if major == _NEGATIVE:
            return -1 - self._argument(info)
        if major in (_BYTES, _TEXT):
            return self._string(major, info)
        if major == _ARRAY:
            return self._array(info, depth)
        if major == _MAP:
            return self._map(info, depth)
        if major == _TAG:
            return self._tag(info, depth)
        return self._simple(info)

    def _string(self, major: int, info: int) -> bytes | str:
        if info == _INDEFINITE:
            chunks = []
            while not self._at_break():
                chunk_head = self._take(1)[0]
                if chunk_head >> 5 != major or chunk_head & 0x1F == _INDEFINITE:
                    raise CborDecodeError("an indefinite-length string chunk has the wrong type")
                chunks.append(self._take(self._argument(chunk_head & 0x1F)))
            raw = b"".join(chunks)
        else:
            raw = self._take(self._argument(info))
        if major == _BYTES:
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CborDecodeError("a text string is not valid UTF-8") from error

    def _array(self, info: int, depth: int) -> list[Any]:
        if info == _INDEFINITE:
            items = []
            while not self._at_break():
                items.append(self.item(depth + 1))
            return items
        return [self.item(depth + 1) for _ in range(self._argument(info))]

    def _map(self, info: int, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        if info == _INDEFINITE:
            while not self._at_break():
                self._entry(result, depth)
        else:
            for _ in range(self._argument(info)):
                self._entry(result, depth)
        return result

    def _entry(self, result: dict[Any, Any], depth: int) -> None:
        key = self.item(depth + 1)
        if isinstance(key, dict | list):
            raise CborDecodeError("a map key must be a scalar")
        result[key] = self.item(depth + 1)

    def _tag(self, info: int, depth: int) -> datetime:
        tag = self._argument(info)
        if tag != _EPOCH_TAG:
            raise CborDecodeError(f"unsupported tag {tag}")
        seconds = self.item(depth + 1)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise CborDecodeError("a tag 1 timestamp must hold a number")
        if not math.isfinite(seconds):
            raise CborDecodeError("a tag 1 timestamp must be finite")
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise CborDecodeError("a tag 1 timestamp is out of range") from error

    def _simple(self, info: int) -> Any:
        if info == _FALSE:
            return False
        if info == _TRUE:
            return True
        if info in (_NULL, _UNDEFINED):
            return None
        if info == _HALF:
            return struct.unpack(">e", self._take(2))[0]
        if info == _SINGLE:
            return struct.unpack(">f", self._take(4))[0]
        if info == _DOUBLE:
            return struct.unpack(">d", self._take(8))[0]
        if info == _INDEFINITE:
            raise CborDecodeError("unexpected break")
        raise CborDecodeError(f"unsupported simple value {info}")
