"""CodeDeploy requests generated from botocore's own service model, valid or with one defect.

Nothing of the model is copied here: shapes are read from the installed botocore at test time, so
every operation the API serves (``rollwright.operations.OPERATIONS``) is covered as soon as it is
registered.

A generated request is either valid per the model or carries exactly one defect (a malformed
body, a member of the wrong type, a missing required member, a length, pattern, enum or range
violation), so the answer it must get is known: ``tests/e2e/model_answers.py`` says which.
Members the model does not know are added to valid and defective requests alike: AWS services
ignore unknown members (a newer client may send them), so they never change the expected answer.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from hypothesis import strategies as st

from rollwright import cbor
from rollwright.protocols import WireProtocol

# Things the property test creates before it runs, and names it never creates.
KNOWN_APPLICATION = "fuzz-app"
KNOWN_DEPLOYMENT_GROUP = "fuzz-group"
ABSENT_NAME = "fuzz-absent"
ACCOUNT = "123456789012"

# Deeper structures only get their required members: the model's inputs nest about six levels.
_MAX_OPTIONAL_DEPTH = 4
_SMALL_LIST = 3
# Longer than any batch CodeDeploy accepts (100 names), for lists the model leaves unbounded.
_LONG_LIST = 101
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
# More nesting than any input shape has, and more than the codecs accept (cbor.MAX_DEPTH).
_DEEP_NESTING = 5_000

Path = tuple[str | int, ...]


class Defect(StrEnum):
    MALFORMED_BODY = "malformed body"
    WRONG_TYPE = "member of the wrong type"
    MISSING_REQUIRED = "required member missing"
    LENGTH = "length out of bounds"
    RANGE = "number out of range"
    PATTERN = "string breaks the pattern"
    ENUM = "value not in the enum"


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("codedeploy")


def operation_model(operation: str) -> OperationModel:
    return service_model().operation_model(operation)


def modeled_errors(operation: str) -> frozenset[str]:
    return frozenset(shape.name for shape in operation_model(operation).error_shapes)


@dataclass(frozen=True)
class ModelRequest:
    """One HTTP request to the API and what the model says about it."""

    operation: str
    protocol: WireProtocol
    body: bytes
    params: Any  # the decoded document (or a description of a malformed body), for reports
    defect: Defect | None = None
    path: Path = ()

    @property
    def valid(self) -> bool:
        return self.defect is None

    def describe(self) -> str:
        shown = repr(self.params)
        shown = shown if len(shown) <= 600 else shown[:600] + "..."
        verdict = "valid" if self.valid else f"{self.defect} at {'.'.join(map(str, self.path))}"
        return f"{self.operation} over {self.protocol.value} ({verdict}): {shown}"


# --- valid values ------------------------------------------------------------------------------


def _bounds(shape: Shape, default: tuple[int, int]) -> tuple[int, int]:
    low = shape.metadata.get("min", default[0])
    high = shape.metadata.get("max", default[1])
    return int(low), int(high)


def _fits(shape: Shape, text: str) -> bool:
    low, high = _bounds(shape, (0, 1 << 20))
    pattern = shape.metadata.get("pattern")
    enum = shape.enum
    if enum and text not in enum:
        return False
    return low <= len(text) <= high and (pattern is None or re.fullmatch(pattern, text) is not None)


def _known_strings(shape: Shape, member: str) -> list[str]:
    """Values that name things: ones the test created and ones that do not exist."""
    lowered = f"{shape.name}/{member}".lower()
    if "arn" in lowered:
        return [
            f"arn:aws:codedeploy:us-east-1:{ACCOUNT}:application:{KNOWN_APPLICATION}",
            f"arn:aws:codedeploy:us-east-1:{ACCOUNT}:deploymentgroup:{KNOWN_APPLICATION}/"
            f"{KNOWN_DEPLOYMENT_GROUP}",
            f"arn:aws:iam::{ACCOUNT}:role/{ABSENT_NAME}",
            "not-an-arn",
        ]
    if "applicationname" in lowered:
        return [KNOWN_APPLICATION, ABSENT_NAME]
    if "deploymentgroupname" in lowered:
        return [KNOWN_DEPLOYMENT_GROUP, ABSENT_NAME]
    if "deploymentconfigname" in lowered:
        return ["CodeDeployDefault.OneAtATime", "CodeDeployDefault.LambdaAllAtOnce", ABSENT_NAME]
    if "deploymentid" in lowered:
        return ["d-ABCDEFGHI", "d-123456789"]
    return [ABSENT_NAME]


def _strings(shape: Shape, member: str) -> st.SearchStrategy[str]:
    if shape.enum:
        return st.sampled_from(list(shape.enum))
    low, high = _bounds(shape, (0, 40))
    pattern = shape.metadata.get("pattern")
    generated: st.SearchStrategy[str]
    if pattern is not None:
        # Cut to the maximum: the model's patterns are character classes repeated (``[...]*``),
        # which every prefix of a match still matches.
        generated = st.from_regex(pattern, fullmatch=True).map(lambda text: text[:high])
    else:
        generated = st.text(min_size=low, max_size=min(high, low + 40))
    known = [text for text in _known_strings(shape, member) if _fits(shape, text)]
    choices = [generated.filter(lambda text: _fits(shape, text))]
    if known:
        choices.insert(0, st.sampled_from(known))
    return st.one_of(choices)


def _numbers(shape: Shape) -> st.SearchStrategy[Any]:
    if shape.type_name in ("integer", "long"):
        low, high = _bounds(shape, _INT32 if shape.type_name == "integer" else _INT64)
        return st.one_of(st.integers(max(low, 0), min(high, 100)), st.integers(low, high))
    low_float = shape.metadata.get("min")
    high_float = shape.metadata.get("max")
    return st.floats(low_float, high_float, allow_nan=False, allow_infinity=False)


def valid_values(
    shape: Shape, member: str = "", depth: int = 0, *, long_lists: bool = True
) -> st.SearchStrategy[Any]:
    """Values that satisfy ``shape`` (unknown members added to structures). ``long_lists`` lets
    unbounded lists of strings exceed CodeDeploy's batch limits (still valid per the model)."""
    kind = shape.type_name
    if kind == "structure":
        return _structures(shape, depth, long_lists=long_lists)
    if kind == "list":
        element = valid_values(shape.member, member, depth + 1, long_lists=long_lists)
        low, high = _bounds(shape, (0, _LONG_LIST))
        lists = st.lists(element, min_size=low, max_size=max(low, min(high, _SMALL_LIST)))
        if long_lists and high >= _LONG_LIST and shape.member.type_name == "string":
            return st.one_of(lists, st.lists(element, min_size=_LONG_LIST, max_size=_LONG_LIST))
        return lists
    if kind == "map":
        return st.dictionaries(
            valid_values(shape.key, member, depth + 1, long_lists=long_lists),
            valid_values(shape.value, member, depth + 1, long_lists=long_lists),
            max_size=_SMALL_LIST,
        )
    if kind == "string":
        return _strings(shape, member)
    if kind in ("integer", "long", "double", "float"):
        return _numbers(shape)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        ).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))
    if kind == "blob":
        return st.binary(max_size=16)
    raise NotImplementedError(f"no strategy for {kind} shapes ({shape.name})")


