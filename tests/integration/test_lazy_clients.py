import boto3
import pytest
from moto import mock_aws

from functions.adapters.lazy_clients import LazyClient


@pytest.fixture
def region(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_a_lazy_client_is_not_made_until_a_call_needs_it(region):
    with mock_aws():
        # Given a lazy SQS client
        sqs = LazyClient("sqs")
        # Then putting it together made no client
        assert not sqs.made


def test_a_lazy_client_calls_the_service_like_the_client_it_stands_for(region):
    with mock_aws():
        # Given a lazy SQS client
        sqs = LazyClient("sqs")
        # When it creates a queue
        sqs.create_queue(QueueName="hosts")
        # Then the client was made, and the queue exists for any other client
        assert sqs.made
        assert boto3.client("sqs").get_queue_url(QueueName="hosts")["QueueUrl"].endswith("/hosts")


def test_a_lazy_client_raises_the_services_own_exceptions(region):
    with mock_aws():
        # Given a lazy SQS client
        sqs = LazyClient("sqs")
        # When it asks for a queue that does not exist
        # Then the error is the client's modeled exception, read through the lazy client
        with pytest.raises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName="missing")


def test_a_lazy_client_has_no_private_attributes_of_the_client(region):
    # Given a lazy client
    sqs = LazyClient("sqs")
    # Then a private name is not looked up on the client (nor makes it)
    with pytest.raises(AttributeError):
        _ = sqs._endpoint
    assert not sqs.made
