"""Dispatch: operation names to functions, request members to checked values, results to shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest

from rollwright.applications import Applications
from rollwright.dispatch import OPERATIONS, dispatch
from rollwright.errors import (
    ApplicationNameRequiredException,
    CodeDeployError,
    InvalidApplicationNameException,
    InvalidComputePlatformException,
    InvalidTagsToAddException,
    SerializationException,
    UnknownOperationException,
)
from tests.fakes.application_store import InMemoryApplicationStore
from tests.fakes.services import in_memory_services

MODEL = botocore.session.get_session().get_service_model("codedeploy")
NOW = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)


@pytest.fixture
def store() -> InMemoryApplicationStore:
    return InMemoryApplicationStore()


@pytest.fixture
def applications(store: InMemoryApplicationStore) -> Applications:
    return Applications(store, clock=lambda: NOW, new_id=lambda: "app-id")


def test_every_dispatched_operation_is_a_codedeploy_operation() -> None:
    assert set(OPERATIONS) <= set(MODEL.operation_names)


def test_an_operation_not_served_is_unknown(applications: Applications) -> None:
    with pytest.raises(UnknownOperationException, match="LaunchRockets"):
        dispatch("LaunchRockets", {}, in_memory_services(applications))


def _members(shape: Any, value: Any) -> None:
    """Assert that ``value`` only uses members of ``shape`` (recursively)."""
    if shape.type_name == "structure":
        assert set(value) <= set(shape.members), set(value) - set(shape.members)
        for name, item in value.items():
            _members(shape.members[name], item)
    elif shape.type_name == "list":
        for item in value:
            _members(shape.member, item)


def test_results_use_only_members_of_the_output_shapes(applications: Applications) -> None:
    calls = [
        ("CreateApplication", {"applicationName": "shop", "tags": [{"Key": "k", "Value": "v"}]}),
        ("GetApplication", {"applicationName": "shop"}),
        ("BatchGetApplications", {"applicationNames": ["shop"]}),
        ("ListApplications", {}),
        ("UpdateApplication", {"applicationName": "shop", "newApplicationName": "store"}),
        ("DeleteApplication", {"applicationName": "store"}),
    ]
    for operation, params in calls:
        result = dispatch(operation, params, in_memory_services(applications))
        output = MODEL.operation_model(operation).output_shape
        if output is None:
            assert result == {}
        else:
            _members(output, result)


def test_get_application_answers_an_application_info(applications: Applications) -> None:
    dispatch("CreateApplication", {"applicationName": "shop"}, in_memory_services(applications))
    assert dispatch(
        "GetApplication", {"applicationName": "shop"}, in_memory_services(applications)
    ) == {
        "application": {
            "applicationId": "app-id",
            "applicationName": "shop",
            "createTime": NOW,
            "linkedToGitHub": False,
            "computePlatform": "Server",
        }
    }


@pytest.mark.parametrize(
    ("operation", "params", "error"),
    [
        ("CreateApplication", {}, ApplicationNameRequiredException),
        ("CreateApplication", {"applicationName": 7}, SerializationException),
        ("CreateApplication", {"applicationName": "a b"}, InvalidApplicationNameException),
        (
            "CreateApplication",
            {"applicationName": "ok", "computePlatform": "EC2"},
            InvalidComputePlatformException,
        ),
        ("CreateApplication", {"applicationName": "ok", "tags": {}}, SerializationException),
        ("CreateApplication", {"applicationName": "ok", "tags": ["x"]}, SerializationException),
        (
            "CreateApplication",
            {"applicationName": "ok", "tags": [{"Key": 1}]},
            SerializationException,
        ),
        (
            "CreateApplication",
            {"applicationName": "ok", "tags": [{"Value": "no key"}]},
            InvalidTagsToAddException,
        ),
        ("BatchGetApplications", {"applicationNames": "shop"}, SerializationException),
        ("ListApplications", {"nextToken": 5}, SerializationException),
        ("UpdateApplication", {"applicationName": "shop"}, ApplicationNameRequiredException),
        ("UpdateApplication", {"newApplicationName": "new"}, ApplicationNameRequiredException),
        ("DeleteApplication", {"applicationName": ""}, ApplicationNameRequiredException),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    applications: Applications,
    store: InMemoryApplicationStore,
    operation: str,
    params: dict[str, Any],
    error: type[CodeDeployError],
) -> None:
    # Given one application
    dispatch("CreateApplication", {"applicationName": "shop"}, in_memory_services(applications))
    before, writes = store.snapshot(), store.writes
    # When a bad request arrives, Then it is refused with the exception name
    with pytest.raises(error):
        dispatch(operation, params, in_memory_services(applications))
    # And nothing was written
    assert store.snapshot() == before
    assert store.writes == writes


def test_unknown_members_are_ignored(applications: Applications) -> None:
    result = dispatch(
        "CreateApplication", {"applicationName": "s", "extra": 1}, in_memory_services(applications)
    )
    assert result == {"applicationId": "app-id"}
