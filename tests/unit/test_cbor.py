"""The CBOR codec: RFC 8949 vectors, refusals, and compatibility with botocore's own CBOR code."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.model import ServiceModel
from botocore.parsers import RpcV2CBORParser
from botocore.serialize import RpcV2CBORSerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from rollwright import cbor

# --- decoding known vectors (RFC 8949 Appendix A) ---------------------------------------------


@pytest.mark.parametrize(
    ("hex_bytes", "expected"),
    [
        ("00", 0),
        ("17", 23),
        ("1818", 24),
        ("1903e8", 1000),
        ("1b000000e8d4a51000", 1000000000000),
        ("1bffffffffffffffff", 2**64 - 1),
        ("20", -1),
        ("3863", -100),
        ("3bffffffffffffffff", -(2**64)),
        ("f93c00", 1.0),
        ("f97bff", 65504.0),
        ("fa47c35000", 100000.0),
        ("fb3ff199999999999a", 1.1),
        ("f4", False),
        ("f5", True),
        ("f6", None),
        ("f7", None),
        ("4401020304", b"\x01\x02\x03\x04"),
        ("6449455446", "IETF"),
        ("62c3bc", "\u00fc"),
        ("83010203", [1, 2, 3]),
        ("a201020304", {1: 2, 3: 4}),
        ("a26161016162820203", {"a": 1, "b": [2, 3]}),
        ("c11a514b67b0", datetime(2013, 3, 21, 20, 4, tzinfo=UTC)),
        ("c1fb41d452d9ec200000", datetime(2013, 3, 21, 20, 4, 0, 500000, tzinfo=UTC)),
    ],
)
def test_decodes_the_rfc_examples(hex_bytes: str, expected: Any) -> None:
    assert cbor.decode(bytes.fromhex(hex_bytes)) == expected


@pytest.mark.parametrize(
    ("hex_bytes", "expected"),
    [
        ("5f42010243030405ff", b"\x01\x02\x03\x04\x05"),
        ("7f657374726561646d696e67ff", "streaming"),
        ("9fff", []),
        ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]),
        ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}),
        ("bf6346756ef563416d7421ff", {"Fun": True, "Amt": -2}),
    ],
)
def test_decodes_indefinite_length_items(hex_bytes: str, expected: Any) -> None:
    assert cbor.decode(bytes.fromhex(hex_bytes)) == expected


def test_decodes_nan_and_infinity_halves() -> None:
    assert math.isnan(cbor.decode(bytes.fromhex("f97e00")))
    assert cbor.decode(bytes.fromhex("f97c00")) == math.inf


@pytest.mark.parametrize(
    ("hex_bytes", "reason"),
    [
        ("", "empty input"),
        ("18", "truncated argument"),
        ("62c3", "truncated string"),
        ("830102", "array shorter than announced"),
        ("0001", "trailing bytes"),
        ("1c", "reserved additional information"),
        ("c2420102", "unsupported tag (bignum)"),
        ("c16161", "timestamp that is not a number"),
        ("f0", "unassigned simple value"),
        ("ff", "break outside an indefinite item"),
        ("5f6161ff", "text chunk inside a byte string"),
        ("5f", "unterminated indefinite string"),
        ("9f01", "unterminated indefinite array"),
        ("62ffff", "invalid UTF-8"),
        ("a1810102", "array as map key"),
        ("81" * (cbor.MAX_DEPTH + 2) + "00", "nesting too deep"),
    ],
)
def test_refuses_malformed_input(hex_bytes: str, reason: str) -> None:
    with pytest.raises(cbor.CborDecodeError):
        cbor.decode(bytes.fromhex(hex_bytes))


def test_encodes_a_whole_second_timestamp_as_tag_1_with_an_integer() -> None:
    when = datetime(2013, 3, 21, 20, 4, tzinfo=UTC)
    assert cbor.encode(when).hex() == "c11a514b67b0"


def test_refuses_to_encode_a_naive_timestamp() -> None:
    with pytest.raises(cbor.CborEncodeError):
        cbor.encode(datetime(2013, 3, 21, 20, 4))


def test_refuses_to_encode_an_integer_beyond_64_bits() -> None:
    with pytest.raises(cbor.CborEncodeError):
        cbor.encode(2**64)


# --- properties ---------------------------------------------------------------------------------

timestamps = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.just(UTC),
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | timestamps
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(deadline=None)
@given(values)
def test_decoding_an_encoded_value_gives_it_back(value: Any) -> None:
    assert _normalised(cbor.decode(cbor.encode(value))) == _normalised(value)


def _normalised(value: Any) -> Any:
    if isinstance(value, datetime):
        return ("timestamp", round(value.timestamp(), 3))
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def _botocore_reads(data: bytes) -> Any:
    parser = RpcV2CBORParser()
    return parser.parse_data_item(parser.get_peekable_stream_from_bytes(data))


def _without_nulls_in_maps(value: Any) -> Any:
    # botocore's CBOR parser drops map entries whose value is null.
    if isinstance(value, dict):
        return {k: _without_nulls_in_maps(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls_in_maps(item) for item in value]
    return value


@settings(deadline=None)
@given(values)
def test_botocore_parser_reads_what_we_encode(value: Any) -> None:
    assert _normalised(_botocore_reads(cbor.encode(value))) == _normalised(
        _without_nulls_in_maps(value)
    )


# A synthetic model (not CodeDeploy's) with one member of every type the protocol serializes.
_EVERY_TYPE = ServiceModel(
    {
        "metadata": {
            "protocol": "smithy-rpc-v2-cbor",
            "protocols": ["smithy-rpc-v2-cbor"],
            "targetPrefix": "Test",
            "apiVersion": "2020-01-01",
            "serviceId": "Test",
            "endpointPrefix": "test",
        },
        "operations": {
            "Echo": {
                "name": "Echo",
                "http": {"method": "POST", "requestUri": "/"},
                "input": {"shape": "Everything"},
                "output": {"shape": "Everything"},
            }
        },
        "shapes": {
            "Everything": {
                "type": "structure",
                "members": {
                    "text": {"shape": "Text"},
                    "count": {"shape": "Count"},
                    "big": {"shape": "Big"},
                    "ratio": {"shape": "Ratio"},
                    "flag": {"shape": "Flag"},
                    "when": {"shape": "When"},
                    "data": {"shape": "Data"},
                    "names": {"shape": "Names"},
                    "labels": {"shape": "Labels"},
                    "nested": {"shape": "Nested"},
                },
            },
            "Nested": {"type": "structure", "members": {"inner": {"shape": "Text"}}},
            "Text": {"type": "string"},
            "Count": {"type": "integer"},
            "Big": {"type": "long"},
            "Ratio": {"type": "double"},
            "Flag": {"type": "boolean"},
            "When": {"type": "timestamp"},
            "Data": {"type": "blob"},
            "Names": {"type": "list", "member": {"shape": "Text"}},
            "Labels": {"type": "map", "key": {"shape": "Text"}, "value": {"shape": "Text"}},
        },
    },
    service_name="test",
)
_ECHO = _EVERY_TYPE.operation_model("Echo")

structures = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(),
        "count": st.integers(min_value=-(2**31), max_value=2**31 - 1),
        "big": st.integers(min_value=-(2**63), max_value=2**63 - 1),
        "ratio": st.floats(allow_nan=False),
        "flag": st.booleans(),
        "when": timestamps,
        "data": st.binary(),
        "names": st.lists(st.text(), max_size=5),
        "labels": st.dictionaries(st.text(max_size=8), st.text(), max_size=5),
        "nested": st.fixed_dictionaries({}, optional={"inner": st.text()}),
    },
)


@settings(max_examples=200, deadline=None)
@given(structures)
def test_we_decode_what_botocore_serializes(params: dict[str, Any]) -> None:
    body = RpcV2CBORSerializer().serialize_to_request(params, _ECHO)["body"]
    assert _normalised(cbor.decode(body)) == _normalised(params)


@settings(max_examples=200, deadline=None)
@given(structures)
def test_botocore_parses_a_response_we_encode_into_the_shape(params: dict[str, Any]) -> None:
    response = {"status_code": 200, "headers": {}, "body": cbor.encode(params)}
    parsed = RpcV2CBORParser().parse(response, _ECHO.output_shape)
    parsed.pop("ResponseMetadata")
    assert _normalised(parsed) == _normalised(params)
