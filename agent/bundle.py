"""DownloadBundle: fetch a revision's bundle and unpack it into ``deployment-archive``.

Sources sit behind ``BundleSource``: S3 (a boto3 client passed in; version and eTag checked),
GitHub (tarball/zipball at a commit, with retries) and, for local mode, a file on this host.
Extraction uses only the standard library and refuses, before writing anything, every member that
could land outside the archive: absolute paths, ``..``, links pointing out, device files, and
archives that would unpack to more than ``ExtractionLimits`` allow (a decompression bomb must not
fill the host's disk). Failures raise ``BundleError`` and leave the previous
``deployment-archive`` untouched.
"""

from __future__ import annotations

import posixpath
import shutil
import stat
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from agent.deployment import AgentRevision, LocalRevision
from agent.deployment_root import RevisionDirectory
from rollwright.agent_protocol import BundleType, GitHubRevision, S3Revision
from rollwright.appspec import AppSpec

CHUNK_BYTES = 1024 * 1024
STAGING = ".deployment-archive.partial"


@dataclass(frozen=True)
class ExtractionLimits:
    """What one bundle may unpack to. The defaults are far above any real application bundle."""

    max_bytes: int = 8 * 1024**3
    max_members: int = 200_000

    def check(self, sizes: Sequence[int]) -> None:
        if len(sizes) > self.max_members:
            raise BundleError(
                f"the bundle holds {len(sizes)} entries, more than the {self.max_members} allowed"
            )
        total = sum(sizes)
        if total > self.max_bytes:
            raise BundleError(
                f"the bundle unpacks to {total} bytes, more than the {self.max_bytes} allowed"
            )


class BundleError(Exception):
    """The bundle could not be fetched or unpacked; the message says why."""


class BundleSource(Protocol):
    def fetch(self, destination: Path) -> BundleType:
        """Writes the bundle to ``destination`` and says what kind of archive it is."""
        ...


class BundleSources(Protocol):
    def for_revision(self, revision: AgentRevision) -> BundleSource: ...


class S3BundleSource:
    def __init__(self, s3_client: Any, revision: S3Revision) -> None:
        self._s3 = s3_client
        self._revision = revision

    def fetch(self, destination: Path) -> BundleType:
        revision = self._revision
        request = {"Bucket": revision.bucket, "Key": revision.key}
        if revision.version is not None:
            request["VersionId"] = revision.version
        try:
            response = self._s3.get_object(**request)
            _stream(response["Body"], destination)
        except Exception as error:  # botocore's ClientError and connection errors alike
            if isinstance(error, BundleError):
                raise
            raise BundleError(
                f"cannot download s3://{revision.bucket}/{revision.key}: {error}"
            ) from error
        if revision.etag is not None:
            actual = str(response.get("ETag", "")).strip('"')
            if actual != revision.etag.strip('"'):
                raise BundleError(
                    f"s3://{revision.bucket}/{revision.key} has eTag {actual}, but the revision "
                    f"names {revision.etag}: the object changed after the deployment was created"
                )
        return revision.bundle_type


@dataclass(frozen=True)
class GitHubSettings:
    api_base_url: str = "https://api.github.com"
    token: str | None = None
    # CodeDeploy's agent waits 10, 30 and 90 seconds between its attempts.
    retry_delays: tuple[float, ...] = (10.0, 30.0, 90.0)
    timeout_seconds: float = 80.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def __post_init__(self) -> None:
        if not self.api_base_url.startswith(("https://", "http://")):
            raise ValueError(f"GitHub API URL {self.api_base_url!r} is not an http(s) URL")


