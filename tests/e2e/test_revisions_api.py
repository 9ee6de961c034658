"""Application revisions through the stock CodeDeploy client on the devstack."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.state import DevstackState
from functions.adapters.application_records import DynamoApplicationStore
from functions.adapters.revision_records import DynamoRevisionStore
from rollwright.applications import Applications
from rollwright.revision_locations import BundleType, S3Location
from rollwright.revisions import ApplicationRevisions

APPSPEC = "version: 0.0\nResources: []\n"


@pytest.fixture(scope="module")
def codedeploy(devstack: DevstackState) -> Any:
    return devstack.codedeploy_client()


@pytest.fixture
def application(codedeploy: Any) -> Iterator[str]:
    name = f"e2e-rev-{uuid.uuid4().hex[:8]}"
    codedeploy.create_application(applicationName=name, computePlatform="Server")
    yield name
    codedeploy.delete_application(applicationName=name)


def s3(n: int, bucket: str = "releases", key: str = "shop") -> dict[str, Any]:
    return {
        "revisionType": "S3",
        "s3Location": {"bucket": bucket, "key": f"{key}/v{n}.zip", "bundleType": "zip"},
    }


def register(codedeploy: Any, application: str, *revisions: dict[str, Any]) -> None:
    for revision in revisions:
        codedeploy.register_application_revision(applicationName=application, revision=revision)


def record_use(devstack: DevstackState, application: str, n: int, at: datetime) -> None:
    """What a deployment will do, through the domain store on the devstack's table."""
    dynamodb, table = devstack.aws_client("dynamodb"), devstack.stack_outputs["TableName"]
    applications = Applications(
        DynamoApplicationStore(dynamodb, table), clock=lambda: at, new_id=lambda: "unused"
    )
    revisions = ApplicationRevisions(
        DynamoRevisionStore(dynamodb, table), applications, clock=lambda: at
    )
    location = S3Location("releases", f"shop/v{n}.zip", BundleType.ZIP)
    revisions.record_use(application, location, "blue", at)


def keys(listed: dict[str, Any]) -> list[str]:
    return [revision["s3Location"]["key"] for revision in listed["revisions"]]


def test_a_registered_revision_is_read_with_its_info(codedeploy: Any, application: str) -> None:
    codedeploy.register_application_revision(
        applicationName=application, revision=s3(1), description="first build"
    )
    answer = codedeploy.get_application_revision(applicationName=application, revision=s3(1))
    assert answer["applicationName"] == application
    assert answer["revision"] == s3(1)
    info = answer["revisionInfo"]
    assert info["description"] == "first build"
    assert info["deploymentGroups"] == []
    assert "firstUsedTime" not in info
    assert info["registerTime"] > datetime.now(UTC) - timedelta(minutes=5)


def test_an_unregistered_revision_is_refused(codedeploy: Any, application: str) -> None:
    with pytest.raises(codedeploy.exceptions.RevisionDoesNotExistException):
        codedeploy.get_application_revision(applicationName=application, revision=s3(9))


def test_bad_revisions_are_refused_with_codedeploys_exceptions(
    codedeploy: Any, application: str
) -> None:
    with pytest.raises(codedeploy.exceptions.InvalidRevisionException):
        register(codedeploy, application, s3(1, bucket="Not_A_Bucket"))
    with pytest.raises(codedeploy.exceptions.DescriptionTooLongException):
        codedeploy.register_application_revision(
            applicationName=application, revision=s3(1), description="d" * 257
        )
    with pytest.raises(codedeploy.exceptions.ApplicationDoesNotExistException):
        register(codedeploy, "e2e-no-such-application", s3(1))
    assert codedeploy.list_application_revisions(applicationName=application)["revisions"] == []


def test_appspec_content_with_a_wrong_sha256_is_refused(codedeploy: Any) -> None:
    name = f"e2e-rev-fn-{uuid.uuid4().hex[:8]}"
    codedeploy.create_application(applicationName=name, computePlatform="Lambda")
    try:
        wrong = {"content": APPSPEC, "sha256": "0" * 64}
        with pytest.raises(codedeploy.exceptions.InvalidRevisionException, match="sha256"):
            codedeploy.register_application_revision(
                applicationName=name,
                revision={"revisionType": "AppSpecContent", "appSpecContent": wrong},
            )
        sha256 = hashlib.sha256(APPSPEC.encode()).hexdigest()
        right = {"revisionType": "AppSpecContent", "appSpecContent": {"content": APPSPEC}}
        codedeploy.register_application_revision(applicationName=name, revision=right)
        by_digest = {"revisionType": "AppSpecContent", "appSpecContent": {"sha256": sha256}}
        answer = codedeploy.get_application_revision(applicationName=name, revision=by_digest)
        assert answer["revision"]["appSpecContent"] == {"content": APPSPEC, "sha256": sha256}
    finally:
        codedeploy.delete_application(applicationName=name)


