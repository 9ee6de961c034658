"""Bundle directories zipped for ``rollwright deploy --bundle``, and ``--s3`` URLs."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from rollwright.bundle_upload import (
    bundle_key,
    bundle_type_of,
    parse_s3_url,
    revision_location,
    zip_bundle,
)
from rollwright.cli_errors import CliError
from rollwright.revision_locations import BundleType, S3Location


def bundle(directory: Path) -> Path:
    (directory / "scripts").mkdir(parents=True)
    (directory / "appspec.yml").write_text("version: 0.0\nos: linux\n")
    script = directory / "scripts" / "start.sh"
    script.write_text("#!/bin/sh\necho started\n")
    script.chmod(0o755)
    (directory / "app").mkdir()
    (directory / "app" / "index.html").write_text("<h1>hello</h1>")
    (directory / "empty").mkdir()
    return directory


def members(content: bytes) -> dict[str, zipfile.ZipInfo]:
    return {info.filename: info for info in zipfile.ZipFile(io.BytesIO(content)).infolist()}


def test_a_bundle_directory_is_zipped_with_its_files_modes_and_directories(tmp_path) -> None:
    content = zip_bundle(bundle(tmp_path / "b"))
    found = members(content)
    assert sorted(found) == [
        "app/",
        "app/index.html",
        "appspec.yml",
        "empty/",
        "scripts/",
        "scripts/start.sh",
    ]
    assert found["scripts/start.sh"].external_attr >> 16 & 0o777 == 0o755
    assert stat.S_ISREG(found["scripts/start.sh"].external_attr >> 16)
    assert zipfile.ZipFile(io.BytesIO(content)).read("app/index.html") == b"<h1>hello</h1>"


def test_the_same_content_zips_to_the_same_bytes_and_key(tmp_path) -> None:
    # Given two directories with the same content, written at different times
    first = zip_bundle(bundle(tmp_path / "one"))
    second_dir = bundle(tmp_path / "two")
    (second_dir / "app" / "index.html").touch()
    second = zip_bundle(second_dir)
    # Then their zips and keys are equal, and a change of content changes the key
    assert first == second
    assert bundle_key("cli", "shop", first) == bundle_key("cli/", "shop", second)
    (second_dir / "app" / "index.html").write_text("changed")
    assert bundle_key("cli", "shop", zip_bundle(second_dir)) != bundle_key("cli", "shop", first)
    assert bundle_key("cli", "shop", first).startswith("cli/shop/")


def test_a_link_inside_the_bundle_is_stored_as_a_link(tmp_path) -> None:
    directory = bundle(tmp_path / "b")
    (directory / "app" / "current").symlink_to("index.html")
    content = zip_bundle(directory)
    info = members(content)["app/current"]
    assert stat.S_ISLNK(info.external_attr >> 16)
    assert zipfile.ZipFile(io.BytesIO(content)).read(info) == b"index.html"


@pytest.mark.parametrize("target", ["../../etc/passwd", "/etc/passwd", "../../outside"])
def test_a_link_leaving_the_bundle_is_refused(tmp_path, target) -> None:
    directory = bundle(tmp_path / "b")
    (directory / "app" / "escape").symlink_to(target)
    with pytest.raises(CliError, match="points outside the bundle"):
        zip_bundle(directory)


def test_a_directory_without_an_appspec_is_refused(tmp_path) -> None:
    directory = bundle(tmp_path / "b")
    (directory / "appspec.yml").unlink()
    with pytest.raises(CliError, match=r"no appspec\.yml at its root"):
        zip_bundle(directory)


def test_the_yaml_spelling_of_the_appspec_is_accepted(tmp_path) -> None:
    directory = bundle(tmp_path / "b")
    (directory / "appspec.yml").rename(directory / "appspec.yaml")
    assert "appspec.yaml" in members(zip_bundle(directory))


def test_a_missing_directory_is_refused(tmp_path) -> None:
    with pytest.raises(CliError, match="is not a directory"):
        zip_bundle(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://b/app.zip", S3Location("b", "app.zip", BundleType.ZIP)),
        ("s3://b/releases/1/app.tar", S3Location("b", "releases/1/app.tar", BundleType.TAR)),
        ("s3://b/app.tgz", S3Location("b", "app.tgz", BundleType.TGZ)),
        ("s3://b/app.TAR.GZ", S3Location("b", "app.TAR.GZ", BundleType.TGZ)),
    ],
)
def test_an_s3_url_names_bucket_key_and_bundle_type(url, expected) -> None:
    assert parse_s3_url(url) == expected


def test_a_given_bundle_type_wins_over_the_extension() -> None:
    assert parse_s3_url("s3://b/app", BundleType.TAR).bundle_type is BundleType.TAR


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://b/app.zip", "not an S3 URL"),
        ("s3://b", "must name a bucket and a key"),
        ("s3:///app.zip", "must name a bucket and a key"),
        ("s3://b/app.rar", "pass --bundle-type"),
    ],
)
def test_a_bad_s3_url_is_refused_with_what_to_do(url, message) -> None:
    with pytest.raises(CliError, match=message):
        parse_s3_url(url)


def test_bundle_type_of_an_unknown_extension_is_none() -> None:
    assert bundle_type_of("app.7z") is None


def test_the_revision_location_carries_etag_and_version_when_known() -> None:
    assert revision_location(S3Location("b", "k.zip", BundleType.ZIP, "v1", "abc")) == {
        "revisionType": "S3",
        "s3Location": {
            "bucket": "b",
            "key": "k.zip",
            "bundleType": "zip",
            "eTag": "abc",
            "version": "v1",
        },
    }
    assert "eTag" not in revision_location(S3Location("b", "k", BundleType.TAR))["s3Location"]
