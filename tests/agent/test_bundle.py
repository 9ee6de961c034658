"""DownloadBundle: S3 (moto), GitHub (a local HTTP server), and hostile archives."""

from __future__ import annotations

import io
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from agent.bundle import (
    BundleError,
    ExtractionLimits,
    GitHubSettings,
    RevisionSources,
    download_bundle,
    extract,
)
from agent.deployment import LocalRevision
from agent.deployment_root import DeploymentRoot, RevisionDirectory
from rollwright.agent_protocol import BundleType, GitHubRevision, S3Revision
from tests.agent.revisions import APPSPEC, tar_bytes, tar_file, tar_link, zip_bytes

BUCKET = "revisions"


@pytest.fixture
def revision_directory(tmp_path: Path) -> RevisionDirectory:
    return DeploymentRoot(tmp_path / "root").create_revision_directory("dg-1", "d-AAAAAAAA1")


@pytest.fixture
def s3() -> Iterator[object]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def fetch_local(tmp_path: Path, data: bytes, directory: RevisionDirectory, name: str) -> None:
    bundle = tmp_path / name
    bundle.write_bytes(data)
    download_bundle(RevisionSources(), LocalRevision(bundle), directory, "appspec.yml")


@pytest.mark.parametrize(
    ("bundle_type", "data"),
    [
        (BundleType.TAR, tar_bytes([tar_file("appspec.yml", APPSPEC)])),
        (BundleType.TGZ, tar_bytes([tar_file("appspec.yml", APPSPEC)], mode="w:gz")),
        (BundleType.ZIP, zip_bytes({"appspec.yml": APPSPEC})),
    ],
)
def test_an_s3_bundle_of_each_type_is_unpacked(
    s3: object, revision_directory: RevisionDirectory, bundle_type: BundleType, data: bytes
) -> None:
    # Given a bundle in S3
    s3.put_object(Bucket=BUCKET, Key="app", Body=data)  # type: ignore[attr-defined]
    # When DownloadBundle fetches it
    download_bundle(
        RevisionSources(s3_client=s3),
        S3Revision(BUCKET, "app", bundle_type),
        revision_directory,
        "appspec.yml",
    )
    # Then the archive holds its appspec, and the bundle is kept as bundle.tar
    assert (revision_directory.archive / "appspec.yml").read_bytes() == APPSPEC
    assert revision_directory.bundle_file.read_bytes() == data


def test_an_s3_version_id_fetches_that_version(
    s3: object, revision_directory: RevisionDirectory
) -> None:
    # Given two versions of the bundle object
    first = s3.put_object(  # type: ignore[attr-defined]
        Bucket=BUCKET, Key="app", Body=zip_bytes({"appspec.yml": APPSPEC, "v1": b""})
    )
    s3.put_object(Bucket=BUCKET, Key="app", Body=zip_bytes({"appspec.yml": APPSPEC, "v2": b""}))  # type: ignore[attr-defined]
    # When the revision names the first version
    download_bundle(
        RevisionSources(s3_client=s3),
        S3Revision(BUCKET, "app", BundleType.ZIP, version=first["VersionId"]),
        revision_directory,
        "appspec.yml",
    )
    # Then that version is unpacked
    assert (revision_directory.archive / "v1").exists()
    assert not (revision_directory.archive / "v2").exists()


def test_an_etag_mismatch_fails_clearly_and_keeps_nothing(
    s3: object, revision_directory: RevisionDirectory
) -> None:
    # Given a bundle whose eTag differs from the revision's
    s3.put_object(Bucket=BUCKET, Key="app", Body=zip_bytes({"appspec.yml": APPSPEC}))  # type: ignore[attr-defined]
    # When DownloadBundle fetches it
    with pytest.raises(BundleError, match="eTag"):
        download_bundle(
            RevisionSources(s3_client=s3),
            S3Revision(BUCKET, "app", BundleType.ZIP, etag="0123456789abcdef"),
            revision_directory,
            "appspec.yml",
        )
    # Then no archive was unpacked
    assert not revision_directory.archive.exists()


