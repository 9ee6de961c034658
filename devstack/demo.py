"""The `make demo` scenario: a pipeline's view of Rollwright on the devstack.

It drives the running devstack the way users do: the stock CodeDeploy client (through the API
Gateway emulation, SigV4-signed) and a CloudWatch alarm (through EventBridge to the alarm function),
then shows the AWS requests all of it cost. It grows with the product: deployments to local hosts
join it when the agent and the in-place workflow land.
"""

from __future__ import annotations

import json
import time

from devstack.request_counts import RequestCounts
from devstack.state import DevstackState

DEMO_APPLICATION = "rollwright-demo"
DEMO_ALARM = "rollwright-demo-errors"
ALARM_WAIT_SECONDS = 20.0


def run(state: DevstackState) -> None:
    _step(f"devstack at {state.aws_endpoint_url}; CodeDeploy API at {state.api_url}")
    codedeploy = state.codedeploy_client()
    counts = RequestCounts(state.aws_endpoint_url)
    counts.reset()

    if DEMO_APPLICATION in codedeploy.list_applications()["applications"]:
        codedeploy.delete_application(applicationName=DEMO_APPLICATION)
    created = codedeploy.create_application(
        applicationName=DEMO_APPLICATION, computePlatform="Server"
    )
    _step(f"CreateApplication {DEMO_APPLICATION} -> applicationId {created['applicationId']}")
    application = codedeploy.get_application(applicationName=DEMO_APPLICATION)["application"]
    _step(f"GetApplication -> {json.dumps(application, default=str)}")
    try:
        codedeploy.create_application(applicationName=DEMO_APPLICATION)
    except codedeploy.exceptions.ApplicationAlreadyExistsException as refused:
        _step(f"CreateApplication again -> {refused.response['Error']['Code']}")
    _step(f"ListApplications -> {codedeploy.list_applications()['applications']}")

    recorded = _raise_alarm(state)
    _step(f"alarm {DEMO_ALARM} -> ALARM; the alarm function recorded: {recorded}")

    _step("AWS requests behind the calls above:")
    for operation, count in sorted(counts.read().items()):
        print(f"    {count:4d}  {operation}")


def _raise_alarm(state: DevstackState) -> str:
    cloudwatch = state.aws_client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=DEMO_ALARM,
        MetricName="Errors",
        Namespace="RollwrightDemo",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=DEMO_ALARM, StateValue="OK", StateReason="demo reset")
    cloudwatch.set_alarm_state(AlarmName=DEMO_ALARM, StateValue="ALARM", StateReason="demo")
    dynamodb = state.aws_client("dynamodb")
    deadline = time.monotonic() + ALARM_WAIT_SECONDS
    while time.monotonic() < deadline:
        item = dynamodb.get_item(
            TableName=state.stack_outputs["TableName"],
            Key={"pk": {"S": f"ALARM#{DEMO_ALARM}"}, "sk": {"S": "STATE"}},
            ConsistentRead=True,
        ).get("Item")
        if item and item["state"]["S"] == "ALARM":
            return f"state={item['state']['S']} at {item['changed_at']['S']}"
        time.sleep(0.2)
    return f"nothing within {ALARM_WAIT_SECONDS:.0f}s (see .devstack/gateway.log)"


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)
