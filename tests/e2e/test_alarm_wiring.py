"""An alarm state change reaches the alarm function through the stack's EventBridge rule."""

import time

from devstack.alarms import put_quiet_alarm


def test_an_alarm_entering_alarm_is_recorded_by_the_alarm_function(devstack):
    # Given an alarm in OK
    cloudwatch = devstack.aws_client("cloudwatch")
    put_quiet_alarm(cloudwatch, "e2e-errors")
    # When it goes to ALARM
    cloudwatch.set_alarm_state(AlarmName="e2e-errors", StateValue="ALARM", StateReason="errors")
    # Then the alarm function records the new state in the table
    dynamodb = devstack.aws_client("dynamodb")
    key = {"pk": {"S": "ALARM#e2e-errors"}, "sk": {"S": "STATE"}}
    deadline = time.monotonic() + 30
    item = None
    while time.monotonic() < deadline:
        item = dynamodb.get_item(
            TableName=devstack.stack_outputs["TableName"], Key=key, ConsistentRead=True
        ).get("Item")
        if item and item["state"]["S"] == "ALARM":
            break
        time.sleep(0.2)
    assert item is not None
    assert item["state"] == {"S": "ALARM"}
    assert item["reason"] == {"S": "errors"}