def _structures(shape: Shape, depth: int, *, long_lists: bool) -> st.SearchStrategy[dict[str, Any]]:
    members: Mapping[str, Shape] = shape.members
    required = {
        name: valid_values(members[name], name, depth + 1, long_lists=long_lists)
        for name in shape.required_members
    }
    optional = (
        {
            name: valid_values(member, name, depth + 1, long_lists=long_lists)
            for name, member in members.items()
            if name not in required
        }
        if depth < _MAX_OPTIONAL_DEPTH
        else {}
    )
    known = st.fixed_dictionaries(required, optional=optional)
    unknown = st.dictionaries(
        st.sampled_from(["unknownMember", "ApplicationName", "__type", "x-amz-extra"]).filter(
            lambda name: name not in members
        ),
        st.one_of(st.none(), st.integers(*_INT32), st.text(max_size=5), st.lists(st.booleans())),
        max_size=1,
    )
    return st.tuples(known, unknown).map(lambda parts: {**parts[1], **parts[0]})


# --- defects -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    defect: Defect
    path: Path
    shape: Shape


def _sites(shape: Shape, value: Any, path: Path) -> list[_Site]:
    """Every place in a valid ``value`` where one defect can be put."""
    found = [_Site(Defect.WRONG_TYPE, path, shape)] if path else []
    kind = shape.type_name
    metadata = shape.metadata
    if kind == "structure":
        for name in shape.required_members:
            found.append(_Site(Defect.MISSING_REQUIRED, (*path, name), shape.members[name]))
        for name, member in shape.members.items():
            if name in value:
                found.extend(_sites(member, value[name], (*path, name)))
    elif kind == "list":
        if "max" in metadata or metadata.get("min", 0) > 0:
            found.append(_Site(Defect.LENGTH, path, shape))
        if value:
            found.extend(_sites(shape.member, value[0], (*path, 0)))
    # Map values are not descended into: a map key is not a member name (expected_errors reads
    # the path's member names), and the model's only map holds no constrained values.
    elif kind == "string":
        if shape.enum:
            found.append(_Site(Defect.ENUM, path, shape))
        if "max" in metadata or metadata.get("min", 0) > 0:
            found.append(_Site(Defect.LENGTH, path, shape))
        if "pattern" in metadata:
            found.append(_Site(Defect.PATTERN, path, shape))
    elif kind in ("integer", "long", "double", "float") and (
        "min" in metadata or "max" in metadata
    ):
        found.append(_Site(Defect.RANGE, path, shape))
    return found


