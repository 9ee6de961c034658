"""The local Lambda runtime runs zip functions created through the Lambda API."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from tests.integration.devstack.conftest import FunctionFactory


def test_a_function_returns_its_result_and_sees_its_environment(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a function that reports its environment and context
    name = create_function(
        "import os\n"
        "def handler(event, context):\n"
        "    return {'event': event, 'greeting': os.environ['GREETING'],\n"
        "            'endpoint': os.environ['AWS_ENDPOINT_URL'],\n"
        "            'function': context.function_name,\n"
        "            'remaining': context.get_remaining_time_in_millis(),\n"
        "            'arn': context.invoked_function_arn, 'request': context.aws_request_id}\n",
        environment={"GREETING": "hello"},
    )

    # When it is invoked
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"n": 1}))

    # Then the payload is the handler's return value, built from its environment and context
    result = json.loads(response["Payload"].read())
    assert "FunctionError" not in response
    assert result["event"] == {"n": 1}
    assert result["greeting"] == "hello"
    assert result["endpoint"].startswith("http://127.0.0.1:")
    assert result["function"] == name
    assert 0 < result["remaining"] <= 3000
    assert result["arn"].endswith(f":function:{name}")


def test_a_function_calls_aws_through_the_gateway(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a queue and a function that lists queues with a stock boto3 client
    aws("sqs").create_queue(QueueName="seen-by-lambda")
    name = create_function(
        "import boto3\n"
        "def handler(event, context):\n"
        "    return boto3.client('sqs').list_queues()['QueueUrls']\n"
    )

    # When it is invoked
    response = aws("lambda").invoke(FunctionName=name)

    # Then it saw the devstack's queue
    assert any(url.endswith("/seen-by-lambda") for url in json.loads(response["Payload"].read()))


def test_a_handler_exception_is_an_unhandled_function_error(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a function that raises
    name = create_function("def handler(event, context):\n    raise ValueError('bad input')\n")

    # When it is invoked
    response = aws("lambda").invoke(FunctionName=name)

    # Then Lambda's error shape comes back
    payload = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "bad input"
    assert any("raise ValueError" in line for line in payload["stackTrace"])


def test_a_function_that_runs_too_long_times_out(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a function with a one-second timeout that sleeps longer
    name = create_function(
        "import time\ndef handler(event, context):\n    time.sleep(30)\n", timeout=1
    )

    # When it is invoked
    response = aws("lambda").invoke(FunctionName=name)

    # Then the invocation fails as Lambda reports a timeout
    payload = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]


def test_a_function_recovers_after_a_timeout(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a function that timed out once
    name = create_function(
        "import time\ndef handler(event, context):\n"
        "    time.sleep(event.get('sleep', 0))\n    return 'ok'\n",
        timeout=1,
    )
    aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"sleep": 5}))

    # When it is invoked again
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"sleep": 0}))

    # Then a fresh worker answers
    assert json.loads(response["Payload"].read()) == "ok"


def test_tail_logs_return_the_function_output(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a function that prints
    name = create_function("def handler(event, context):\n    print('visible line')\n")

    # When it is invoked with LogType Tail
    response = aws("lambda").invoke(FunctionName=name, LogType="Tail")

    # Then the log tail holds its output between START and REPORT
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "visible line" in tail
    assert "START RequestId" in tail
    assert "REPORT RequestId" in tail


def test_an_event_invocation_is_accepted_and_runs_in_the_background(
    aws: Callable[[str], Any],
    create_function: FunctionFactory,
    recorder_source: str,
    recorded_events: Callable[[str], list[dict[str, Any]]],
) -> None:
    # Given a function that records its events in a queue
    aws("sqs").create_queue(QueueName="async-record")
    name = create_function(recorder_source, environment={"RECORD_QUEUE": "async-record"})

    # When it is invoked with InvocationType Event
    response = aws("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"async": True})
    )

    # Then Lambda answers 202 at once and the function runs afterwards
    assert response["StatusCode"] == 202
    assert recorded_events("async-record") == [{"async": True}]


def test_a_dry_run_checks_the_function_without_running_it(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a function
    name = create_function("def handler(event, context):\n    raise SystemExit(1)\n")

    # When it is invoked with InvocationType DryRun
    response = aws("lambda").invoke(FunctionName=name, InvocationType="DryRun")

    # Then Lambda answers 204
    assert response["StatusCode"] == 204


def test_an_alias_qualifier_runs_the_version_it_points_at(
    aws: Callable[[str], Any], create_function: FunctionFactory
) -> None:
    # Given a published version behind an alias
    name = create_function(
        "def handler(event, context):\n    return context.invoked_function_arn\n"
    )
    version = aws("lambda").publish_version(FunctionName=name)["Version"]
    aws("lambda").create_alias(FunctionName=name, Name="live", FunctionVersion=version)

    # When the alias is invoked
    response = aws("lambda").invoke(FunctionName=name, Qualifier="live")

    # Then the alias ARN is the invoked ARN and the version ran
    assert json.loads(response["Payload"].read()).endswith(f":{name}:live")
    assert response["ExecutedVersion"] == version


def test_an_unknown_function_is_not_found(aws: Callable[[str], Any]) -> None:
    # Given no function named "missing"
    # When it is invoked
    # Then Lambda's ResourceNotFoundException comes back
    client = aws("lambda")
    try:
        client.invoke(FunctionName="missing")
    except client.exceptions.ResourceNotFoundException:
        return
    raise AssertionError("expected ResourceNotFoundException")
