"""Fixtures for the application API against moto: the store and the real api handler.

The state table is the shared fixture of ``state_table.py`` (the contract's key schema). Import the
fixtures by name into a test module, as ``state_table`` is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

# Powertools reads these when the handler module is imported.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "rollwright-test")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "RollwrightTest")

from functions.adapters.application_records import DynamoApplicationStore
from functions.api import handler as api
from tests.integration.state_table import create_state_table

TABLE_NAME = "rollwright-state"
REGION = "us-east-1"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A DynamoDB client on moto with the state table created; TABLE_NAME names it."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "TABLE_NAME": TABLE_NAME,
        # The api function's deployments start executions of this machine (none here).
        "SERVER_STATE_MACHINE_ARN": (
            f"arn:aws:states:{REGION}:123456789012:stateMachine:rollwright-server"
        ),
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        create_state_table(TABLE_NAME, REGION)
        yield boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def store(dynamodb: Any) -> DynamoApplicationStore:
    return DynamoApplicationStore(dynamodb, TABLE_NAME)


@pytest.fixture
def api_handler(dynamodb: Any) -> Iterator[Any]:
    """The real handler; its store is built from TABLE_NAME inside the moto context."""
    api.services.cache_clear()
    yield api.handler
    api.services.cache_clear()
