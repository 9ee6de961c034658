"""The rules for revision input, each with CodeDeploy's exception name."""

from __future__ import annotations

import hashlib

import pytest

from rollwright.applications import ComputePlatform
from rollwright.errors import (
    BucketNameFilterRequiredException,
    CodeDeployError,
    DescriptionTooLongException,
    InvalidBucketNameFilterException,
    InvalidDeployedStateFilterException,
    InvalidKeyPrefixFilterException,
    InvalidRevisionException,
    InvalidSortByException,
    InvalidSortOrderException,
    RevisionRequiredException,
)
from rollwright.revision_listing import DeployedFilter, SortBy, SortOrder, valid_list_query
from rollwright.revision_locations import (
    AppSpecText,
    BundleType,
    GitHubLocation,
    RevisionRequest,
    RevisionType,
    S3Location,
    fits_compute_platform,
    revision_id,
    valid_revision,
)
from rollwright.revisions import valid_description

APPSPEC = "version: 0.0\nResources: []\n"
APPSPEC_SHA256 = hashlib.sha256(APPSPEC.encode()).hexdigest()
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def s3(**members: str | None) -> RevisionRequest:
    given = {"bucket": "releases", "key": "app/v1.zip", "bundle_type": "zip"} | members
    return RevisionRequest(revision_type="S3", s3_location_given=True, **given)


def github(**members: str | None) -> RevisionRequest:
    given = {"repository": "acme/shop", "commit_id": COMMIT} | members
    return RevisionRequest(revision_type="GitHub", github_location_given=True, **given)


def appspec(**members: str | None) -> RevisionRequest:
    given = {"content": APPSPEC} | members
    return RevisionRequest(revision_type="AppSpecContent", text_given=True, **given)


def test_an_s3_location_is_read_with_its_optional_members() -> None:
    location = valid_revision(s3(version="v7", etag="abc"), content_required=True)
    assert location == S3Location("releases", "app/v1.zip", BundleType.ZIP, "v7", "abc")


def test_a_github_commit_is_kept_in_lower_case() -> None:
    location = valid_revision(github(commit_id=COMMIT.upper()), content_required=True)
    assert location == GitHubLocation("acme/shop", COMMIT)


def test_appspec_content_is_identified_by_its_sha256() -> None:
    location = valid_revision(appspec(sha256=APPSPEC_SHA256.upper()), content_required=True)
    assert location == AppSpecText(RevisionType.APPSPEC_CONTENT, APPSPEC_SHA256, APPSPEC)


def test_a_lookup_may_name_appspec_content_by_its_sha256_alone() -> None:
    location = valid_revision(appspec(content=None, sha256=APPSPEC_SHA256), content_required=False)
    assert revision_id(location) == revision_id(valid_revision(appspec(), content_required=True))


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (None, RevisionRequiredException),
        (RevisionRequest(revision_type=None), InvalidRevisionException),
        (RevisionRequest(revision_type="FTP"), InvalidRevisionException),
        (RevisionRequest(revision_type="S3"), InvalidRevisionException),
        (s3(bucket="Upper_Case"), InvalidRevisionException),
        (s3(bucket="ab"), InvalidRevisionException),
        (s3(bucket="a..b"), InvalidRevisionException),
        (s3(key=""), InvalidRevisionException),
        (s3(key="k" * 1025), InvalidRevisionException),
        (s3(bundle_type=None), InvalidRevisionException),
        (s3(bundle_type="rar"), InvalidRevisionException),
        (s3(version=""), InvalidRevisionException),
        (RevisionRequest(revision_type="GitHub"), InvalidRevisionException),
        (github(repository="no-slash"), InvalidRevisionException),
        (github(commit_id="abc123"), InvalidRevisionException),
        (RevisionRequest(revision_type="AppSpecContent"), InvalidRevisionException),
        (appspec(content=None), InvalidRevisionException),
        (appspec(sha256="not-hex"), InvalidRevisionException),
        (appspec(sha256="0" * 64), InvalidRevisionException),
        (appspec(content="x" * (64 * 1024 + 1)), InvalidRevisionException),
    ],
)
def test_an_invalid_revision_is_refused(
    request_: RevisionRequest | None, error: type[CodeDeployError]
) -> None:
    with pytest.raises(error):
        valid_revision(request_, content_required=True)