class GitHubBundleSource:
    def __init__(self, settings: GitHubSettings, revision: GitHubRevision) -> None:
        self._settings = settings
        self._revision = revision

    def fetch(self, destination: Path) -> BundleType:
        archive = "zipball" if self._revision.bundle_type is BundleType.ZIP else "tarball"
        base = self._settings.api_base_url.rstrip("/")
        url = f"{base}/repos/{self._revision.repository}/{archive}/{self._revision.commit_id}"
        # The base URL is checked to be http(s) by GitHubSettings, hence the S310 waivers.
        request = urllib.request.Request(url, headers={"User-Agent": "rollwright-agent"})  # noqa: S310
        if self._settings.token:
            # Unredirected: GitHub answers with a redirect to codeload, which must not see it.
            request.add_unredirected_header("Authorization", f"token {self._settings.token}")
        delays = self._settings.retry_delays
        for attempt in range(len(delays) + 1):
            try:
                timeout = self._settings.timeout_seconds
                with urllib.request.urlopen(request, timeout=timeout) as body:  # noqa: S310
                    _stream(body, destination)
                return BundleType.ZIP if archive == "zipball" else BundleType.TGZ
            except urllib.error.HTTPError as error:
                retryable = error.code >= 500 or error.code == 429
                failure = f"GitHub answered {error.code} {error.reason} for {url}"
            except (urllib.error.URLError, OSError) as error:
                retryable, failure = True, f"cannot reach {url}: {error}"
            if not retryable or attempt == len(delays):
                raise BundleError(failure)
            self._settings.sleep(delays[attempt])
        raise AssertionError("unreachable: the loop returns or raises")


class LocalBundleSource:
    def __init__(self, revision: LocalRevision) -> None:
        self._path = revision.path

    def fetch(self, destination: Path) -> BundleType:
        if not self._path.is_file():
            raise BundleError(f"bundle {self._path} is not a file or directory")
        shutil.copyfile(self._path, destination)
        if zipfile.is_zipfile(destination):
            return BundleType.ZIP
        if tarfile.is_tarfile(destination):
            return BundleType.TGZ
        raise BundleError(f"bundle {self._path} is not a tar, tgz or zip archive")


@dataclass(frozen=True)
class RevisionSources:
    """Picks the source for a revision: S3 with the agent's client, GitHub, or a local path."""

    s3_client: Any = None
    github: GitHubSettings = GitHubSettings()

    def for_revision(self, revision: AgentRevision) -> BundleSource:
        if isinstance(revision, S3Revision):
            if self.s3_client is None:
                raise BundleError("this agent has no S3 client, so it cannot fetch S3 revisions")
            return S3BundleSource(self.s3_client, revision)
        if isinstance(revision, GitHubRevision):
            return GitHubBundleSource(self.github, revision)
        return LocalBundleSource(revision)


def download_bundle(
    sources: BundleSources,
    revision: AgentRevision,
    directory: RevisionDirectory,
    appspec_filename: str,
) -> AppSpec:
    """Fetches and unpacks the bundle, then reads its appspec so a bad one fails here."""
    staging = directory.path / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    try:
        if isinstance(revision, LocalRevision) and revision.path.is_dir():
            shutil.copytree(revision.path, staging, symlinks=True)
        else:
            bundle_type = sources.for_revision(revision).fetch(directory.bundle_file)
            extract(directory.bundle_file, bundle_type, staging)
        strip_top_level_directory(staging, appspec_filename)
        spec = directory.appspec(appspec_filename, archive=staging)
        if spec is None:
            raise BundleError(f"the bundle has no {appspec_filename} at its root")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(directory.archive, ignore_errors=True)
    staging.rename(directory.archive)
    return spec


def extract(
    bundle: Path,
    bundle_type: BundleType,
    destination: Path,
    limits: ExtractionLimits = ExtractionLimits(),
) -> None:
    destination.mkdir(mode=0o755, parents=True)
    try:
        if bundle_type is BundleType.ZIP:
            _extract_zip(bundle, destination, limits)
        else:
            _extract_tar(bundle, destination, limits)
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise BundleError(f"cannot unpack the {bundle_type.value} bundle: {error}") from error


