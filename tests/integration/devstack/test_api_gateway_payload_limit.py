"""API Gateway's payload quota: REST APIs take request bodies of at most 10 MB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.api_gateway import MAX_PAYLOAD_BYTES
from devstack.state import DevstackState
from tests.integration.devstack.test_api_gateway import operator, signed_post

TEN_MEGABYTES = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def api_url(devstack: DevstackState, template_dir: Path) -> str:
    response = requests.post(
        f"{devstack.aws_endpoint_url}/_devstack/stacks",
        json={"template_dir": str(template_dir), "stack_name": "Sample"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    deployed: dict[str, Any] = response.json()
    return str(deployed["outputs"]["ApiUrl"])


def test_the_limit_is_api_gateways_ten_megabytes() -> None:
    assert MAX_PAYLOAD_BYTES == TEN_MEGABYTES


def test_a_body_of_exactly_ten_megabytes_reaches_the_function(
    devstack: DevstackState, api_url: str
) -> None:
    # Given a body at the limit
    body = b"x" * TEN_MEGABYTES

    # When it is posted, signed
    response = signed_post(api_url + "/", body, operator(devstack))

    # Then the function received it whole (the echo function answers with its event)
    assert response.status_code == 200
    assert len(response.json()["body"]) == TEN_MEGABYTES


def test_a_body_over_ten_megabytes_is_refused_with_413(
    devstack: DevstackState, api_url: str
) -> None:
    # Given a body one byte over the limit
    body = b"x" * (TEN_MEGABYTES + 1)

    # When it is posted, signed
    response = signed_post(api_url + "/", body, operator(devstack))

    # Then API Gateway refuses it as it does, without calling the function
    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}
    assert "X-Echo" not in response.headers