def _wrong_types(shape: Shape) -> st.SearchStrategy[Any]:
    """JSON/CBOR values a member of ``shape`` cannot deserialize from."""
    anything_but: dict[str, list[Any]] = {
        "string": [7, True, 1.5, [], {}, ["text"]],
        "integer": ["7", 1.5, True, [], {}, 2**31, -(2**31) - 1],
        "long": ["7", 1.5, False, [], {}, 2**63],
        "double": ["1.5", True, [], {}],
        "float": ["1.5", True, [], {}],
        "boolean": ["true", 1, 0, [], {}],
        "timestamp": ["yesterday", True, [], {}],
        "blob": [7, True, [], {}],
        "structure": ["text", 7, True, [], [{}]],
        "list": ["text", 7, True, {}],
        "map": ["text", 7, True, [], [{}]],
    }
    return st.sampled_from(anything_but[shape.type_name])


def _too_long_or_short(shape: Shape, value: Any) -> list[Any]:
    low, high = _bounds(shape, (0, -1))
    if shape.type_name == "list":
        element = value[0] if value else None
        variants: list[Any] = [[element] * (high + 1)] if high >= 0 and element is not None else []
        return variants + ([[]] if low > 0 else [])
    filler = "a"  # fits every pattern of the model, so only the length is wrong
    return ([filler * (high + 1)] if high >= 0 else []) + ([filler * (low - 1)] if low > 0 else [])


def _off_pattern(shape: Shape) -> list[str]:
    candidates = ["has space", "slash/name", "caf\u00e9", "semi;colon", "star*", "new\nline"]
    return [text for text in candidates if _fits_length(shape, text) and not _fits(shape, text)]


def _fits_length(shape: Shape, text: str) -> bool:
    low, high = _bounds(shape, (0, 1 << 20))
    return low <= len(text) <= high


def _off_enum(shape: Shape) -> list[str]:
    enum = list(shape.enum)
    candidates = ["NotAValue", "", enum[0].lower(), enum[0].upper(), f" {enum[0]}"]
    return [text for text in candidates if text not in enum]


def _out_of_range(shape: Shape) -> list[Any]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    return ([low - 1] if low is not None else []) + ([high + 1] if high is not None else [])


def _replace(document: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    parent: Any = changed
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return changed


def _remove(document: dict[str, Any], path: Path, *, as_null: bool) -> dict[str, Any]:
    if as_null:
        return _replace(document, path, None)
    changed = copy.deepcopy(document)
    parent: Any = changed
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return changed


@st.composite
def _defective_params(
    draw: st.DrawFn, operation: str
) -> tuple[dict[str, Any], Defect, Path] | None:
    shape = operation_model(operation).input_shape
    if shape is None:
        return None
    # No over-long batches in the base: their own refusal would hide the defect's.
    base = draw(valid_values(shape, long_lists=False))
    sites = [site for site in _sites(shape, base, ()) if _variants(site, base)]
    if not sites:
        return None
    # The kind of defect first, then where: otherwise the many places a wrong type or a missing
    # member fits would crowd out the few enum, pattern and length constraints.
    defect = draw(st.sampled_from(sorted({site.defect for site in sites})))
    site = draw(st.sampled_from([site for site in sites if site.defect is defect]))
    if site.defect is Defect.MISSING_REQUIRED:
        return _remove(base, site.path, as_null=draw(st.booleans())), site.defect, site.path
    if site.defect is Defect.WRONG_TYPE:
        value = draw(_wrong_types(site.shape))
    else:
        value = draw(st.sampled_from(_variants(site, base)))
    return _replace(base, site.path, value), site.defect, site.path


def _variants(site: _Site, base: dict[str, Any]) -> list[Any]:
    """The defective values a site can take (one placeholder for defects drawn elsewhere)."""
    if site.defect in (Defect.WRONG_TYPE, Defect.MISSING_REQUIRED):
        return [None]
    if site.defect is Defect.LENGTH:
        current: Any = base
        for part in site.path:
            current = current[part]
        return _too_long_or_short(site.shape, current)
    if site.defect is Defect.PATTERN:
        return list(_off_pattern(site.shape))
    if site.defect is Defect.ENUM:
        return list(_off_enum(site.shape))
    return _out_of_range(site.shape)


# --- bodies ------------------------------------------------------------------------------------


def encode(protocol: WireProtocol, params: Any) -> bytes:
    if protocol is WireProtocol.RPC_V2_CBOR:
        return cbor.encode(params)
    return json.dumps(params, default=_json_leaf).encode("utf-8")


def _json_leaf(value: object) -> object:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} has no JSON form")


