"""Deployment notifications on the devstack: a group with a trigger to an SNS topic (subscribed by
an SQS queue) and an EventBridge rule on the default bus (targeting an SQS queue); real agents
run a deployment that succeeds and one that fails, and both queues receive CodeDeploy's events."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from rollwright.agent_protocol import S3Revision
from rollwright.deployment_notifications import (
    DEPLOYMENT_DETAIL_TYPE,
    EVENT_SOURCE,
    INSTANCE_DETAIL_TYPE,
)
from tests.e2e.agent_hosts import Host, start_agent, upload_revision
from tests.e2e.deployments import DeploymentGroup, run_deployment
from tests.e2e.test_server_rollout import hosts

__all__ = ["hosts"]

ROLE = "arn:aws:iam::123456789012:role/CodeDeployServiceRole"
DELIVERY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Subscribers:
    group: DeploymentGroup
    topic_queue_url: str
    bus_queue_url: str


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


@pytest.fixture(scope="module")
def revision(devstack, tmp_path_factory) -> S3Revision:
    return upload_revision(devstack, tmp_path_factory.mktemp("bundle"), "e2e/notified.zip")


@pytest.fixture
def subscribers(devstack) -> Subscribers:
    """A group whose trigger sends every event to a topic, a queue on that topic, and a rule on
    the default bus for this group's events sending them to another queue."""
    suffix = uuid.uuid4().hex[:8]
    sqs, sns, events = (devstack.aws_client(s) for s in ("sqs", "sns", "events"))
    topic_arn = sns.create_topic(Name=f"deployments-{suffix}")["TopicArn"]
    topic_queue_url, topic_queue_arn = _queue(sqs, f"from-topic-{suffix}")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=topic_queue_arn)
    codedeploy = devstack.codedeploy_client()
    application = f"notified-{suffix}"
    codedeploy.create_application(applicationName=application)
    group_id = codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName="web",
        serviceRoleArn=ROLE,
        onPremisesInstanceTagFilters=[{"Key": "env", "Value": "e2e", "Type": "KEY_AND_VALUE"}],
        triggerConfigurations=[
            {
                "triggerName": "everything",
                "triggerTargetArn": topic_arn,
                "triggerEvents": [
                    "DeploymentStart",
                    "DeploymentSuccess",
                    "DeploymentFailure",
                    "InstanceStart",
                    "InstanceSuccess",
                    "InstanceFailure",
                ],
            }
        ],
    )["deploymentGroupId"]
    application_id = codedeploy.get_application(applicationName=application)["application"][
        "applicationId"
    ]
    bus_queue_url, bus_queue_arn = _queue(sqs, f"from-bus-{suffix}")
    rule = f"codedeploy-{suffix}"
    events.put_rule(
        Name=rule,
        EventPattern=json.dumps(
            {"source": [EVENT_SOURCE], "detail": {"application": [application]}}
        ),
    )
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": bus_queue_arn}])
    return Subscribers(
        DeploymentGroup(application, application_id, "web", group_id),
        topic_queue_url,
        bus_queue_url,
    )


def _receive(devstack, queue_url: str, count: int) -> list[dict[str, Any]]:
    """Wait for ``count`` messages on the queue (and a moment for any extra); their bodies."""
    sqs = devstack.aws_client("sqs")
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while time.monotonic() < deadline:
        wait = 1 if len(bodies) >= count else 2
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait
        ).get("Messages", [])
        if not batch and len(bodies) >= count:
            return bodies
        for message in batch:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError(f"{len(bodies)} of {count} messages after {DELIVERY_TIMEOUT}s: {bodies}")