def test_a_missing_s3_object_fails_naming_it(
    s3: object, revision_directory: RevisionDirectory
) -> None:
    # Given no such object
    # When DownloadBundle fetches it, Then the error names the object
    with pytest.raises(BundleError, match="s3://revisions/absent"):
        download_bundle(
            RevisionSources(s3_client=s3),
            S3Revision(BUCKET, "absent", BundleType.ZIP),
            revision_directory,
            "appspec.yml",
        )


class _GitHub(BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[tuple[str, str | None]] = []
    body = b""

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        status = self.answers.pop(0) if self.answers else 200
        self.send_response(status)
        self.end_headers()
        if status == 200:
            self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def github() -> Iterator[type[_GitHub]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GitHub)
    _GitHub.answers, _GitHub.seen = [], []
    _GitHub.body = tar_bytes([tar_file("repo-abc123/appspec.yml", APPSPEC)], mode="w:gz")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _GitHub.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield _GitHub
    server.shutdown()
    server.server_close()


def test_a_github_tarball_is_fetched_at_the_commit_with_the_token_after_retries(
    github: type[_GitHub], revision_directory: RevisionDirectory
) -> None:
    # Given a GitHub API that fails twice with 502 before answering
    github.answers = [502, 502]
    settings = GitHubSettings(
        api_base_url=github.url,  # type: ignore[attr-defined]
        token="secret-token",
        retry_delays=(0.01, 0.01, 0.01),
    )
    # When DownloadBundle fetches the revision
    download_bundle(
        RevisionSources(github=settings),
        GitHubRevision("octo/shop", "abc123"),
        revision_directory,
        "appspec.yml",
    )
    # Then it asked three times for the commit's tarball with the token, and stripped the
    # top-level directory GitHub puts around the repository
    assert github.seen == [("/repos/octo/shop/tarball/abc123", "token secret-token")] * 3
    assert (revision_directory.archive / "appspec.yml").read_bytes() == APPSPEC


def test_a_github_not_found_fails_without_retrying(
    github: type[_GitHub], revision_directory: RevisionDirectory
) -> None:
    # Given a GitHub API answering 404
    github.answers = [404]
    settings = GitHubSettings(api_base_url=github.url, retry_delays=(0.01,))  # type: ignore[attr-defined]
    # When DownloadBundle fetches the revision, Then it fails at once naming the status
    with pytest.raises(BundleError, match="404"):
        download_bundle(
            RevisionSources(github=settings),
            GitHubRevision("octo/shop", "abc123"),
            revision_directory,
            "appspec.yml",
        )
    assert len(github.seen) == 1


HOSTILE_TARS = {
    "absolute path": [tar_file("appspec.yml", APPSPEC), tar_file("/tmp/evil", b"x")],
    "dot-dot": [tar_file("appspec.yml", APPSPEC), tar_file("a/../../evil", b"x")],
    "escaping symlink": [tar_file("appspec.yml", APPSPEC), tar_link("link", "../../outside")],
    "absolute symlink": [tar_file("appspec.yml", APPSPEC), tar_link("link", "/etc")],
    "escaping hard link": [
        tar_file("appspec.yml", APPSPEC),
        tar_link("hard", "../x", kind=tarfile.LNKTYPE),
    ],
    "device file": [tar_file("appspec.yml", APPSPEC), tar_link("dev", "", kind=tarfile.CHRTYPE)],
}


@pytest.mark.parametrize("attack", sorted(HOSTILE_TARS))
def test_a_hostile_tar_is_refused_before_anything_is_written(
    tmp_path: Path, revision_directory: RevisionDirectory, attack: str
) -> None:
    # Given a tar bundle carrying the attack
    data = tar_bytes(HOSTILE_TARS[attack])
    # When DownloadBundle unpacks it, Then it is refused and nothing is left behind
    with pytest.raises(BundleError):
        fetch_local(tmp_path, data, revision_directory, "bundle.tar")
    assert not revision_directory.archive.exists()
    assert not (tmp_path / "evil").exists()
    assert not list(revision_directory.path.glob(".deployment-archive*"))


HOSTILE_ZIPS = {
    "absolute path": ({"appspec.yml": APPSPEC, "/tmp/evil": b"x"}, {}),
    "dot-dot": ({"appspec.yml": APPSPEC, "../evil": b"x"}, {}),
    "backslash dot-dot": ({"appspec.yml": APPSPEC, "..\\evil": b"x"}, {}),
    "escaping symlink": ({"appspec.yml": APPSPEC}, {"link": "../../outside"}),
    "absolute symlink": ({"appspec.yml": APPSPEC}, {"link": "/etc"}),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE_ZIPS))
