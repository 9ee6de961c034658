"""The application revision operations over in-memory stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rollwright.applications import Applications, ComputePlatform
from rollwright.errors import (
    ApplicationDoesNotExistException,
    InvalidNextTokenException,
    InvalidRevisionException,
    RevisionDoesNotExistException,
)
from rollwright.revision_listing import (
    DeployedFilter,
    RevisionFilter,
    RevisionQuery,
    SortBy,
    SortOrder,
)
from rollwright.revision_locations import (
    AppSpecText,
    BundleType,
    GitHubLocation,
    RevisionLocation,
    RevisionType,
    S3Location,
)
from rollwright.revisions import ApplicationRevisions
from tests.fakes.application_store import InMemoryApplicationStore
from tests.fakes.revision_store import InMemoryRevisionStore

START = datetime(2026, 11, 27, 22, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def applications(clock: Clock) -> Applications:
    ids = iter(f"app-{n}" for n in range(100))
    applications = Applications(InMemoryApplicationStore(), clock=clock, new_id=lambda: next(ids))
    applications.create(name="shop", compute_platform=ComputePlatform.SERVER)
    return applications


@pytest.fixture
def store() -> InMemoryRevisionStore:
    return InMemoryRevisionStore()


@pytest.fixture
def revisions(
    store: InMemoryRevisionStore, applications: Applications, clock: Clock
) -> ApplicationRevisions:
    return ApplicationRevisions(store, applications, clock=clock, page_size=2)


def bundle(n: int, bucket: str = "releases") -> S3Location:
    return S3Location(bucket, f"shop/v{n}.zip", BundleType.ZIP)


def register(revisions: ApplicationRevisions, *locations: RevisionLocation) -> None:
    for location in locations:
        revisions.register(application_name="shop", location=location, description=None)


def listing(revisions: ApplicationRevisions, query: RevisionQuery) -> list[RevisionLocation]:
    listed: list[RevisionLocation] = []
    token = None
    while True:
        page = revisions.page("shop", query, token)
        listed.extend(page.locations)
        token = page.next_token
        if token is None:
            return listed


def test_a_registered_revision_reads_back_with_its_description_and_time(
    revisions: ApplicationRevisions,
) -> None:
    revisions.register(application_name="shop", location=bundle(1), description="first")
    revision = revisions.get("shop", bundle(1))
    assert revision.description == "first"
    assert revision.register_time == START + timedelta(seconds=2)
    assert (revision.first_used_time, revision.last_used_time) == (None, None)
    assert revision.deployment_groups == ()


def test_registering_again_keeps_the_register_time_and_replaces_the_description(
    revisions: ApplicationRevisions,
) -> None:
    revisions.register(application_name="shop", location=bundle(1), description="first")
    registered = revisions.get("shop", bundle(1)).register_time
    revisions.register(application_name="shop", location=bundle(1), description="second")
    revisions.register(application_name="shop", location=bundle(1), description=None)
    again = revisions.get("shop", bundle(1))
    assert (again.register_time, again.description) == (registered, "second")


def test_a_revision_for_another_compute_platform_is_refused_and_not_stored(
    revisions: ApplicationRevisions, store: InMemoryRevisionStore
) -> None:
    yaml = S3Location("releases", "appspec.yaml", BundleType.YAML)
    with pytest.raises(InvalidRevisionException, match="Server"):
        register(revisions, yaml)
    assert store.snapshot() == {}


def test_a_revision_of_a_missing_application_is_refused(revisions: ApplicationRevisions) -> None:
    with pytest.raises(ApplicationDoesNotExistException):
        revisions.register(application_name="ghost", location=bundle(1), description=None)


def test_reading_an_unregistered_revision_fails(revisions: ApplicationRevisions) -> None:
    with pytest.raises(RevisionDoesNotExistException, match=r"releases/shop/v9\.zip"):
        revisions.get("shop", bundle(9))


def test_batch_get_answers_registered_revisions_in_order_and_names_the_missing(
    revisions: ApplicationRevisions,
) -> None:
    register(revisions, bundle(1), bundle(2))
    batch = revisions.batch_get("shop", [bundle(2), bundle(9), bundle(1)])
    assert [r.location for r in batch.revisions] == [bundle(2), bundle(1)]
    assert batch.missing == (bundle(9),)


def test_record_use_sets_the_first_use_once_and_the_last_use_every_time(
    revisions: ApplicationRevisions,
) -> None:
    register(revisions, bundle(1))
    first, later = START + timedelta(hours=1), START + timedelta(hours=2)
    revisions.record_use("shop", bundle(1), "blue", first)
    revisions.record_use("shop", bundle(1), "green", later)
    revisions.record_use("shop", bundle(1), "blue", later)
    used = revisions.get("shop", bundle(1))
    assert (used.first_used_time, used.last_used_time) == (first, later)
    assert used.deployment_groups == ("blue", "green")


def test_record_use_registers_a_revision_deployed_without_registration(
    revisions: ApplicationRevisions,
) -> None:
    at = START + timedelta(hours=1)
    revisions.record_use("shop", bundle(5), "blue", at)
    used = revisions.get("shop", bundle(5))
    assert used.register_time == at == used.first_used_time


def test_listing_pages_through_every_revision_in_register_order(
    revisions: ApplicationRevisions,
) -> None:
    register(revisions, bundle(3), bundle(1), bundle(2), bundle(5), bundle(4))
    ascending = RevisionQuery(sort_by=SortBy.REGISTER_TIME)
    descending = RevisionQuery(sort_by=SortBy.REGISTER_TIME, sort_order=SortOrder.DESCENDING)
    assert listing(revisions, ascending) == [bundle(n) for n in (3, 1, 2, 5, 4)]
    assert listing(revisions, descending) == [bundle(n) for n in (4, 5, 2, 1, 3)]


def test_listing_by_last_use_puts_never_used_revisions_first_in_ascending_order(
    revisions: ApplicationRevisions,
) -> None:
    register(revisions, bundle(1), bundle(2), bundle(3))
    revisions.record_use("shop", bundle(1), "blue", START + timedelta(hours=2))
    revisions.record_use("shop", bundle(3), "blue", START + timedelta(hours=1))
    query = RevisionQuery(sort_by=SortBy.LAST_USED_TIME)
    assert listing(revisions, query) == [bundle(2), bundle(3), bundle(1)]
    descending = RevisionQuery(sort_by=SortBy.FIRST_USED_TIME, sort_order=SortOrder.DESCENDING)
    assert listing(revisions, descending) == [bundle(1), bundle(3), bundle(2)]


@pytest.mark.parametrize(
    ("deployed", "expected"),
    [
        (DeployedFilter.INCLUDE, [2]),
        (DeployedFilter.EXCLUDE, [1, 3]),
        (DeployedFilter.IGNORE, [1, 2, 3]),
    ],
)
def test_the_deployed_filter_selects_on_whether_a_revision_was_ever_used(
    revisions: ApplicationRevisions, deployed: DeployedFilter, expected: list[int]
) -> None:
    register(revisions, bundle(1), bundle(2), bundle(3))
    revisions.record_use("shop", bundle(2), "blue", START + timedelta(hours=1))
    query = RevisionQuery(revision_filter=RevisionFilter(deployed=deployed))
    assert listing(revisions, query) == [bundle(n) for n in expected]


def test_the_bucket_and_prefix_filters_select_s3_revisions_only(
    revisions: ApplicationRevisions,
) -> None:
    other = S3Location("archive", "shop/v1.zip", BundleType.ZIP)
    elsewhere = S3Location("releases", "web/v1.zip", BundleType.ZIP)
    commit = GitHubLocation("acme/shop", "0" * 40)
    register(revisions, bundle(1), other, elsewhere, commit)
    by_bucket = RevisionQuery(revision_filter=RevisionFilter(s3_bucket="releases"))
    by_prefix = RevisionQuery(revision_filter=RevisionFilter("releases", "shop/"))
    assert listing(revisions, by_bucket) == [bundle(1), elsewhere]
    assert listing(revisions, by_prefix) == [bundle(1)]


def test_a_page_resumes_after_its_last_revision_when_revisions_change_between_pages(
    revisions: ApplicationRevisions,
) -> None:
    # Given a first page by last use
    register(revisions, bundle(1), bundle(2), bundle(3), bundle(4))
    for n in (1, 2, 3, 4):
        revisions.record_use("shop", bundle(n), "blue", START + timedelta(hours=n))
    query = RevisionQuery(sort_by=SortBy.LAST_USED_TIME)
    first = revisions.page("shop", query, None)
    assert first.locations == (bundle(1), bundle(2))
    # When a listed revision is used again and a new one registered before the next page
    revisions.record_use("shop", bundle(1), "blue", START + timedelta(hours=9))
    register(revisions, bundle(0))
    # Then the next page continues after the last position listed, repeating none untouched
    assert revisions.page("shop", query, first.next_token).locations == (bundle(3), bundle(4))


def test_listings_show_inline_appspec_by_its_sha256_only(
    revisions: ApplicationRevisions, applications: Applications
) -> None:
    applications.create(name="fn", compute_platform=ComputePlatform.LAMBDA)
    text = AppSpecText(RevisionType.APPSPEC_CONTENT, "a" * 64, "version: 0.0")
    revisions.register(application_name="fn", location=text, description=None)
    page = revisions.page("fn", RevisionQuery(), None)
    assert page.locations == (AppSpecText(RevisionType.APPSPEC_CONTENT, "a" * 64),)
    assert revisions.get("fn", page.locations[0]).location == text


def test_a_token_of_another_order_is_refused(revisions: ApplicationRevisions) -> None:
    register(revisions, bundle(1), bundle(2), bundle(3))
    token = revisions.page("shop", RevisionQuery(), None).next_token
    assert token is not None
    with pytest.raises(InvalidNextTokenException):
        revisions.page("shop", RevisionQuery(sort_by=SortBy.LAST_USED_TIME), token)
    with pytest.raises(InvalidNextTokenException):
        revisions.page("shop", RevisionQuery(), "garbage")


def test_forgetting_an_application_deletes_only_its_revisions(
    revisions: ApplicationRevisions, applications: Applications
) -> None:
    applications.create(name="other", compute_platform=ComputePlatform.SERVER)
    register(revisions, bundle(1))
    revisions.register(application_name="other", location=bundle(1), description=None)
    revisions.forget_application("shop")
    revisions.forget_application("ghost")
    with pytest.raises(RevisionDoesNotExistException):
        revisions.get("shop", bundle(1))
    assert revisions.get("other", bundle(1)).location == bundle(1)


def test_a_renamed_application_keeps_its_revisions(
    revisions: ApplicationRevisions, applications: Applications
) -> None:
    register(revisions, bundle(1))
    applications.rename(name="shop", new_name="store")
    assert revisions.get("store", bundle(1)).location == bundle(1)
