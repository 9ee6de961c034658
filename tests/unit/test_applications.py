"""The application operations over the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rollwright.applications import Application, Applications, ComputePlatform, Tag
from rollwright.errors import (
    ApplicationAlreadyExistsException,
    ApplicationDoesNotExistException,
    ApplicationLimitExceededException,
    InvalidNextTokenException,
)
from tests.fakes.application_store import InMemoryApplicationStore

NOW = datetime(2026, 11, 27, 22, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def store() -> InMemoryApplicationStore:
    return InMemoryApplicationStore()


@pytest.fixture
def applications(store: InMemoryApplicationStore) -> Applications:
    ids = iter(f"id-{n}" for n in range(1000))
    return Applications(store, clock=lambda: NOW, new_id=lambda: next(ids), page_size=3)


def create(applications: Applications, name: str) -> Application:
    return applications.create(name=name, compute_platform=ComputePlatform.SERVER)


def test_a_created_application_can_be_read_back(applications: Applications) -> None:
    # When an application is created
    created = applications.create(
        name="shop", compute_platform=ComputePlatform.LAMBDA, tags=[Tag("team", "payments")]
    )
    # Then reading it returns the same application, created now (to the millisecond)
    assert applications.get("shop") == created
    assert created.application_id == "id-0"
    assert created.create_time == NOW.replace(microsecond=123000)
    assert created.tags == (Tag("team", "payments"),)


def test_creating_a_taken_name_fails_and_keeps_the_first(applications: Applications) -> None:
    first = create(applications, "shop")
    with pytest.raises(ApplicationAlreadyExistsException, match="shop"):
        applications.create(name="shop", compute_platform=ComputePlatform.ECS)
    assert applications.get("shop") == first


def test_creating_past_the_quota_is_application_limit_exceeded() -> None:
    # Given an account at its quota of applications
    ids = iter(["id-1", "id-2"])
    applications = Applications(
        InMemoryApplicationStore(limit=1), clock=lambda: NOW, new_id=lambda: next(ids)
    )
    create(applications, "shop")
    # When one more is created, Then the quota refuses it and names the limit
    with pytest.raises(ApplicationLimitExceededException, match="at most 1000 applications"):
        create(applications, "cart")


def test_reading_a_missing_application_fails(applications: Applications) -> None:
    with pytest.raises(ApplicationDoesNotExistException, match="ghost"):
        applications.get("ghost")


def test_batch_get_returns_applications_in_the_order_asked(applications: Applications) -> None:
    for name in ("a", "b", "c"):
        create(applications, name)
    assert [a.name for a in applications.batch_get(["c", "a"])] == ["c", "a"]


def test_batch_get_fails_when_any_name_is_missing(applications: Applications) -> None:
    create(applications, "a")
    with pytest.raises(ApplicationDoesNotExistException, match="ghost"):
        applications.batch_get(["a", "ghost"])


def test_listing_pages_through_every_name_in_order(applications: Applications) -> None:
    # Given seven applications and pages of three
    for name in ("g", "c", "a", "e", "b", "f", "d"):
        create(applications, name)
    # When the pages are followed to the end
    pages, token = [], None
    while True:
        page = applications.page(token)
        pages.append(list(page.names))
        token = page.next_token
        if token is None:
            break
    # Then every name comes once, in order, and the last page carries no token
    assert pages == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


def test_a_full_last_page_carries_no_token(applications: Applications) -> None:
    for name in ("a", "b", "c"):
        create(applications, name)
    assert applications.page(None).next_token is None


def test_listing_is_stable_when_names_change_between_pages(applications: Applications) -> None:
    # Given a first page read
    for name in ("a", "b", "c", "d", "e"):
        create(applications, name)
    first = applications.page(None)
    # When the last name listed is deleted and an earlier one created before the next page
    applications.delete("c")
    create(applications, "aa")
    # Then the next page continues after the last name listed, repeating nothing
    assert applications.page(first.next_token).names == ("d", "e")


def test_a_bad_next_token_is_refused(applications: Applications) -> None:
    with pytest.raises(InvalidNextTokenException):
        applications.page("garbage")


def test_renaming_moves_the_application_and_keeps_its_id(applications: Applications) -> None:
    created = create(applications, "old")
    applications.rename(name="old", new_name="new")
    assert applications.get("new") == created.renamed("new")
    with pytest.raises(ApplicationDoesNotExistException):
        applications.get("old")


def test_renaming_onto_a_taken_name_fails_and_changes_nothing(
    applications: Applications, store: InMemoryApplicationStore
) -> None:
    create(applications, "old")
    create(applications, "taken")
    before = store.snapshot()
    with pytest.raises(ApplicationAlreadyExistsException, match="taken"):
        applications.rename(name="old", new_name="taken")
    assert store.snapshot() == before


def test_renaming_a_missing_application_fails(applications: Applications) -> None:
    with pytest.raises(ApplicationDoesNotExistException):
        applications.rename(name="ghost", new_name="new")


def test_renaming_to_the_same_name_changes_nothing(
    applications: Applications, store: InMemoryApplicationStore
) -> None:
    created = create(applications, "same")
    writes = store.writes
    applications.rename(name="same", new_name="same")
    assert applications.get("same") == created
    assert store.writes == writes


def test_deleting_removes_the_application(applications: Applications) -> None:
    create(applications, "shop")
    applications.delete("shop")
    with pytest.raises(ApplicationDoesNotExistException):
        applications.get("shop")


def test_deleting_a_missing_application_succeeds(applications: Applications) -> None:
    applications.delete("ghost")
