"""rollwright.client: the stock CodeDeploy client, signed for execute-api, in either protocol."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.api import handler as api
from rollwright.applications import Applications
from rollwright.client import codedeploy_client
from rollwright.protocols import WireProtocol
from tests.fakes.api_gateway import InProcessApiGateway
from tests.fakes.application_store import InMemoryApplicationStore
from tests.fakes.services import in_memory_services

API_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"
CREDENTIALS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}
NOW = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> InProcessApiGateway:
    applications = Applications(
        InMemoryApplicationStore(), clock=lambda: NOW, new_id=lambda: "app-id"
    )
    served = in_memory_services(applications)
    monkeypatch.setattr(api, "services", lambda _function_arn: served)
    return InProcessApiGateway(api.handler)


def client_for(gateway: InProcessApiGateway, protocol: WireProtocol | None = None) -> Any:
    return gateway.attach(codedeploy_client(API_URL, protocol=protocol, **CREDENTIALS))


def test_requests_are_signed_for_execute_api_in_the_url_region(
    gateway: InProcessApiGateway,
) -> None:
    client_for(gateway).list_applications()
    authorization = gateway.requests[0].headers["Authorization"].decode()
    assert "/eu-west-1/execute-api/aws4_request" in authorization


def test_an_explicit_region_wins_over_the_url(gateway: InProcessApiGateway) -> None:
    client = codedeploy_client(API_URL, region_name="us-east-2", **CREDENTIALS)
    gateway.attach(client).list_applications()
    assert "/us-east-2/execute-api/" in gateway.requests[0].headers["Authorization"].decode()


def test_botocore_chooses_json_1_1_by_default(gateway: InProcessApiGateway) -> None:
    client_for(gateway).list_applications()
    request = gateway.requests[0]
    assert request.url == API_URL
    assert request.headers["X-Amz-Target"] == b"CodeDeploy_20141006.ListApplications"


def test_the_protocol_can_be_pinned_to_cbor(gateway: InProcessApiGateway) -> None:
    client_for(gateway, WireProtocol.RPC_V2_CBOR).list_applications()
    request = gateway.requests[0]
    assert request.url == API_URL + "/service/CodeDeploy_20141006/operation/ListApplications"
    assert request.headers["smithy-protocol"] == b"rpc-v2-cbor"


def test_pinning_does_not_change_other_clients() -> None:
    codedeploy_client(API_URL, protocol=WireProtocol.RPC_V2_CBOR, **CREDENTIALS)
    assert codedeploy_client(API_URL, **CREDENTIALS).meta.service_model.resolved_protocol == "json"


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_the_stock_client_round_trips_an_application(
    gateway: InProcessApiGateway, protocol: WireProtocol
) -> None:
    client = client_for(gateway, protocol)
    created = client.create_application(applicationName="shop", computePlatform="ECS")
    application = client.get_application(applicationName="shop")["application"]
    assert created["applicationId"] == application["applicationId"] == "app-id"
    assert application["createTime"] == NOW
    assert application["computePlatform"] == "ECS"


@pytest.mark.parametrize("protocol", list(WireProtocol))
def test_errors_surface_as_modeled_client_exceptions(
    gateway: InProcessApiGateway, protocol: WireProtocol
) -> None:
    client = client_for(gateway, protocol)
    with pytest.raises(client.exceptions.ApplicationDoesNotExistException, match="ghost"):
        client.get_application(applicationName="ghost")
