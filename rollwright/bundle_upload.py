"""Revisions for ``rollwright deploy``: a bundle directory zipped and uploaded, or an S3 URL.

A directory becomes a zip that depends only on its content (entries sorted, fixed timestamps,
Unix modes kept so scripts stay executable, symbolic links stored as links), so the same
directory always gets the same key, ``<prefix>/<application>/<sha256>.zip``, and uploading it again
is skipped. The revision carries the object's eTag and version, which the agent checks when it
downloads the bundle.
"""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from rollwright.cli_errors import CliError
from rollwright.revision_locations import BundleType, S3Location

APPSPEC_NAMES = ("appspec.yml", "appspec.yaml")
ARCHIVE_BUNDLE_TYPES = (BundleType.ZIP, BundleType.TAR, BundleType.TGZ)
DEFAULT_KEY_PREFIX = "rollwright-cli"
# The earliest time a zip entry can carry; any fixed time keeps the archive's bytes stable.
_FIXED_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)
_EXTENSIONS = {
    ".zip": BundleType.ZIP,
    ".tar": BundleType.TAR,
    ".tgz": BundleType.TGZ,
    ".tar.gz": BundleType.TGZ,
}


def revision_location(location: S3Location) -> dict[str, Any]:
    """CodeDeploy's ``RevisionLocation`` for an S3 revision, as the API takes it."""
    s3_location: dict[str, Any] = {
        "bucket": location.bucket,
        "key": location.key,
        "bundleType": location.bundle_type.value,
    }
    if location.etag:
        s3_location["eTag"] = location.etag
    if location.version:
        s3_location["version"] = location.version
    return {"revisionType": "S3", "s3Location": s3_location}


def parse_s3_url(url: str, bundle_type: BundleType | None = None) -> S3Location:
    """``s3://bucket/key``; the bundle type from the key's extension unless given."""
    if not url.startswith("s3://"):
        raise CliError(f"{url!r} is not an S3 URL (s3://bucket/key)")
    bucket, _, key = url.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise CliError(f"{url!r} must name a bucket and a key (s3://bucket/key)")
    kind = bundle_type or bundle_type_of(key)
    if kind is None:
        raise CliError(
            f"cannot tell the bundle type of {key!r} from its extension "
            f"({', '.join(_EXTENSIONS)}): pass --bundle-type"
        )
    return S3Location(bucket=bucket, key=key, bundle_type=kind)


def bundle_type_of(key: str) -> BundleType | None:
    name = key.lower()
    for extension, kind in sorted(_EXTENSIONS.items(), key=lambda item: -len(item[0])):
        if name.endswith(extension):
            return kind
    return None


def zip_bundle(directory: Path) -> bytes:
    """The directory as a zip whose bytes depend only on its content; it must hold an appspec."""
    if not directory.is_dir():
        raise CliError(f"{directory} is not a directory")
    if not any((directory / name).is_file() for name in APPSPEC_NAMES):
        raise CliError(f"{directory} has no appspec.yml at its root: it is not a CodeDeploy bundle")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _entries(directory):
            name = path.relative_to(directory).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                target = str(path.readlink())
                _check_link(name, target)
                archive.writestr(_entry(name, stat.S_IFLNK | 0o777), target)
            elif stat.S_ISDIR(mode):
                archive.writestr(_entry(name + "/", stat.S_IFDIR | (mode & 0o777)), b"")
            elif stat.S_ISREG(mode):
                archive.writestr(_entry(name, stat.S_IFREG | (mode & 0o777)), path.read_bytes())
            else:
                raise CliError(f"{name} is neither a file, a directory nor a link")
    return buffer.getvalue()


def bundle_key(prefix: str, application: str, content: bytes) -> str:
    return f"{prefix.strip('/')}/{application}/{hashlib.sha256(content).hexdigest()}.zip"


def upload_bundle(
    s3: Any, *, bucket: str, application: str, directory: Path, prefix: str = DEFAULT_KEY_PREFIX
) -> S3Location:
    """Zip ``directory`` and put it in ``bucket`` unless an object with its content is there."""
    content = zip_bundle(directory)
    key = bundle_key(prefix, application, content)
    try:
        stored = s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey", "NotFound"}:
            raise
        stored = s3.put_object(Bucket=bucket, Key=key, Body=content)
    return S3Location(
        bucket=bucket,
        key=key,
        bundle_type=BundleType.ZIP,
        etag=str(stored["ETag"]).strip('"'),
        version=stored.get("VersionId"),
    )


def _entries(directory: Path) -> list[Path]:
    """Every file, directory and link below ``directory``; linked directories are not entered
    (a link is stored as a link)."""
    found: list[Path] = []
    pending = [directory]
    while pending:
        for path in pending.pop().iterdir():
            found.append(path)
            if path.is_dir() and not path.is_symlink():
                pending.append(path)
    return sorted(found, key=lambda path: path.relative_to(directory).as_posix())


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_ENTRY_TIME)
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix: the mode bits above are read as such
    return info


def _check_link(name: str, target: str) -> None:
    """The agent refuses links that leave the bundle; say so before anything is uploaded."""
    parts = list(PurePosixPath(name).parent.parts)
    for part in PurePosixPath(target).parts:
        if part == "..":
            if not parts:
                raise CliError(f"the link {name} -> {target} points outside the bundle")
            parts.pop()
        elif part != ".":
            parts.append(part)
    if target.startswith("/"):
        raise CliError(f"the link {name} -> {target} points outside the bundle")
