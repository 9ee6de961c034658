"""The stock boto3 CodeDeploy client driving the real api handler on moto, in both protocols.

The client is ``rollwright.client.codedeploy_client``; only the network is replaced (an in-process
API Gateway that turns each request into a REST v1 proxy event).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.adapters.application_records import DynamoApplicationStore
from rollwright.applications import Application, ComputePlatform
from rollwright.client import codedeploy_client
from rollwright.protocols import WireProtocol
from tests.fakes.api_gateway import InProcessApiGateway
from tests.integration.application_api import api_handler, dynamodb, store

__all__ = ["api_handler", "dynamodb", "store"]

API_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/v1"


@pytest.fixture(params=list(WireProtocol), ids=lambda p: p.name)
def protocol(request: pytest.FixtureRequest) -> WireProtocol:
    return WireProtocol(request.param)


@pytest.fixture
def gateway(api_handler: Any) -> InProcessApiGateway:
    return InProcessApiGateway(api_handler)


@pytest.fixture
def client(gateway: InProcessApiGateway, protocol: WireProtocol) -> Any:
    return gateway.attach(codedeploy_client(API_URL, protocol=protocol))


def test_requests_travel_in_the_chosen_protocol(
    client: Any, gateway: InProcessApiGateway, protocol: WireProtocol
) -> None:
    client.list_applications()
    sent = gateway.requests[-1]
    if protocol is WireProtocol.RPC_V2_CBOR:
        assert sent.url.endswith("/service/CodeDeploy_20141006/operation/ListApplications")
    else:
        assert sent.headers["X-Amz-Target"] == b"CodeDeploy_20141006.ListApplications"


def test_a_created_application_reads_back_with_its_details(client: Any) -> None:
    # When an application is created with tags
    before = datetime.now(UTC) - timedelta(seconds=1)
    created = client.create_application(
        applicationName="shop", computePlatform="Lambda", tags=[{"Key": "team", "Value": "pay"}]
    )
    # Then GetApplication answers an ApplicationInfo with a UUID id and the create time
    application = client.get_application(applicationName="shop")["application"]
    assert uuid.UUID(created["applicationId"])
    assert application["applicationId"] == created["applicationId"]
    assert application["applicationName"] == "shop"
    assert application["computePlatform"] == "Lambda"
    assert application["linkedToGitHub"] is False
    assert before <= application["createTime"] <= datetime.now(UTC)


def test_a_created_application_defaults_to_the_server_platform(client: Any) -> None:
    client.create_application(applicationName="shop")
    assert client.get_application(applicationName="shop")["application"]["computePlatform"] == (
        "Server"
    )


def test_creating_a_taken_name_is_application_already_exists(client: Any) -> None:
    client.create_application(applicationName="shop")
    with pytest.raises(client.exceptions.ApplicationAlreadyExistsException, match="shop"):
        client.create_application(applicationName="shop")


def test_a_missing_application_is_application_does_not_exist(client: Any) -> None:
    with pytest.raises(
        client.exceptions.ApplicationDoesNotExistException,
        match="The application ghost does not exist",
    ):
        client.get_application(applicationName="ghost")


def test_an_invalid_name_is_refused_with_its_exception_and_nothing_is_created(
    client: Any,
) -> None:
    with pytest.raises(client.exceptions.InvalidApplicationNameException):
        client.create_application(applicationName="has space")
    assert client.list_applications()["applications"] == []


def test_an_unknown_compute_platform_is_refused(client: Any) -> None:
    with pytest.raises(client.exceptions.InvalidComputePlatformException):
        client.create_application(applicationName="shop", computePlatform="Mainframe")


def test_listing_follows_next_tokens_across_pages(
    client: Any, store: DynamoApplicationStore
) -> None:
    # Given 205 applications (pages hold 100)
    names = [f"app-{n:03d}" for n in range(205)]
    created = datetime(2026, 1, 1, tzinfo=UTC)
    for name in names:
        store.add(Application(str(uuid.uuid4()), name, ComputePlatform.SERVER, created))
    # When the pages are read with the raw nextToken
    first = client.list_applications()
    second = client.list_applications(nextToken=first["nextToken"])
    third = client.list_applications(nextToken=second["nextToken"])
    # Then there are three pages, in name order, the last without a token
    assert [len(first["applications"]), len(second["applications"])] == [100, 100]
    assert "nextToken" not in third
    assert first["applications"] + second["applications"] + third["applications"] == names


def test_botocore_paginator_lists_every_application(
    client: Any, store: DynamoApplicationStore
) -> None:
    names = [f"app-{n:03d}" for n in range(150)]
    for name in names:
        store.add(Application(name, name, ComputePlatform.SERVER, datetime(2026, 1, 1, tzinfo=UTC)))
    pages = list(client.get_paginator("list_applications").paginate())
    assert [name for page in pages for name in page["applications"]] == names


def test_a_garbled_next_token_is_invalid_next_token(client: Any) -> None:
    with pytest.raises(client.exceptions.InvalidNextTokenException):
        client.list_applications(nextToken="not-a-token")


def test_batch_get_answers_every_application_asked(client: Any) -> None:
    for name in ("a", "b", "c"):
        client.create_application(applicationName=name)
    infos = client.batch_get_applications(applicationNames=["c", "a"])["applicationsInfo"]
    assert [info["applicationName"] for info in infos] == ["c", "a"]


def test_batch_get_with_a_missing_name_is_application_does_not_exist(client: Any) -> None:
    client.create_application(applicationName="a")
    with pytest.raises(client.exceptions.ApplicationDoesNotExistException, match="ghost"):
        client.batch_get_applications(applicationNames=["a", "ghost"])


def test_batch_get_of_more_than_100_names_is_batch_limit_exceeded(client: Any) -> None:
    with pytest.raises(client.exceptions.BatchLimitExceededException):
        client.batch_get_applications(applicationNames=[f"a{n}" for n in range(101)])


def test_rename_keeps_the_application_id(client: Any) -> None:
    created = client.create_application(applicationName="old")
    client.update_application(applicationName="old", newApplicationName="new")
    application = client.get_application(applicationName="new")["application"]
    assert application["applicationId"] == created["applicationId"]
    assert client.list_applications()["applications"] == ["new"]


def test_rename_onto_a_taken_name_is_application_already_exists(client: Any) -> None:
    client.create_application(applicationName="old")
    client.create_application(applicationName="taken")
    with pytest.raises(client.exceptions.ApplicationAlreadyExistsException, match="taken"):
        client.update_application(applicationName="old", newApplicationName="taken")
    assert client.list_applications()["applications"] == ["old", "taken"]


def test_rename_without_a_new_name_is_application_name_required(client: Any) -> None:
    client.create_application(applicationName="old")
    with pytest.raises(client.exceptions.ApplicationNameRequiredException):
        client.update_application(applicationName="old")


def test_delete_removes_the_application(client: Any) -> None:
    client.create_application(applicationName="shop")
    client.delete_application(applicationName="shop")
    with pytest.raises(client.exceptions.ApplicationDoesNotExistException):
        client.get_application(applicationName="shop")


def test_deleting_a_missing_application_succeeds(client: Any) -> None:
    client.delete_application(applicationName="ghost")