def test_batch_get_answers_the_registered_and_reports_the_rest(
    codedeploy: Any, application: str
) -> None:
    register(codedeploy, application, s3(1), s3(2))
    answer = codedeploy.batch_get_application_revisions(
        applicationName=application, revisions=[s3(2), s3(9), s3(1)]
    )
    assert [r["revisionLocation"] for r in answer["revisions"]] == [s3(2), s3(1)]
    assert "1 of the revisions" in answer["errorMessage"]
    with pytest.raises(codedeploy.exceptions.BatchLimitExceededException):
        codedeploy.batch_get_application_revisions(
            applicationName=application, revisions=[s3(n) for n in range(26)]
        )


def test_listing_sorts_filters_and_pages(
    codedeploy: Any, application: str, devstack: DevstackState
) -> None:
    # Given revisions in two buckets, two of them used by deployments
    register(codedeploy, application, s3(1), s3(2), s3(3), s3(4, bucket="archive"))
    record_use(devstack, application, 3, datetime(2026, 11, 27, 10, tzinfo=UTC))
    record_use(devstack, application, 1, datetime(2026, 11, 27, 11, tzinfo=UTC))
    # Then every sort, filter and page answers as CodeDeploy's
    by_last_use = codedeploy.list_application_revisions(
        applicationName=application, sortBy="lastUsedTime", sortOrder="descending"
    )
    # (never-used revisions tie at no time and come last, in revision-id order)
    assert keys(by_last_use)[:2] == ["shop/v1.zip", "shop/v3.zip"]
    assert set(keys(by_last_use)[2:]) == {"shop/v2.zip", "shop/v4.zip"}
    deployed = codedeploy.list_application_revisions(
        applicationName=application, deployed="include", sortBy="firstUsedTime"
    )
    assert keys(deployed) == ["shop/v3.zip", "shop/v1.zip"]
    undeployed = codedeploy.list_application_revisions(
        applicationName=application, deployed="exclude", s3Bucket="releases", s3KeyPrefix="shop/"
    )
    assert keys(undeployed) == ["shop/v2.zip"]
    used = codedeploy.get_application_revision(applicationName=application, revision=s3(1))
    assert used["revisionInfo"]["deploymentGroups"] == ["blue"]
    paginator = codedeploy.get_paginator("list_application_revisions")
    pages = list(paginator.paginate(applicationName=application, sortBy="registerTime"))
    assert [key for page in pages for key in keys(page)] == [
        "shop/v1.zip",
        "shop/v2.zip",
        "shop/v3.zip",
        "shop/v4.zip",
    ]


@pytest.mark.parametrize(
    ("members", "exception"),
    [
        ({"sortBy": "name"}, "InvalidSortByException"),
        ({"sortOrder": "up"}, "InvalidSortOrderException"),
        ({"deployed": "maybe"}, "InvalidDeployedStateFilterException"),
        ({"s3Bucket": "Bad_Bucket"}, "InvalidBucketNameFilterException"),
        ({"s3KeyPrefix": "shop/"}, "BucketNameFilterRequiredException"),
        ({"nextToken": "garbage"}, "InvalidNextTokenException"),
    ],
)
def test_a_bad_list_request_is_refused(
    codedeploy: Any, application: str, members: dict[str, str], exception: str
) -> None:
    with pytest.raises(getattr(codedeploy.exceptions, exception)):
        codedeploy.list_application_revisions(applicationName=application, **members)


def test_deleting_an_application_deletes_its_revisions(codedeploy: Any) -> None:
    name = f"e2e-rev-del-{uuid.uuid4().hex[:8]}"
    codedeploy.create_application(applicationName=name)
    register(codedeploy, name, s3(1))
    codedeploy.delete_application(applicationName=name)
    codedeploy.create_application(applicationName=name)
    try:
        assert codedeploy.list_application_revisions(applicationName=name)["revisions"] == []
    finally:
        codedeploy.delete_application(applicationName=name)
