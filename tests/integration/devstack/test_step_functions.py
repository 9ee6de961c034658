"""moto's Step Functions interpreter runs real ASL and calls Lambda through the gateway."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
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


def _token_wait(function_name: str, **fields: Any) -> dict[str, Any]:
    """A Task that invokes ``function_name`` with its task token and the time the state was
    entered (as the Server machine's waits do), then waits for the token's answer."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {
            "FunctionName": function_name,
            "Payload": {"token.$": "$$.Task.Token", "entered.$": "$$.State.EnteredTime"},
        },
        **fields,
    }


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
                "Wait": _token_wait(name, End=True),
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
        "    boto3.client('stepfunctions').send_task_success(taskToken=event['token'],\n"
        "        output=json.dumps({'ended': 'early', 'entered': event['entered']}))\n"
    )
    machine = _state_machine(
        aws,
        execution_role,
        {
            "StartAt": "Wait",
            "States": {
                "Wait": _token_wait(name, TimeoutSeconds=60, End=True),
            },
        },
    )

    # When an execution starts
    execution = aws("stepfunctions").start_execution(stateMachineArn=machine, input="{}")

    # Then the early answer ends the wait: the execution succeeds with its output, which carries
    # when the wait was entered (ISO 8601, at or after the execution's start)
    finished = wait_for(lambda: _finished(aws, execution["executionArn"]))
    assert finished["status"] == "SUCCEEDED"
    output = json.loads(finished["output"])
    assert output["ended"] == "early"
    entered = datetime.fromisoformat(output["entered"])
    assert entered >= finished["startDate"] - timedelta(seconds=1)


def _entered(aws: Callable[[str], Any], execution_arn: str) -> list[str]:
    """The states the execution entered, in order, and how often its Task was scheduled."""
    events = aws("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
    return [
        event["stateEnteredEventDetails"]["name"] if "StateEntered" in event["type"] else "task"
        for event in events
        if event["type"].endswith("StateEntered") or event["type"] == "TaskScheduled"
    ]


def test_a_task_token_wait_timed_out_by_its_path_is_caught_as_a_timeout_not_retried(
    aws: Callable[[str], Any], create_function: FunctionFactory, execution_role: str
) -> None:
    # Given a wait for a token nobody answers, timed by TimeoutSecondsPath, retried on
    # States.TaskFailed, whose timeout is caught and followed by a Choice on an optional flag
    # (the Server machine's wait, sweep and AfterRollout)
    name = create_function("def handler(event, context):\n    return {}\n")
    machine = _state_machine(
        aws,
        execution_role,
        {
            "StartAt": "Wait",
            "States": {
                "Wait": _token_wait(
                    name,
                    TimeoutSecondsPath="$.seconds",
                    Retry=[{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
                    Catch=[
                        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Kind"}
                    ],
                    End=True,
                ),
                "Kind": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "And": [
                                {"Variable": "$.blueGreen", "IsPresent": True},
                                {"Variable": "$.blueGreen", "BooleanEquals": True},
                            ],
                            "Next": "BlueGreen",
                        }
                    ],
                    "Default": "InPlace",
                },
                "BlueGreen": {"Type": "Pass", "End": True},
                "InPlace": {"Type": "Pass", "End": True},
            },
        },
    )

    # When an execution starts with a one-second timeout and no blueGreen flag
    execution = aws("stepfunctions").start_execution(
        stateMachineArn=machine, input=json.dumps({"seconds": 1})
    )

    # Then the wait times out with States.Timeout, once (not retried), and the flag's absence
    # takes the Choice's default
    finished = wait_for(lambda: _finished(aws, execution["executionArn"]))
    assert finished["status"] == "SUCCEEDED"
    assert json.loads(finished["output"])["error"]["Error"] == "States.Timeout"
    assert _entered(aws, execution["executionArn"]) == ["Wait", "task", "Kind", "InPlace"]


def test_a_task_failure_the_step_names_skips_a_never_retrier_and_is_caught_by_name(
    aws: Callable[[str], Any], create_function: FunctionFactory, execution_role: str
) -> None:
    # Given a step that fails its own task token with a named error while it is invoked (the
    # Server machine's first wait for a blue/green deployment), a MaxAttempts 0 retrier for that
    # name before a States.TaskFailed one, and a catcher by name before States.ALL
    name = create_function(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('stepfunctions').send_task_failure(\n"
        "        taskToken=event['token'], error='Rollwright.BlueGreen', cause='its passes')\n"
    )
    machine = _state_machine(
        aws,
        execution_role,
        {
            "StartAt": "Wait",
            "States": {
                "Wait": _token_wait(
                    name,
                    TimeoutSeconds=60,
                    Retry=[
                        {"ErrorEquals": ["Rollwright.BlueGreen"], "MaxAttempts": 0},
                        {"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2},
                    ],
                    Catch=[
                        {
                            "ErrorEquals": ["Rollwright.BlueGreen"],
                            "ResultPath": "$.error",
                            "Next": "BlueGreen",
                        },
                        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Other"},
                    ],
                    End=True,
                ),
                "BlueGreen": {"Type": "Pass", "End": True},
                "Other": {"Type": "Pass", "End": True},
            },
        },
    )

    # When an execution starts
    execution = aws("stepfunctions").start_execution(stateMachineArn=machine, input="{}")

    # Then the named failure is caught by its name at once, with the step's cause
    finished = wait_for(lambda: _finished(aws, execution["executionArn"]))
    assert finished["status"] == "SUCCEEDED"
    assert json.loads(finished["output"])["error"] == {
        "Error": "Rollwright.BlueGreen",
        "Cause": "its passes",
    }
    assert _entered(aws, execution["executionArn"]) == ["Wait", "task", "BlueGreen"]