def test_a_hostile_zip_is_refused_before_anything_is_written(
    tmp_path: Path, revision_directory: RevisionDirectory, attack: str
) -> None:
    # Given a zip bundle carrying the attack
    files, links = HOSTILE_ZIPS[attack]
    # When DownloadBundle unpacks it, Then it is refused and nothing is left behind
    with pytest.raises(BundleError):
        fetch_local(tmp_path, zip_bytes(files, links), revision_directory, "bundle.zip")
    assert not revision_directory.archive.exists()
    assert not (tmp_path / "evil").exists()


def test_links_inside_the_archive_are_kept(
    tmp_path: Path, revision_directory: RevisionDirectory
) -> None:
    # Given a zip with a symlink to a sibling file and an executable script
    data = zip_bytes({"appspec.yml": APPSPEC, "bin/run.sh": b"#!/bin/sh\n"}, {"current": "bin"})
    # When it is unpacked
    fetch_local(tmp_path, data, revision_directory, "bundle.zip")
    # Then the link and the execute bit survive
    assert (revision_directory.archive / "current").readlink() == Path("bin")
    assert (revision_directory.archive / "bin" / "run.sh").stat().st_mode & 0o111


def test_a_bundle_without_an_appspec_fails_download_bundle(
    tmp_path: Path, revision_directory: RevisionDirectory
) -> None:
    # Given a zip with no appspec.yml anywhere
    # When it is unpacked, Then DownloadBundle fails saying so
    with pytest.raises(BundleError, match=r"no appspec\.yml"):
        fetch_local(tmp_path, zip_bytes({"readme": b""}), revision_directory, "bundle.zip")


def test_a_single_top_level_directory_named_like_its_child_is_stripped(
    tmp_path: Path, revision_directory: RevisionDirectory
) -> None:
    # Given a tar whose only top-level directory "app" also holds an "app" entry
    data = tar_bytes([tar_file("app/appspec.yml", APPSPEC), tar_file("app/app", b"inner")])
    # When it is unpacked
    fetch_local(tmp_path, data, revision_directory, "bundle.tar")
    # Then the directory's contents are the archive root
    assert (revision_directory.archive / "appspec.yml").read_bytes() == APPSPEC
    assert (revision_directory.archive / "app").read_bytes() == b"inner"


@pytest.mark.parametrize("bundle_type", [BundleType.TGZ, BundleType.ZIP])
def test_a_bundle_unpacking_past_the_size_limit_is_refused_before_writing(
    tmp_path: Path, bundle_type: BundleType
) -> None:
    # Given a highly compressible bundle that unpacks to 2 MB
    big = b"\0" * (2 * 1024 * 1024)
    if bundle_type is BundleType.ZIP:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("appspec.yml", APPSPEC)
            archive.writestr("big.bin", big)
        bundle = buffer.getvalue()
    else:
        bundle = tar_bytes([tar_file("appspec.yml", APPSPEC), tar_file("big.bin", big)], "w:gz")
    path = tmp_path / "bundle"
    path.write_bytes(bundle)
    assert len(bundle) < 1024 * 1024
    # When it is unpacked with a 1 MB limit
    with pytest.raises(BundleError, match="more than the 1048576 allowed"):
        extract(path, bundle_type, tmp_path / "out", ExtractionLimits(max_bytes=1024 * 1024))
    # Then nothing was written
    assert not list((tmp_path / "out").iterdir())


def test_a_bundle_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(zip_bytes({"appspec.yml": APPSPEC, **{f"f{n}": b"" for n in range(10)}}))
    with pytest.raises(BundleError, match="11 entries, more than the 10 allowed"):
        extract(path, BundleType.ZIP, tmp_path / "out", ExtractionLimits(max_members=10))