def strip_top_level_directory(archive: Path, appspec_filename: str) -> None:
    """CodeDeploy unpacks ``app/appspec.yml`` as if it were ``appspec.yml``."""
    if RevisionDirectory.find_appspec(archive, appspec_filename) is not None:
        return
    entries = list(archive.iterdir())
    if len(entries) != 1 or not entries[0].is_dir() or entries[0].is_symlink():
        return
    if RevisionDirectory.find_appspec(entries[0], appspec_filename) is None:
        return
    # Renamed first: the top-level directory may hold an entry with its own name.
    holder = entries[0].rename(archive / f".{entries[0].name}.stripped")
    for child in holder.iterdir():
        child.rename(archive / child.name)
    holder.rmdir()


def _stream(body: BinaryIO | Any, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with destination.open("wb") as target:
        while chunk := body.read(CHUNK_BYTES):
            target.write(chunk)


def _extract_tar(bundle: Path, destination: Path, limits: ExtractionLimits) -> None:
    with tarfile.open(bundle, "r:*") as archive:
        members = archive.getmembers()
        # A tar member's size is the exact length of its data, so the sum bounds what is written.
        limits.check([member.size for member in members])
        for member in members:
            _check_name(member.name)
            if member.isdev():
                raise BundleError(f"bundle member {member.name} is a device file or FIFO")
            if member.issym():
                _check_link(member.name, member.linkname)
            elif member.islnk():
                _check_name(member.linkname, what=f"hard link {member.name} target")
        # The "tar" filter re-checks every path against the destination and drops setuid bits.
        archive.extractall(destination, members=members, filter="tar")


def _extract_zip(bundle: Path, destination: Path, limits: ExtractionLimits) -> None:
    root = destination.resolve()
    with zipfile.ZipFile(bundle) as archive:
        members = archive.infolist()
        # zipfile refuses a member whose data runs past its declared size (a lying header), so
        # the declared sizes bound what is written.
        limits.check([member.file_size for member in members])
        links: dict[str, str] = {}
        for member in members:
            _check_name(member.filename)
            mode = member.external_attr >> 16
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
                raise BundleError(f"bundle member {member.filename} is a device file or FIFO")
            if stat.S_ISLNK(mode):
                links[member.filename] = archive.read(member).decode("utf-8", errors="replace")
                _check_link(member.filename, links[member.filename])
        for member in members:
            _extract_zip_member(archive, member, root, links)


def _extract_zip_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, root: Path, links: dict[str, str]
) -> None:
    target = root / member.filename
    if not target.parent.resolve().is_relative_to(root):
        raise BundleError(f"bundle member {member.filename} would be written outside the archive")
    if member.is_dir():
        target.mkdir(mode=0o755, parents=True, exist_ok=True)
        return
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    if member.filename in links:
        target.symlink_to(links[member.filename])
        return
    with archive.open(member) as source, target.open("wb") as sink:
        shutil.copyfileobj(source, sink, CHUNK_BYTES)
    mode = (member.external_attr >> 16) & 0o777
    # Zips made on Windows carry no Unix mode; unzip gives such files 0644 too.
    target.chmod(mode or 0o644)


def _parts(name: str) -> Sequence[str]:
    return [part for part in name.replace("\\", "/").split("/") if part not in {"", "."}]


def _check_name(name: str, what: str | None = None) -> None:
    label = what or f"bundle member {name}"
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        raise BundleError(f"{label} has an absolute path; bundles hold relative paths only")
    if ".." in _parts(name):
        raise BundleError(f"{label} climbs out of the archive with '..'")


def _check_link(name: str, target: str) -> None:
    if target.startswith("/") or target.replace("\\", "/").startswith("/"):
        raise BundleError(f"bundle member {name} is a link to the absolute path {target}")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
    if resolved == ".." or resolved.startswith("../"):
        raise BundleError(f"bundle member {name} is a link to {target}, outside the archive")