def test_a_sha256_that_does_not_match_the_content_is_refused_with_the_right_digest() -> None:
    with pytest.raises(InvalidRevisionException, match=APPSPEC_SHA256):
        valid_revision(appspec(sha256="f" * 64), content_required=False)


def test_registration_needs_the_content_even_when_the_sha256_is_given() -> None:
    with pytest.raises(InvalidRevisionException, match="content"):
        valid_revision(appspec(content=None, sha256=APPSPEC_SHA256), content_required=True)


@pytest.mark.parametrize(
    ("request_", "platform", "fits"),
    [
        (s3(), ComputePlatform.SERVER, True),
        (s3(bundle_type="YAML"), ComputePlatform.SERVER, False),
        (s3(bundle_type="YAML"), ComputePlatform.LAMBDA, True),
        (s3(bundle_type="tgz"), ComputePlatform.ECS, False),
        (github(), ComputePlatform.SERVER, True),
        (github(), ComputePlatform.LAMBDA, False),
        (appspec(), ComputePlatform.ECS, True),
        (appspec(), ComputePlatform.SERVER, False),
        (RevisionRequest("String", content=APPSPEC, text_given=True), ComputePlatform.LAMBDA, True),
        (RevisionRequest("String", content=APPSPEC, text_given=True), ComputePlatform.ECS, False),
    ],
)
def test_a_revision_fits_only_the_compute_platforms_that_deploy_it(
    request_: RevisionRequest, platform: ComputePlatform, fits: bool
) -> None:
    location = valid_revision(request_, content_required=True)
    assert fits_compute_platform(location, platform) is fits


def test_the_identity_covers_every_member_of_an_s3_location() -> None:
    base = revision_id(valid_revision(s3(), content_required=True))
    variants = [s3(version="v1"), s3(etag="e"), s3(bundle_type="tgz"), s3(key="other.zip")]
    ids = {revision_id(valid_revision(v, content_required=True)) for v in variants}
    assert base not in ids
    assert len(ids) == len(variants)


def test_a_description_of_256_characters_is_the_longest_accepted() -> None:
    assert valid_description("d" * 256) == "d" * 256
    with pytest.raises(DescriptionTooLongException):
        valid_description("d" * 257)


def test_the_list_query_defaults_to_ascending_and_every_revision() -> None:
    query = valid_list_query(
        sort_by=None, sort_order=None, s3_bucket=None, s3_key_prefix=None, deployed=None
    )
    assert query.sort_by is None
    assert query.ordered_by is SortBy.REGISTER_TIME
    assert query.sort_order is SortOrder.ASCENDING
    assert query.revision_filter.deployed is DeployedFilter.IGNORE


@pytest.mark.parametrize(
    ("members", "error"),
    [
        ({"sort_by": "name"}, InvalidSortByException),
        ({"sort_order": "up"}, InvalidSortOrderException),
        ({"deployed": "yes"}, InvalidDeployedStateFilterException),
        ({"s3_bucket": "Not_A_Bucket"}, InvalidBucketNameFilterException),
        ({"s3_key_prefix": "app/"}, BucketNameFilterRequiredException),
        ({"s3_bucket": "releases", "s3_key_prefix": ""}, InvalidKeyPrefixFilterException),
    ],
)
def test_an_invalid_list_query_is_refused(
    members: dict[str, str], error: type[CodeDeployError]
) -> None:
    arguments: dict[str, str | None] = {
        "sort_by": None,
        "sort_order": None,
        "s3_bucket": None,
        "s3_key_prefix": None,
        "deployed": None,
    }
    with pytest.raises(error):
        valid_list_query(**(arguments | members))
