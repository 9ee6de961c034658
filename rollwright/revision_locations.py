"""Where an application revision lives (CodeDeploy's ``RevisionLocation``) and its identity.

A revision is identified, within its application, by its location alone: an S3 object (bucket,
key, bundle type, version, eTag), a GitHub commit (repository, commit), or inline AppSpec text
(its SHA-256). ``revision_id`` is a digest of that identity, so a location of any length fits a
DynamoDB sort key. Inline AppSpec text may be named by its SHA-256 alone (``GetDeployment`` answers
without the content), so lookups accept ``content``, ``sha256`` or both; registration needs the
content.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from rollwright.applications import ComputePlatform
from rollwright.errors import InvalidRevisionException, RevisionRequiredException
from rollwright.model_constraints import optional_enum

S3_KEY_MAX_LENGTH = 1024
S3_VERSION_MAX_LENGTH = 1024
ETAG_MAX_LENGTH = 1024
# Ours: CodeDeploy documents no size for inline AppSpec text; this keeps a revision item far
# below DynamoDB's 400 KB item limit.
APPSPEC_CONTENT_MAX_BYTES = 64 * 1024
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_GITHUB_COMMIT = re.compile(r"[0-9a-fA-F]{40}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class RevisionType(StrEnum):
    S3 = "S3"
    GITHUB = "GitHub"
    STRING = "String"  # deprecated by CodeDeploy in favour of AppSpecContent
    APPSPEC_CONTENT = "AppSpecContent"


class BundleType(StrEnum):
    TAR = "tar"
    TGZ = "tgz"
    ZIP = "zip"
    YAML = "YAML"
    JSON = "JSON"


ARCHIVE_BUNDLES = frozenset({BundleType.TAR, BundleType.TGZ, BundleType.ZIP})


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str
    bundle_type: BundleType
    version: str | None = None
    etag: str | None = None

    @property
    def revision_type(self) -> RevisionType:
        return RevisionType.S3

    def identity(self) -> tuple[str, ...]:
        return ("S3", self.bucket, self.key, self.bundle_type, self.version or "", self.etag or "")


@dataclass(frozen=True)
class GitHubLocation:
    repository: str  # "account/repository"
    commit_id: str  # lower-case hex

    @property
    def revision_type(self) -> RevisionType:
        return RevisionType.GITHUB

    def identity(self) -> tuple[str, ...]:
        return ("GitHub", self.repository, self.commit_id)


@dataclass(frozen=True)
class AppSpecText:
    """Inline AppSpec: ``AppSpecContent`` or the deprecated ``String`` (``RawString``)."""

    revision_type: RevisionType
    sha256: str  # lower-case hex of the UTF-8 content
    content: str | None = None

    def identity(self) -> tuple[str, ...]:
        return (self.revision_type.value, self.sha256)


RevisionLocation = S3Location | GitHubLocation | AppSpecText


def revision_id(location: RevisionLocation) -> str:
    """The identity of a location as 64 hex characters, stable across releases."""
    document = json.dumps(location.identity(), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def listed(location: RevisionLocation) -> RevisionLocation:
    """The location as listings show it: inline AppSpec by its SHA-256 only, as GetDeployment."""
    if isinstance(location, AppSpecText):
        return replace(location, content=None)
    return location


def fits_compute_platform(location: RevisionLocation, platform: ComputePlatform) -> bool:
    """Server deploys archives (S3 or GitHub); Lambda and ECS deploy an AppSpec (S3 YAML/JSON or
    inline; the deprecated String is Lambda's only)."""
    if isinstance(location, S3Location):
        return (location.bundle_type in ARCHIVE_BUNDLES) == (platform is ComputePlatform.SERVER)
    if isinstance(location, GitHubLocation):
        return platform is ComputePlatform.SERVER
    if location.revision_type is RevisionType.STRING:
        return platform is ComputePlatform.LAMBDA
    return platform is not ComputePlatform.SERVER


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionRequest:
    """A ``RevisionLocation`` as the request carried it, members unchecked."""

    revision_type: str | None
    bucket: str | None = None
    key: str | None = None
    bundle_type: str | None = None
    version: str | None = None
    etag: str | None = None
    repository: str | None = None
    commit_id: str | None = None
    content: str | None = None
    sha256: str | None = None
    s3_location_given: bool = False
    github_location_given: bool = False
    text_given: bool = False


def check_revision_enums(request: RevisionRequest) -> None:
    """The model's constraints on a ``RevisionLocation``: its two enums, when given (the rest of
    ``valid_revision`` is CodeDeploy's rules)."""
    for kind, value, what in (
        (RevisionType, request.revision_type, "revision type"),
        (BundleType, request.bundle_type, "bundle type"),
    ):
        optional_enum(kind, value, InvalidRevisionException, what)


def valid_revision(request: RevisionRequest | None, *, content_required: bool) -> RevisionLocation:
    """The location named by ``request``; ``content_required`` for registration (a lookup may
    name inline AppSpec by its SHA-256 alone)."""
    if request is None:
        raise RevisionRequiredException("The revision is required.")
    if request.revision_type is None:
        raise InvalidRevisionException(
            "The revision type is required: S3, GitHub or AppSpecContent."
        )
    try:
        revision_type = RevisionType(request.revision_type)
    except ValueError:
        raise InvalidRevisionException(
            f"The revision type {request.revision_type!r} is not valid: use S3, GitHub, String or "
            "AppSpecContent."
        ) from None
    if revision_type is RevisionType.S3:
        return _valid_s3_location(request)
    if revision_type is RevisionType.GITHUB:
        return _valid_github_location(request)
    return _valid_appspec_text(request, revision_type, content_required=content_required)


def valid_s3_bucket(bucket: str) -> bool:
    return bool(_S3_BUCKET.fullmatch(bucket)) and ".." not in bucket


def _valid_s3_location(request: RevisionRequest) -> S3Location:
    if not request.s3_location_given:
        raise InvalidRevisionException("A revision of type S3 needs an s3Location.")
    if not request.bucket or not valid_s3_bucket(request.bucket):
        raise InvalidRevisionException(
            f"The S3 bucket name {request.bucket!r} is not valid: 3 to 63 lower-case letters, "
            "digits, dots and hyphens."
        )
    if not request.key or len(request.key) > S3_KEY_MAX_LENGTH:
        raise InvalidRevisionException(
            f"The S3 key must be 1 to {S3_KEY_MAX_LENGTH} characters long."
        )
    if request.bundle_type is None:
        raise InvalidRevisionException(
            "The bundle type of an S3 revision is required: tar, tgz, zip, YAML or JSON."
        )
    try:
        bundle_type = BundleType(request.bundle_type)
    except ValueError:
        raise InvalidRevisionException(
            f"The bundle type {request.bundle_type!r} is not valid: use tar, tgz, zip, YAML or "
            "JSON."
        ) from None
    _check_optional("S3 object version", request.version, S3_VERSION_MAX_LENGTH)
    _check_optional("eTag", request.etag, ETAG_MAX_LENGTH)
    return S3Location(request.bucket, request.key, bundle_type, request.version, request.etag)


def _check_optional(what: str, value: str | None, max_length: int) -> None:
    if value is not None and not 1 <= len(value) <= max_length:
        raise InvalidRevisionException(f"The {what}, when given, must be 1 to {max_length} long.")


def _valid_github_location(request: RevisionRequest) -> GitHubLocation:
    if not request.github_location_given:
        raise InvalidRevisionException("A revision of type GitHub needs a gitHubLocation.")
    if not request.repository or not _GITHUB_REPOSITORY.fullmatch(request.repository):
        raise InvalidRevisionException(
            f"The GitHub repository {request.repository!r} is not valid: use account/repository."
        )
    if not request.commit_id or not _GITHUB_COMMIT.fullmatch(request.commit_id):
        raise InvalidRevisionException(
            f"The GitHub commit ID {request.commit_id!r} is not valid: use the 40-character SHA-1."
        )
    return GitHubLocation(request.repository, request.commit_id.lower())


def _valid_appspec_text(
    request: RevisionRequest, revision_type: RevisionType, *, content_required: bool
) -> AppSpecText:
    member = "string" if revision_type is RevisionType.STRING else "appSpecContent"
    if not request.text_given:
        raise InvalidRevisionException(f"A revision of type {revision_type} needs {member}.")
    given_sha256 = request.sha256
    if given_sha256 is not None and not _SHA256.fullmatch(given_sha256):
        raise InvalidRevisionException(f"The sha256 of {member} must be 64 hexadecimal characters.")
    content = request.content
    if content is None or content == "":
        if content_required or given_sha256 is None:
            raise InvalidRevisionException(f"The content of {member} is required.")
        return AppSpecText(revision_type, given_sha256.lower())
    encoded = content.encode("utf-8")
    if len(encoded) > APPSPEC_CONTENT_MAX_BYTES:
        raise InvalidRevisionException(
            f"The content of {member} is {len(encoded)} bytes; the limit is "
            f"{APPSPEC_CONTENT_MAX_BYTES}."
        )
    digest = hashlib.sha256(encoded).hexdigest()
    if given_sha256 is not None and given_sha256.lower() != digest:
        raise InvalidRevisionException(
            f"The sha256 of {member} does not match its content (the content hashes to {digest})."
        )
    return AppSpecText(revision_type, digest, content)


def describe(location: RevisionLocation) -> str:
    """A short human name for a location, for messages."""
    if isinstance(location, S3Location):
        version = f" version {location.version}" if location.version else ""
        return f"s3://{location.bucket}/{location.key} ({location.bundle_type}){version}"
    if isinstance(location, GitHubLocation):
        return f"GitHub {location.repository}@{location.commit_id}"
    return f"{location.revision_type} sha256 {location.sha256}"
