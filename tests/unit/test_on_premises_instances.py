"""On-premises instance rules and operations over the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rollwright.account_region import AccountRegion
from rollwright.applications import Tag
from rollwright.errors import (
    BatchLimitExceededException,
    CodeDeployError,
    IamArnRequiredException,
    IamSessionArnAlreadyRegisteredException,
    IamUserArnAlreadyRegisteredException,
    InstanceLimitExceededException,
    InstanceNameAlreadyRegisteredException,
    InstanceNameRequiredException,
    InstanceNotRegisteredException,
    InvalidIamSessionArnException,
    InvalidIamUserArnException,
    InvalidInstanceNameException,
    InvalidNextTokenException,
    InvalidRegistrationStatusException,
    InvalidTagException,
    InvalidTagFilterException,
    MultipleIamArnsProvidedException,
    TagLimitExceededException,
    TagRequiredException,
)
from rollwright.on_premises_instances import InstanceQuery, OnPremisesInstances
from rollwright.on_premises_rules import (
    IamArnKind,
    IamIdentity,
    RegistrationStatus,
    TagFilter,
    TagFilterType,
    valid_batch_get_names,
    valid_iam_identity,
    valid_instance_name,
    valid_registration_status,
    valid_tag_filter_type,
    valid_tag_filters,
    valid_tagging_names,
    valid_tags,
)
from tests.fakes.on_premises_instance_store import InMemoryOnPremisesInstanceStore

NOW = datetime(2026, 11, 27, 22, 0, 0, 123456, tzinfo=UTC)
USER = "arn:aws:iam::123456789012:user/servers/web-1"
SESSION = "arn:aws:sts::123456789012:assumed-role/onprem/web-2"


def user(n: int) -> IamIdentity:
    return IamIdentity(IamArnKind.USER, f"arn:aws:iam::123456789012:user/host-{n}")


@pytest.fixture
def store() -> InMemoryOnPremisesInstanceStore:
    return InMemoryOnPremisesInstanceStore()


@pytest.fixture
def instances(store: InMemoryOnPremisesInstanceStore) -> OnPremisesInstances:
    region = AccountRegion("aws", "eu-west-1", "111122223333")
    return OnPremisesInstances(store, account_region=region, clock=lambda: NOW, page_size=2)


# --- rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error"),
    [
        (None, InstanceNameRequiredException),
        ("", InstanceNameRequiredException),
        ("x" * 65, InvalidInstanceNameException),
        ("has space", InvalidInstanceNameException),
        ("slash/name", InvalidInstanceNameException),
    ],
)
def test_an_invalid_instance_name_is_refused(
    name: str | None, error: type[CodeDeployError]
) -> None:
    with pytest.raises(error):
        valid_instance_name(name)


def test_an_instance_name_of_64_characters_is_the_longest_accepted() -> None:
    assert valid_instance_name("w" * 64) == "w" * 64


@pytest.mark.parametrize(
    ("user_arn", "session_arn", "error"),
    [
        (None, None, IamArnRequiredException),
        (USER, SESSION, MultipleIamArnsProvidedException),
        ("arn:aws:iam::123456789012:role/web", None, InvalidIamUserArnException),
        ("arn:aws:iam::12345:user/web", None, InvalidIamUserArnException),
        (None, "arn:aws:sts::123456789012:assumed-role/onprem", InvalidIamSessionArnException),
        (None, USER, InvalidIamSessionArnException),
    ],
)
def test_exactly_one_well_formed_iam_arn_is_required(
    user_arn: str | None, session_arn: str | None, error: type[CodeDeployError]
) -> None:
    with pytest.raises(error):
        valid_iam_identity(user_arn=user_arn, session_arn=session_arn)


def test_either_kind_of_iam_arn_is_accepted() -> None:
    assert valid_iam_identity(user_arn=USER, session_arn=None).kind is IamArnKind.USER
    assert valid_iam_identity(user_arn=None, session_arn=SESSION).kind is IamArnKind.SESSION


def test_more_than_25_names_are_refused_per_call() -> None:
    names = [f"host-{n}" for n in range(26)]
    with pytest.raises(BatchLimitExceededException):
        valid_batch_get_names(names)
    with pytest.raises(InstanceLimitExceededException):
        valid_tagging_names(names)
    with pytest.raises(InstanceNameRequiredException):
        valid_tagging_names([])


@pytest.mark.parametrize(
    ("tags", "error"),
    [
        ([], TagRequiredException),
        ([("k", "v")] * 11, TagLimitExceededException),
        ([("", "v")], InvalidTagException),
        ([("aws:owner", "v")], InvalidTagException),
        ([("k", None)], InvalidTagException),
        ([("k", "v" * 257)], InvalidTagException),
        ([("k", "a"), ("k", "b")], InvalidTagException),
    ],
)
def test_invalid_tags_to_add_are_refused(
    tags: list[tuple[str | None, str | None]], error: type[CodeDeployError]
) -> None:
    with pytest.raises(error):
        valid_tags(tags, values_required=True)


@pytest.mark.parametrize(
    "filters",
    [
        [("k", None, None)],
        [(None, "v", TagFilterType.KEY_ONLY)],
        [("k", None, TagFilterType.VALUE_ONLY)],
    ],
)
def test_an_invalid_tag_filter_is_refused(
    filters: list[tuple[str | None, str | None, TagFilterType | None]],
) -> None:
    with pytest.raises(InvalidTagFilterException):
        valid_tag_filters(filters)


def test_a_tag_filter_type_outside_the_model_is_refused() -> None:
    with pytest.raises(InvalidTagFilterException):
        valid_tag_filter_type("KEY")


def test_an_unknown_registration_status_is_refused() -> None:
    assert valid_registration_status("Registered") is RegistrationStatus.REGISTERED
    with pytest.raises(InvalidRegistrationStatusException):
        valid_registration_status("registered")


# --- operations ---------------------------------------------------------------------------------


def test_a_registered_instance_reads_back_with_its_arn_in_the_functions_region(
    instances: OnPremisesInstances,
) -> None:
    instances.register("web.1", user(1))
    instance = instances.get("web.1")
    assert instance.instance_arn == "arn:aws:codedeploy:eu-west-1:111122223333:instance/web.1"
    assert instance.register_time == NOW.replace(microsecond=123000)
    assert instance.host_id == "web-1"
    assert instance.registered


@pytest.mark.parametrize(
    ("name", "identity", "error"),
    [
        ("web-1", user(2), InstanceNameAlreadyRegisteredException),
        ("web.1", user(2), InstanceNameAlreadyRegisteredException),  # the same host id
        ("web-2", user(1), IamUserArnAlreadyRegisteredException),
    ],
)
def test_a_taken_name_host_id_or_arn_is_refused_and_changes_nothing(
    instances: OnPremisesInstances,
    store: InMemoryOnPremisesInstanceStore,
    name: str,
    identity: IamIdentity,
    error: type[CodeDeployError],
) -> None:
    instances.register("web-1", user(1))
    before = store.snapshot()
    with pytest.raises(error):
        instances.register(name, identity)
    assert store.snapshot() == before


def test_a_taken_session_arn_is_refused(instances: OnPremisesInstances) -> None:
    instances.register("web-1", IamIdentity(IamArnKind.SESSION, SESSION))
    with pytest.raises(IamSessionArnAlreadyRegisteredException):
        instances.register("web-2", IamIdentity(IamArnKind.SESSION, SESSION))


def test_deregistering_keeps_the_instance_drops_its_tags_and_frees_its_arn(
    instances: OnPremisesInstances,
) -> None:
    instances.register("web-1", user(1))
    instances.add_tags(["web-1"], [Tag("env", "prod")])
    instances.deregister("web-1")
    instances.deregister("web-1")
    instances.deregister("ghost")
    gone = instances.get("web-1")
    assert gone.deregister_time == NOW.replace(microsecond=123000)
    assert gone.tags == ()
    instances.register("web-2", user(1))
    with pytest.raises(InstanceNameAlreadyRegisteredException):
        instances.register("web-1", user(3))


def test_reading_an_unknown_instance_fails(instances: OnPremisesInstances) -> None:
    with pytest.raises(InstanceNotRegisteredException, match="ghost"):
        instances.get("ghost")


def test_batch_get_leaves_out_unknown_names(instances: OnPremisesInstances) -> None:
    instances.register("b", user(1))
    instances.register("a", user(2))
    assert [i.name for i in instances.batch_get(["b", "ghost", "a"])] == ["b", "a"]


def test_tags_are_added_replacing_a_key_and_removed_by_key_or_pair(
    instances: OnPremisesInstances,
) -> None:
    instances.register("web-1", user(1))
    instances.add_tags(["web-1"], [Tag("env", "test"), Tag("team", "shop")])
    instances.add_tags(["web-1"], [Tag("env", "prod"), Tag("tier", "web")])
    assert instances.get("web-1").tags == (
        Tag("env", "prod"),
        Tag("team", "shop"),
        Tag("tier", "web"),
    )
    instances.remove_tags(["web-1"], [Tag("env", "staging"), Tag("team", "")])
    assert instances.get("web-1").tags == (Tag("env", "prod"), Tag("tier", "web"))


def test_tagging_an_unregistered_instance_fails_for_every_instance_of_the_call(
    instances: OnPremisesInstances, store: InMemoryOnPremisesInstanceStore
) -> None:
    instances.register("web-1", user(1))
    instances.register("web-2", user(2))
    instances.deregister("web-2")
    before = store.snapshot()
    with pytest.raises(InstanceNotRegisteredException, match="web-2"):
        instances.add_tags(["web-1", "web-2"], [Tag("env", "prod")])
    with pytest.raises(InstanceNotRegisteredException, match="ghost"):
        instances.add_tags(["web-1", "ghost"], [Tag("env", "prod")])
    assert store.snapshot() == before


def test_more_than_ten_tags_on_an_instance_are_refused(instances: OnPremisesInstances) -> None:
    instances.register("web-1", user(1))
    instances.add_tags(["web-1"], [Tag(f"k{n}", "v") for n in range(8)])
    with pytest.raises(TagLimitExceededException, match="11"):
        instances.add_tags(["web-1"], [Tag("a", "v"), Tag("b", "v"), Tag("c", "v")])
    assert len(instances.get("web-1").tags) == 8


def test_listing_filters_by_status_and_by_any_tag_filter(instances: OnPremisesInstances) -> None:
    for n, name in enumerate(("a", "b", "c", "d")):
        instances.register(name, user(n))
    instances.add_tags(["a"], [Tag("env", "prod")])
    instances.add_tags(["b"], [Tag("env", "test")])
    instances.add_tags(["c"], [Tag("role", "prod")])
    instances.deregister("d")

    def names(query: InstanceQuery) -> list[str]:
        listed, token = [], None
        while True:
            page = instances.page(query, token)
            listed += page.names
            token = page.next_token
            if token is None:
                return listed

    assert names(InstanceQuery()) == ["a", "b", "c", "d"]
    assert names(InstanceQuery(RegistrationStatus.DEREGISTERED)) == ["d"]
    key_and_value = TagFilter(TagFilterType.KEY_AND_VALUE, "env", "prod")
    value_only = TagFilter(TagFilterType.VALUE_ONLY, value="prod")
    key_only = TagFilter(TagFilterType.KEY_ONLY, key="env")
    assert names(InstanceQuery(tag_filters=(key_and_value,))) == ["a"]
    assert names(InstanceQuery(tag_filters=(value_only,))) == ["a", "c"]
    assert names(InstanceQuery(RegistrationStatus.REGISTERED, (key_only, value_only))) == [
        "a",
        "b",
        "c",
    ]


def test_a_bad_instance_list_token_is_refused(instances: OnPremisesInstances) -> None:
    with pytest.raises(InvalidNextTokenException):
        instances.page(InstanceQuery(), "garbage")


def test_a_deregistration_that_loses_a_race_decides_again_on_the_fresh_instance(
    instances: OnPremisesInstances, store: InMemoryOnPremisesInstanceStore
) -> None:
    # Given a tag change lands between the deregistration's read and its write
    instances.register("web-1", user(1))
    real_deregister = store.deregister
    calls = []

    def racing(instance, at):  # type: ignore[no-untyped-def]
        if not calls:
            calls.append(instance)
            instances.add_tags(["web-1"], [Tag("env", "prod")])
        return real_deregister(instance, at)

    store.deregister = racing  # type: ignore[method-assign]
    # When it is deregistered, Then the retry on the new version wins
    instances.deregister("web-1")
    assert not instances.get("web-1").registered
    assert instances.get("web-1").version == 3
