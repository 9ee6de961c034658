"""Revision documents of Lambda (and ECS) deployments in the deployment item.

The agent protocol's revision documents (``revision_document``) describe archives only; an AppSpec
revision is stored as ``revisionType`` AppSpecContent or String with ``sha256`` and ``content``, or
as S3 with ``bucket``, ``key``, ``bundleType`` (YAML or JSON), ``version``?, ``eTag``?.
"""

from __future__ import annotations

from typing import Any

from rollwright.revision_locations import (
    AppSpecText,
    BundleType,
    GitHubLocation,
    RevisionLocation,
    RevisionType,
    S3Location,
)


def location_document(location: RevisionLocation) -> dict[str, Any]:
    if isinstance(location, AppSpecText):
        document: dict[str, Any] = {
            "revisionType": location.revision_type.value,
            "sha256": location.sha256,
        }
        if location.content is not None:
            document["content"] = location.content
        return document
    if isinstance(location, GitHubLocation):
        return {
            "revisionType": "GitHub",
            "repository": location.repository,
            "commitId": location.commit_id,
            "bundleType": "tar",
        }
    document = {
        "revisionType": "S3",
        "bucket": location.bucket,
        "key": location.key,
        "bundleType": location.bundle_type.value,
    }
    if location.version is not None:
        document["version"] = location.version
    if location.etag is not None:
        document["eTag"] = location.etag
    return document


def is_appspec_document(document: dict[str, Any]) -> bool:
    """A Lambda/ECS revision document (the agent's revision documents are archives only)."""
    return document.get("revisionType") in ("AppSpecContent", "String") or document.get(
        "bundleType"
    ) in ("YAML", "JSON")


def read_location(document: dict[str, Any]) -> RevisionLocation:
    kind = document["revisionType"]
    if kind in ("AppSpecContent", "String"):
        return AppSpecText(RevisionType(kind), str(document["sha256"]), document.get("content"))
    return S3Location(
        str(document["bucket"]),
        str(document["key"]),
        BundleType(document["bundleType"]),
        document.get("version"),
        document.get("eTag"),
    )
