"""The host's command queue (moto SQS): long poll, malformed messages, visibility, deletion."""

import boto3
import pytest
from moto import mock_aws

from agent.poller import CommandPoller, QueueMissingError, ReceivedCommand
from tests.agent.host_commands import (
    HOST_ID,
    QUEUE_NAME,
    a_host_command,
    a_host_command_body,
    queue_depth,
)


@pytest.fixture
def sqs(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        client.create_queue(QueueName=QUEUE_NAME)
        yield client


@pytest.fixture
def queue_url(sqs):
    return sqs.get_queue_url(QueueName=QUEUE_NAME)["QueueUrl"]


def _poller(sqs, visibility_timeout_seconds=300):
    return CommandPoller(
        sqs,
        queue_name=QUEUE_NAME,
        host_id=HOST_ID,
        wait_seconds=1,
        visibility_timeout_seconds=visibility_timeout_seconds,
    )


def _in_flight(sqs, queue_url, **poller_options) -> tuple[CommandPoller, ReceivedCommand]:
    """A poller that has received the host command sent to the queue (now in flight)."""
    sqs.send_message(QueueUrl=queue_url, MessageBody=a_host_command_body())
    poller = _poller(sqs, **poller_options)
    received = poller.receive()
    assert received is not None
    return poller, received


def _calls(client) -> list[str]:
    names: list[str] = []
    client.meta.events.register("before-call.sqs.*", lambda model, **_: names.append(model.name))
    return names


def test_a_command_is_received_and_stays_hidden_while_it_runs(sqs, queue_url):
    # Given a host command on the host's queue
    sqs.send_message(QueueUrl=queue_url, MessageBody=a_host_command_body())
    # When the agent polls
    received = _poller(sqs).receive()
    # Then it gets the command, which is in flight, not deleted
    assert received is not None
    assert received.command == a_host_command()
    assert queue_depth(sqs, queue_url) == (0, 1)


def test_the_poll_is_one_long_poll_for_one_message(sqs, queue_url):
    # Given an agent whose SQS calls are watched
    calls = _calls(sqs)
    captured: list[dict] = []
    sqs.meta.events.register(
        "provide-client-params.sqs.ReceiveMessage", lambda params, **_: captured.append(params)
    )
    poller = _poller(sqs)
    # When it polls an empty queue three times
    results = [poller.receive() for _ in range(3)]
    # Then nothing was received, the queue URL was looked up once, and each poll was a single
    # long-polling ReceiveMessage for at most one message
    assert results == [None, None, None]
    assert calls == ["GetQueueUrl", "ReceiveMessage", "ReceiveMessage", "ReceiveMessage"]
    assert {(p["WaitTimeSeconds"], p["MaxNumberOfMessages"]) for p in captured} == {(1, 1)}


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        '{"protocolVersion": 1}',
        a_host_command_body().replace('"protocolVersion": 1', '"protocolVersion": 99'),
        a_host_command_body(a_host_command(host_id="i-0someoneelse")),
    ],
    ids=["not-json", "incomplete", "future-protocol", "other-host"],
)
def test_a_message_that_is_not_a_command_for_this_host_is_deleted_unrun(sqs, queue_url, body):
    # Given a message the agent cannot act on
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    # When the agent polls
    received = _poller(sqs).receive()
    # Then it gets nothing to run, and the message is gone rather than coming back forever
    assert received is None
    assert queue_depth(sqs, queue_url) == (0, 0)


def test_a_released_command_is_visible_again_at_once(sqs, queue_url):
    # Given a command in flight / When the agent releases it / Then it is visible again
    poller, received = _in_flight(sqs, queue_url)
    poller.release(received)
    assert queue_depth(sqs, queue_url) == (1, 0)


def test_a_finished_command_is_deleted(sqs, queue_url):
    # Given a command in flight / When the agent deletes it / Then the queue is empty
    poller, received = _in_flight(sqs, queue_url)
    poller.delete(received)
    assert queue_depth(sqs, queue_url) == (0, 0)


def test_extending_visibility_sets_the_configured_timeout(sqs, queue_url):
    # Given a command in flight with a poller configured for 120 s of visibility
    poller, received = _in_flight(sqs, queue_url, visibility_timeout_seconds=120)
    captured: list[dict] = []
    sqs.meta.events.register(
        "provide-client-params.sqs.ChangeMessageVisibility",
        lambda params, **_: captured.append(params),
    )
    # When the agent extends it / Then its visibility is set to the configured timeout
    poller.extend(received)
    assert captured[0]["VisibilityTimeout"] == 120
    assert captured[0]["ReceiptHandle"] == received.receipt_handle
    assert queue_depth(sqs, queue_url) == (0, 1)


def test_a_queue_that_does_not_exist_yet_is_told_apart_and_found_once_created(sqs):
    # Given no queue for the host yet (no deployment has targeted it)
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=QUEUE_NAME)["QueueUrl"])
    poller = _poller(sqs)
    # Then receiving says the queue is missing, not a failure
    with pytest.raises(QueueMissingError):
        poller.receive()
    # And once the control plane created it, the next poll uses it
    sqs.create_queue(QueueName=QUEUE_NAME)
    assert poller.receive() is None
