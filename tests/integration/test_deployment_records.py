import boto3
import pytest
from moto import mock_aws

from functions.adapters.deployment_records import DeploymentRecords, deployment_key
from rollwright.deployment_status import DeploymentStatus


@pytest.fixture
def table():
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName="state",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield table


def test_status_of_a_missing_deployment_is_none(table):
    assert DeploymentRecords(table).status_of("d-404") is None


def test_transition_moves_the_status_when_it_is_current(table):
    table.put_item(Item={**deployment_key("d-1"), "status": "Created"})
    records = DeploymentRecords(table)
    assert records.transition("d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS)
    assert records.status_of("d-1") is DeploymentStatus.IN_PROGRESS


def test_transition_refuses_when_the_status_moved_meanwhile(table):
    table.put_item(Item={**deployment_key("d-1"), "status": "Stopped"})
    records = DeploymentRecords(table)
    assert not records.transition("d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS)
    assert records.status_of("d-1") is DeploymentStatus.STOPPED


def test_transition_never_creates_a_deployment(table):
    records = DeploymentRecords(table)
    assert not records.transition("d-9", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS)
    assert records.status_of("d-9") is None