def _deep(opening: bytes, closing: bytes, inner: bytes = b"") -> bytes:
    return opening * _DEEP_NESTING + inner + closing * _DEEP_NESTING


_MALFORMED_JSON = [
    b"{",
    b'{"applicationName":',
    b"[]",
    b'"text"',
    b"42",
    b"null",
    b"true",
    b'{"applicationName": NaN}',
    b'{"a": Infinity}',
    b"\xff\xfe{}",
    b"{}trailing",
    b"{'single': 'quotes'}",
    b'{"applicationName": "x",}',
    b'{"applicationName":' + _deep(b"[", b"]") + b"}",
    _deep(b'{"a":', b"}", b"1"),
]
_MALFORMED_CBOR = [
    b"\xa1",  # a map of one pair, with nothing after
    b"\x80",  # an array, not a structure
    b"\x61",  # a text string cut short
    b"\xff",  # a lone break
    b"\xa1\x01\x02",  # a map keyed by an integer
    b"\xa0\x00",  # trailing bytes
    b"\xc2\x41\x00",  # tag 2 (bignum), which the protocol does not use
    b"\xa1\x61a\xf0",  # simple value 16, which the protocol does not use
    b"\xa1\x61a" + _deep(b"\x81", b"", b"\x00"),  # nesting beyond any shape
]


def _is_structure(protocol: WireProtocol, body: bytes) -> bool:
    """Whether ``body`` reads as a structure (so it is not malformed after all)."""
    blank = body.strip() if protocol is WireProtocol.JSON_1_1 else body
    if not blank:
        return True  # an empty body reads as an empty structure
    try:
        document = cbor.decode(body) if protocol is WireProtocol.RPC_V2_CBOR else json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(document, dict)


def malformed_bodies(protocol: WireProtocol) -> st.SearchStrategy[bytes]:
    known = _MALFORMED_CBOR if protocol is WireProtocol.RPC_V2_CBOR else _MALFORMED_JSON
    noise = st.binary(min_size=1, max_size=24).filter(
        lambda body: not _is_structure(protocol, body)
    )
    return st.one_of(st.sampled_from(known), noise)


# --- requests ----------------------------------------------------------------------------------


def served_operations(operations: Sequence[str]) -> list[str]:
    """The registered operations the model knows, in a stable order (derandomized runs)."""
    modeled = set(service_model().operation_names)
    return sorted(name for name in operations if name in modeled)


@st.composite
def model_requests(draw: st.DrawFn, operations: Sequence[str]) -> ModelRequest:
    """Valid requests, requests with one defective member, and malformed bodies, in both
    protocols (one in four in RPC v2 CBOR)."""
    operation = draw(st.sampled_from(served_operations(operations)))
    protocol = draw(
        st.sampled_from([WireProtocol.JSON_1_1] * 3 + [WireProtocol.RPC_V2_CBOR]),
    )
    kind = draw(st.sampled_from(["valid", "valid", "defective", "defective", "malformed"]))
    if kind == "defective":
        defective = draw(_defective_params(operation))
        if defective is not None:
            params, defect, path = defective
            return ModelRequest(operation, protocol, encode(protocol, params), params, defect, path)
    if kind == "malformed":
        body = draw(malformed_bodies(protocol))
        shown = body if len(body) <= 64 else body[:64] + b"..."
        return ModelRequest(operation, protocol, body, shown, Defect.MALFORMED_BODY)
    shape = operation_model(operation).input_shape
    params = draw(valid_values(shape)) if shape is not None else {}
    return ModelRequest(operation, protocol, encode(protocol, params), params)
