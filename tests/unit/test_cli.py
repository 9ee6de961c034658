"""The rollwright CLI drives the API through the stock client."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.api import handler as api
from rollwright import cli
from rollwright.applications import Applications
from rollwright.client import codedeploy_client
from tests.fakes.api_gateway import InProcessApiGateway
from tests.fakes.application_store import InMemoryApplicationStore
from tests.fakes.services import in_memory_services

URL = ["--api-url", "https://abc123.execute-api.us-east-1.amazonaws.com/v1"]


@pytest.fixture(autouse=True)
def api_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    applications = Applications(
        InMemoryApplicationStore(),
        clock=lambda: datetime(2026, 11, 27, tzinfo=UTC),
        new_id=lambda: "app-id",
    )
    served = in_memory_services(applications)
    monkeypatch.setattr(api, "services", lambda _function_arn: served)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    gateway = InProcessApiGateway(api.handler)

    def attached(api_url: str, **kwargs: Any) -> Any:
        return gateway.attach(codedeploy_client(api_url, **kwargs))

    monkeypatch.setattr(cli, "codedeploy_client", attached)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    # The in-process handler's metrics (EMF, one line each) share stdout with the CLI.
    printed = "\n".join(line for line in out.splitlines() if not line.startswith('{"_aws"'))
    return status, json.loads(printed) if printed else None, err


def test_create_then_list_shows_the_application(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "applications", "create", *URL, "--name", "shop")[1] == {
        "applicationId": "app-id"
    }
    assert run(capsys, "applications", "list", *URL)[1] == {"applications": ["shop"]}


def test_rename_get_and_delete_over_cbor(capsys: pytest.CaptureFixture[str]) -> None:
    cbor = ["--protocol", "smithy-rpc-v2-cbor"]
    run(capsys, "applications", "create", *URL, *cbor, "--name", "shop")
    run(capsys, "applications", "rename", *URL, *cbor, "--name", "shop", "--new-name", "store")
    assert (
        run(capsys, "applications", "get", *URL, *cbor, "--name", "store")[1]["applicationName"]
        == "store"
    )
    assert run(capsys, "applications", "delete", *URL, *cbor, "--name", "store")[0] == 0


def test_an_error_prints_the_exception_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "applications", "get", *URL, "--name", "ghost")
    assert status == 1
    assert err.startswith("ApplicationDoesNotExistException: ")
