"""EventBridge delivers alarm state changes and PutEvents entries to Lambda targets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.devstack.conftest import FunctionFactory

RuleToRecorder = Callable[[str, dict[str, Any]], str]
RecordedEvents = Callable[[str], list[dict[str, Any]]]


@pytest.fixture
def rule_to_recorder(
    aws: Callable[[str], Any], create_function: FunctionFactory, recorder_source: str
) -> RuleToRecorder:
    """Make an EventBridge rule (name, event pattern) whose Lambda target records the events it
    gets in a queue of its own; the queue's name, for ``recorded_events``."""

    def make(rule: str, pattern: dict[str, Any]) -> str:
        queue = f"{rule}-record"
        aws("sqs").create_queue(QueueName=queue)
        name = create_function(recorder_source, environment={"RECORD_QUEUE": queue})
        lambda_ = aws("lambda")
        function_arn = lambda_.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        aws("events").put_rule(Name=rule, EventPattern=json.dumps(pattern))
        aws("events").put_targets(Rule=rule, Targets=[{"Id": "recorder", "Arn": function_arn}])
        return queue

    return make


def test_an_alarm_state_change_reaches_the_rule_target(
    aws: Callable[[str], Any],
    rule_to_recorder: RuleToRecorder,
    recorded_events: RecordedEvents,
) -> None:
    # Given a rule on CloudWatch alarm state changes with a Lambda target, and an alarm
    queue = rule_to_recorder(
        "alarm-changes",
        {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]},
    )
    aws("cloudwatch").put_metric_alarm(
        AlarmName="errors-high",
        Namespace="App",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )

    # When the alarm goes into ALARM
    aws("cloudwatch").set_alarm_state(
        AlarmName="errors-high", StateValue="ALARM", StateReason="threshold crossed"
    )

    # Then the function receives the state-change event as AWS shapes it
    [event] = recorded_events(queue)
    assert event["source"] == "aws.cloudwatch"
    assert event["detail-type"] == "CloudWatch Alarm State Change"
    assert event["resources"] == ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors-high"]
    assert event["detail"]["alarmName"] == "errors-high"
    assert event["detail"]["state"]["value"] == "ALARM"
    assert event["detail"]["state"]["reason"] == "threshold crossed"
    assert event["detail"]["previousState"]["value"] == "OK"
    assert (
        event["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]["name"] == "Errors"
    )


def test_put_events_reach_matching_lambda_targets_only(
    aws: Callable[[str], Any],
    rule_to_recorder: RuleToRecorder,
    recorded_events: RecordedEvents,
) -> None:
    # Given a rule for source "rollwright.test" with a Lambda target
    queue = rule_to_recorder(
        "custom-events", {"source": ["rollwright.test"], "detail": {"kind": ["wanted"]}}
    )

    # When a matching and a non-matching event are put
    aws("events").put_events(
        Entries=[
            {"Source": "rollwright.test", "DetailType": "T", "Detail": '{"kind": "ignored"}'},
            {"Source": "rollwright.test", "DetailType": "T", "Detail": '{"kind": "wanted"}'},
        ]
    )

    # Then only the matching one is delivered
    [event] = recorded_events(queue)
    assert event["detail"] == {"kind": "wanted"}
    assert event["source"] == "rollwright.test"
    assert event["account"] == "123456789012"
    assert event["time"].endswith("Z")
