"""The DynamoDB revision store against moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.adapters.revision_records import DynamoRevisionStore, revision_key
from rollwright.revision_listing import DeployedFilter, ListPosition, RevisionFilter, SortBy
from rollwright.revision_locations import (
    AppSpecText,
    BundleType,
    GitHubLocation,
    RevisionType,
    S3Location,
    revision_id,
)
from tests.integration.application_api import TABLE_NAME, dynamodb

__all__ = ["dynamodb"]

AT = datetime(2026, 11, 27, 22, 0, 0, 123000, tzinfo=UTC)
APP = "app-id-1"


@pytest.fixture
def revisions(dynamodb: Any) -> DynamoRevisionStore:
    return DynamoRevisionStore(dynamodb, TABLE_NAME)


def bundle(n: int, bucket: str = "releases") -> S3Location:
    return S3Location(bucket, f"shop/v{n}.zip", BundleType.ZIP, f"version-{n}", f"etag-{n}")


def test_a_registered_revision_is_found_as_it_was(revisions: DynamoRevisionStore) -> None:
    text = AppSpecText(RevisionType.APPSPEC_CONTENT, "a" * 64, "version: 0.0")
    for location in (bundle(1), GitHubLocation("acme/shop", "0" * 40), text):
        revisions.register(APP, location, "described", AT)
        found = revisions.find(APP, revision_id(location))
        assert found is not None
        assert (found.location, found.description, found.register_time) == (
            location,
            "described",
            AT,
        )


def test_the_item_follows_the_documented_layout(
    revisions: DynamoRevisionStore, dynamodb: Any
) -> None:
    revisions.register(APP, bundle(1), None, AT)
    rid = revision_id(bundle(1))
    item = dynamodb.get_item(TableName=TABLE_NAME, Key=revision_key(APP, rid))["Item"]
    assert item["pk"] == {"S": "REVISIONS#app-id-1"}
    assert item["sk"] == {"S": f"REVISION#{rid}"}
    assert item["gsi1pk"] == {"S": "REVISIONS#app-id-1"}
    assert item["gsi1sk"] == {"S": f"1795816800123#{rid}"}
    assert item["s3_bucket"] == {"S": "releases"}


def test_registering_again_keeps_the_register_time(revisions: DynamoRevisionStore) -> None:
    revisions.register(APP, bundle(1), "first", AT)
    revisions.register(APP, bundle(1), None, AT + timedelta(hours=1))
    found = revisions.find(APP, revision_id(bundle(1)))
    assert found is not None
    assert (found.register_time, found.description) == (AT, "first")


def test_record_use_is_one_atomic_update_of_the_use_fields(revisions: DynamoRevisionStore) -> None:
    later = AT + timedelta(hours=1)
    revisions.record_use(APP, bundle(1), "blue", AT)
    revisions.record_use(APP, bundle(1), "green", later)
    found = revisions.find(APP, revision_id(bundle(1)))
    assert found is not None
    assert (found.register_time, found.first_used_time, found.last_used_time) == (AT, AT, later)
    assert found.deployment_groups == ("blue", "green")


def test_find_many_returns_only_registered_revisions(revisions: DynamoRevisionStore) -> None:
    revisions.register(APP, bundle(1), None, AT)
    ids = [revision_id(bundle(1)), revision_id(bundle(2))]
    assert list(revisions.find_many(APP, ids)) == [ids[0]]


def test_register_time_pages_resume_after_a_position_in_either_direction(
    revisions: DynamoRevisionStore,
) -> None:
    for n in range(5):
        revisions.register(APP, bundle(n), None, AT + timedelta(seconds=n))
    everything = RevisionFilter()
    first = revisions.page_by_register_time(APP, everything, descending=False, after=None, limit=2)
    assert [r.location for r in first] == [bundle(0), bundle(1)]
    after = first[-1].position(SortBy.REGISTER_TIME)
    rest = revisions.page_by_register_time(APP, everything, descending=False, after=after, limit=9)
    assert [r.location for r in rest] == [bundle(2), bundle(3), bundle(4)]
    newest = revisions.page_by_register_time(APP, everything, descending=True, after=None, limit=2)
    assert [r.location for r in newest] == [bundle(4), bundle(3)]
    older = revisions.page_by_register_time(
        APP, everything, descending=True, after=ListPosition(*_key(newest[-1])), limit=9
    )
    assert [r.location for r in older] == [bundle(2), bundle(1), bundle(0)]


def _key(revision: Any) -> tuple[int, str]:
    position = revision.position(SortBy.REGISTER_TIME)
    return position.sort_value, position.revision_id


def test_filters_apply_to_pages_that_fill_across_queries(revisions: DynamoRevisionStore) -> None:
    for n in range(6):
        revisions.register(APP, bundle(n, "releases" if n % 2 else "archive"), None, AT)
    revisions.record_use(APP, bundle(3, "releases"), "blue", AT)
    in_bucket = RevisionFilter(s3_bucket="releases", s3_key_prefix="shop/v")
    page = revisions.page_by_register_time(APP, in_bucket, descending=False, after=None, limit=2)
    assert len(page) == 2
    assert all(isinstance(r.location, S3Location) and r.location.bucket == "releases" for r in page)
    deployed = RevisionFilter(deployed=DeployedFilter.INCLUDE)
    assert [r.location for r in revisions.all_matching(APP, deployed)] == [bundle(3, "releases")]


def test_listings_leave_inline_content_out(revisions: DynamoRevisionStore) -> None:
    revisions.register(APP, AppSpecText(RevisionType.APPSPEC_CONTENT, "b" * 64, "x: 1"), None, AT)
    (listed,) = revisions.all_matching(APP, RevisionFilter())
    assert listed.location == AppSpecText(RevisionType.APPSPEC_CONTENT, "b" * 64)


def test_remove_all_deletes_every_revision_of_one_application(
    revisions: DynamoRevisionStore,
) -> None:
    for n in range(30):
        revisions.register(APP, bundle(n), None, AT)
    revisions.register("other-app", bundle(1), None, AT)
    revisions.remove_all(APP)
    assert revisions.all_matching(APP, RevisionFilter()) == []
    assert len(revisions.all_matching("other-app", RevisionFilter())) == 1
