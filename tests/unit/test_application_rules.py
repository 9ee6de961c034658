"""The rules for application input, each with CodeDeploy's exception name."""

from __future__ import annotations

import pytest

from rollwright.applications import (
    ComputePlatform,
    Tag,
    decode_next_token,
    encode_next_token,
    valid_application_name,
    valid_application_names,
    valid_compute_platform,
    valid_tags,
)
from rollwright.errors import (
    ApplicationNameRequiredException,
    BatchLimitExceededException,
    CodeDeployError,
    InvalidApplicationNameException,
    InvalidComputePlatformException,
    InvalidNextTokenException,
    InvalidTagsToAddException,
)


@pytest.mark.parametrize("name", ["a", "shop", "A-Z_a.z@0+9=,", "x" * 100])
def test_a_valid_application_name_is_accepted(name: str) -> None:
    assert valid_application_name(name) == name


@pytest.mark.parametrize(
    ("name", "error"),
    [
        (None, ApplicationNameRequiredException),
        ("", ApplicationNameRequiredException),
        ("x" * 101, InvalidApplicationNameException),
        ("has space", InvalidApplicationNameException),
        ("slash/name", InvalidApplicationNameException),
        ("ünïcode", InvalidApplicationNameException),
        ("colon:name", InvalidApplicationNameException),
    ],
)
def test_an_invalid_application_name_is_refused(
    name: str | None, error: type[CodeDeployError]
) -> None:
    with pytest.raises(error):
        valid_application_name(name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ComputePlatform.SERVER),
        ("Server", ComputePlatform.SERVER),
        ("Lambda", ComputePlatform.LAMBDA),
        ("ECS", ComputePlatform.ECS),
    ],
)
def test_the_compute_platform_defaults_to_server(
    value: str | None, expected: ComputePlatform
) -> None:
    assert valid_compute_platform(value) is expected


@pytest.mark.parametrize("value", ["server", "EC2", ""])
def test_an_unknown_compute_platform_is_refused(value: str) -> None:
    with pytest.raises(InvalidComputePlatformException, match="Server, Lambda or ECS"):
        valid_compute_platform(value)


def test_tags_within_the_limits_are_accepted() -> None:
    tags = [Tag("team", "payments"), Tag("k" * 128, "v" * 256), Tag("empty", "")]
    assert valid_tags(tags) == tuple(tags)


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ([Tag("", "v")], "an empty key"),
        ([Tag("k" * 129, "v")], "a key over 128 characters"),
        ([Tag("k", "v" * 257)], "a value over 256 characters"),
        ([Tag("aws:owner", "v")], "the reserved aws: prefix"),
        ([Tag("AWS:owner", "v")], "the reserved prefix in any case"),
        ([Tag("k", "1"), Tag("k", "2")], "a repeated key"),
        ([Tag(f"k{i}", "v") for i in range(51)], "more than 50 tags"),
    ],
)
def test_invalid_tags_are_refused(tags: list[Tag], reason: str) -> None:
    with pytest.raises(InvalidTagsToAddException):
        valid_tags(tags)


def test_batch_names_keep_their_order_without_repeats() -> None:
    assert valid_application_names(["b", "a", "b"]) == ["b", "a"]


@pytest.mark.parametrize(
    ("names", "error"),
    [
        (None, ApplicationNameRequiredException),
        ([], ApplicationNameRequiredException),
        (["ok", ""], ApplicationNameRequiredException),
        (["ok", "bad name"], InvalidApplicationNameException),
        ([f"app{i}" for i in range(101)], BatchLimitExceededException),
    ],
)
def test_invalid_batch_names_are_refused(
    names: list[str] | None, error: type[CodeDeployError]
) -> None:
    with pytest.raises(error):
        valid_application_names(names)


def test_a_next_token_names_the_last_application_listed() -> None:
    assert decode_next_token(encode_next_token("shop-7")) == "shop-7"


@pytest.mark.parametrize(
    "token",
    ["", "not base64 !", "bm90IGpzb24", "WzFd", "eyJhZnRlciI6IDF9", "eyJhZnRlciI6ICJhIGIifQ=="],
)
def test_a_forged_or_garbled_next_token_is_refused(token: str) -> None:
    with pytest.raises(InvalidNextTokenException):
        decode_next_token(token)