def _states(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(kind, instance or '', state) per event, sorted."""
    kinds = {DEPLOYMENT_DETAIL_TYPE: "deployment", INSTANCE_DETAIL_TYPE: "instance"}
    return sorted(
        (kinds[e["detail-type"]], e["detail"].get("instanceId", ""), e["detail"]["state"])
        for e in events
    )


def test_a_successful_deployment_notifies_its_start_and_success_and_each_instances(
    devstack, revision, hosts: dict[str, Host], subscribers: Subscribers
) -> None:
    # Given three hosts with running agents in a group with a trigger and a rule
    for host in hosts.values():
        start_agent(devstack, host)
    # When a deployment to them succeeds
    deployment_id, execution = run_deployment(
        devstack, revision, hosts.values(), group=subscribers.group
    )
    assert execution["status"] == "SUCCEEDED", execution
    # Then the bus delivered the deployment's START and SUCCESS and each instance's
    events = _receive(devstack, subscribers.bus_queue_url, 8)
    ids = sorted(h.host_id for h in hosts.values())
    assert _states(events) == sorted(
        [("deployment", "", "START"), ("deployment", "", "SUCCESS")]
        + [("instance", i, s) for i in ids for s in ("START", "SUCCESS")]
    )
    first = next(e for e in events if e["detail-type"] == DEPLOYMENT_DETAIL_TYPE)
    assert first["source"] == EVENT_SOURCE
    assert first["detail"]["deploymentId"] == deployment_id
    assert first["detail"]["instanceGroupId"] == subscribers.group.group_id
    assert first["detail"]["deploymentGroup"] == "web"
    assert first["resources"] == [
        f"arn:aws:codedeploy:us-east-1:123456789012:application:{subscribers.group.application_name}",
        f"arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:"
        f"{subscribers.group.application_name}/web",
    ]
    # And the trigger's topic delivered the same eight changes as CodeDeploy messages
    notes = _receive(devstack, subscribers.topic_queue_url, 8)
    statuses = sorted(n["Subject"].split(":")[0] for n in notes)
    assert statuses == sorted(["CREATED"] + ["IN_PROGRESS"] * 3 + ["SUCCEEDED"] * 4)
    success = next(
        json.loads(n["Message"])
        for n in notes
        if "applicationName" in json.loads(n["Message"])
        and json.loads(n["Message"])["status"] == "SUCCEEDED"
    )
    assert success["deploymentId"] == deployment_id
    assert success["eventTriggerName"] == "everything"
    assert json.loads(success["deploymentOverview"])["Succeeded"] == 3
    assert success["completeTime"] is not None
    instance = next(
        json.loads(n["Message"])
        for n in notes
        if json.loads(n["Message"]).get("instanceStatus") == "Succeeded"
    )
    assert instance["instanceId"].startswith("arn:aws:codedeploy:us-east-1:123456789012:instance/")
    assert [e["LifecycleEvent"] for e in instance["lifecycleEvents"]][-1] == "ValidateService"
    assert {e["LifecycleEventStatus"] for e in instance["lifecycleEvents"]} == {"Succeeded"}


def test_a_failed_deployment_notifies_its_failure_and_the_failed_instance(
    devstack, revision, hosts: dict[str, Host], subscribers: Subscribers
) -> None:
    # Given three hosts, the first in the order failing its ValidateService
    first = min(hosts.values(), key=lambda host: host.host_id)
    first.root.mkdir(parents=True)
    (first.root / "fail-validate").touch()
    for host in hosts.values():
        start_agent(devstack, host)
    # When a OneAtATime deployment to them fails
    deployment_id, execution = run_deployment(
        devstack, revision, hosts.values(), group=subscribers.group
    )
    assert execution["status"] == "FAILED", execution
    # Then the bus delivered START and FAILURE for the deployment and the failed instance only
    events = _receive(devstack, subscribers.bus_queue_url, 4)
    assert _states(events) == sorted(
        [
            ("deployment", "", "START"),
            ("deployment", "", "FAILURE"),
            ("instance", first.host_id, "START"),
            ("instance", first.host_id, "FAILURE"),
        ]
    )
    # And the topic got the failure with CodeDeploy's error information
    notes = _receive(devstack, subscribers.topic_queue_url, 4)
    failure = next(
        json.loads(n["Message"])
        for n in notes
        if json.loads(n["Message"]).get("status") == "FAILED"
    )
    assert failure["deploymentId"] == deployment_id
    assert json.loads(failure["errorInformation"])["ErrorCode"] == "HEALTH_CONSTRAINTS"
    assert json.loads(failure["deploymentOverview"]) == {
        "Succeeded": 0,
        "Failed": 1,
        "Skipped": 2,
        "InProgress": 0,
        "Pending": 0,
    }
    failed_instance = next(
        json.loads(n["Message"])
        for n in notes
        if json.loads(n["Message"]).get("instanceStatus") == "Failed"
    )
    assert failed_instance["instanceId"].endswith(f"instance/{first.host_id}")
    validate = failed_instance["lifecycleEvents"][-1]
    assert (validate["LifecycleEvent"], validate["LifecycleEventStatus"]) == (
        "ValidateService",
        "Failed",
    )
