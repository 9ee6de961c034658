"""moto's Step Functions interpreter runs real ASL and calls Lambda through the gateway."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.integration.devstack.conftest import FunctionFactory, wait_for


def _state_machine(
    aws: Callable[[str], Any], execution_role: str, definition: dict[str, Any]
) -> str:
    name = f"machine-{abs(hash(json.dumps(definition))) % 10_000_000}"
    created = aws("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=execution_role
    )
    return str(created["stateMachineArn"])


def _finished(aws: Callable[[str], Any], execution_arn: str) -> dict[str, Any] | None:
    execution = aws("stepfunctions").describe_execution(executionArn=execution_arn)
    return None if execution["status"] == "RUNNING" else dict(execution)


def test_a_lambda_invoke_task_runs_the_function(
    aws: Callable[[str], Any], create_function: FunctionFactory, execution_role: str
) -> None:
    # Given a state machine whose Task state invokes a zip function
    name = create_function("def handler(event, context):\n    return {'doubled': event['n'] * 2}\n")
    machine = _state_machine(
        aws,
        execution_role,
        {
            "StartAt": "Double",
            "States": {
                "Double": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": name, "Payload.$": "$"},
                    "OutputPath": "$.Payload",
                    "End": True,
                }
            },
        },
    )

    # When an execution starts
    execution = aws("stepfunctions").start_execution(
        stateMachineArn=machine, input=json.dumps({"n": 21})
    )

    # Then it succeeds with the function's result
    finished = wait_for(lambda: _finished(aws, execution["executionArn"]))
    assert finished["status"] == "SUCCEEDED"
    assert json.loads(finished["output"]) == {"doubled": 42}


def test_a_wait_for_task_token_state_resumes_on_send_task_success(
    aws: Callable[[str], Any], create_function: FunctionFactory, execution_role: str
) -> None:
    # Given a function that parks the task token in a queue, and a state machine waiting on it
    aws("sqs").create_queue(QueueName="task-tokens")
    name = create_function(
        "import boto3\n"
        "def handler(event, context):\n"
        "    sqs = boto3.client('sqs')\n"
        "    url = sqs.get_queue_url(QueueName='task-tokens')['QueueUrl']\n"
        "    sqs.send_message(QueueUrl=url, MessageBody=event['token'])\n"
    )
    machine = _state_machine(
        aws,
        execution_role,
        {
            "StartAt": "Wait",
            "States": {
                "Wait": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": name,
                        "Payload": {"token.$": "$$.Task.Token"},
                    },
                    "End": True,
                }
            },
        },
    )
    execution = aws("stepfunctions").start_execution(stateMachineArn=machine, input="{}")
    url = aws("sqs").get_queue_url(QueueName="task-tokens")["QueueUrl"]
    token = wait_for(
        lambda: aws("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages")
    )[0]["Body"]

    # When the token is reported as succeeded
    aws("stepfunctions").send_task_success(taskToken=token, output=json.dumps({"host": "ok"}))

    # Then the execution succeeds with the reported output
    finished = wait_for(lambda: _finished(aws, execution["executionArn"]))
    assert finished["status"] == "SUCCEEDED"
    assert json.loads(finished["output"]) == {"host": "ok"}


def test_a_task_token_answered_before_its_wait_begins_still_ends_the_wait(
    aws: Callable[[str], Any], create_function: FunctionFactory, execution_role: str
) -> None:
    # Given a function that answers its own task token while it is still being invoked, before
    # the state's wait for the token begins (as a rollout that ends during dispatch does)
    name = create_function(
        "import json, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('stepfunctions').send_task_success(\n"
        "        taskToken=event['token'], output=json.dumps({'ended': 'early'}))\n"
    )
    machine = _state_machine(
        aws,
        execution_role,
        {
            "StartAt": "Wait",
            "States": {
                "Wait": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": name, "Payload": {"token.$": "$$.Task.Token"}},
                    "TimeoutSeconds": 60,
                    "End": True,
                }
            },
        },
    )

    # When an execution starts
    execution = aws("stepfunctions").start_execution(stateMachineArn=machine, input="{}")

    # Then the early answer ends the wait: the execution succeeds with its output
    finished = wait_for(lambda: _finished(aws, execution["executionArn"]))
    assert finished["status"] == "SUCCEEDED"
    assert json.loads(finished["output"]) == {"ended": "early"}
