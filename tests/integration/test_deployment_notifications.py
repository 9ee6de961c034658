"""Notifications on moto: the state table's stream read back into events on the default bus and
messages on trigger topics, delivered to SQS queues as users would subscribe them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBStreamEvent,
)
from botocore.config import Config
from moto import mock_aws

from functions.adapters.deployment_group_records import DynamoDeploymentGroupStore
from functions.adapters.deployment_lookups import DeploymentLookups
from functions.adapters.notification_publisher import NotificationPublisher
from functions.adapters.rollout_records import RolloutRecords
from functions.notify.state_changes import notifications_for
from rollwright.account_region import AccountRegion
from rollwright.agent_protocol import BundleType, S3Revision
from rollwright.applications import ComputePlatform
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_group_settings import (
    DeploymentGroupSettings,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
    TriggerConfig,
    TriggerEventType,
)
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_notifications import (
    DEPLOYMENT_DETAIL_TYPE,
    EVENT_SOURCE,
    Notifications,
    StateChangeEvent,
)
from rollwright.deployment_plan import DeploymentSettings, HostLimits, plan_deployment
from rollwright.target_selection import DeploymentTarget, TargetKind
from tests.integration.state_table import create_state_table

REGION = "us-east-1"
PLACE = AccountRegion("aws", REGION, "123456789012")
GROUP_ID = "0b7c6f0e-4d4e-4f55-9a43-5c1c3b8c2f10"


@dataclass
class World:
    table: Any
    stream_arn: str
    topic_arn: str
    topic_queue: str
    bus_queue: str
    publisher: NotificationPublisher

    def messages(self, queue_url: str) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        found: list[dict[str, Any]] = []
        while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            found += [json.loads(m["Body"]) for m in batch]
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
                ],
            )
        return found


def _queue(name: str) -> tuple[str, str]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        table = create_state_table()
        client = boto3.client("dynamodb", region_name=REGION)
        stream_arn = client.update_table(
            TableName=table.name,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        sns = boto3.client("sns", region_name=REGION)
        topic_arn = sns.create_topic(Name="deployments")["TopicArn"]
        topic_queue, topic_queue_arn = _queue("from-topic")
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=topic_queue_arn)
        bus_queue, bus_queue_arn = _queue("from-bus")
        events = boto3.client("events", region_name=REGION)
        events.put_rule(
            Name="codedeploy-style",
            EventPattern=json.dumps({"source": [EVENT_SOURCE]}),
        )
        events.put_targets(Rule="codedeploy-style", Targets=[{"Id": "q", "Arn": bus_queue_arn}])
        publisher = NotificationPublisher(events, sns)
        yield World(table, stream_arn, topic_arn, topic_queue, bus_queue, publisher)


def _add_group(world: World, *triggers: TriggerConfig) -> None:
    group = DeploymentGroup(
        deployment_group_id=GROUP_ID,
        application_id="app-1",
        name="prod",
        compute_platform=ComputePlatform.SERVER,
        settings=DeploymentGroupSettings(
            deployment_config_name="CodeDeployDefault.OneAtATime",
            service_role_arn="arn:aws:iam::123456789012:role/cd",
            deployment_style=DeploymentStyle(
                DeploymentType.IN_PLACE, DeploymentOption.WITHOUT_TRAFFIC_CONTROL
            ),
            trigger_configurations=triggers,
        ),
    )
    DynamoDeploymentGroupStore(boto3.client("dynamodb", region_name=REGION), world.table.name).add(
        group, limit=1000
    )


def _write_deployment(world: World, hosts: int = 1) -> str:
    plan = plan_deployment(
        DeploymentSettings(
            deployment_id="d-INTEGRA01",
            application_name="web",
            application_id="app-1",
            deployment_group_name="prod",
            deployment_group_id=GROUP_ID,
            revision=S3Revision("bucket", "app.zip", BundleType.ZIP),
            deployment_config_name="CodeDeployDefault.OneAtATime",
            minimum_healthy_hosts=MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1),
            limits=HostLimits(start_seconds=60, heartbeat_seconds=60, sweep_interval_seconds=5),
        ),
        [DeploymentTarget(f"h{i}", f"i-000000000000000{i}", TargetKind.EC2) for i in range(hosts)],
        create_time=1_790_000_000.0,
    )
    RolloutRecords(world.table).write_plan(plan)
    return "d-INTEGRA01"


def _set_status(world: World, sort_key: str, status: str) -> None:
    world.table.update_item(
        Key={"pk": "DEPLOYMENT#d-INTEGRA01", "sk": sort_key},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": status},
    )


def _stream_event(world: World) -> dict[str, Any]:
    """Every record of the table's stream so far, as Lambda hands a batch to the function."""
    streams = boto3.client(
        "dynamodbstreams",
        region_name=REGION,
        # botocore 1.44 routes stream calls to account endpoints, which moto does not serve.
        config=Config(account_id_endpoint_mode="disabled"),
    )
    shard = streams.describe_stream(StreamArn=world.stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=world.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    for record in records:
        moment = record["dynamodb"]["ApproximateCreationDateTime"]
        record["dynamodb"]["ApproximateCreationDateTime"] = int(moment.timestamp())
        record["eventSourceARN"] = world.stream_arn
    return {"Records": records}


def _notifications(world: World) -> Notifications:
    lookups = DeploymentLookups(world.table, boto3.client("dynamodb", region_name=REGION))
    found = Notifications()
    for record in DynamoDBStreamEvent(_stream_event(world)).records:
        found = found + notifications_for(record, lookups, PLACE)
    return found


def test_a_deployments_status_changes_reach_the_bus_and_the_trigger_topic(world: World) -> None:
    # Given a group whose trigger wants every deployment and instance event
    _add_group(world, TriggerConfig("all", world.topic_arn, tuple(TriggerEventType)))
    # And a deployment to one instance that starts, runs it and succeeds
    _write_deployment(world)
    _set_status(world, "DEPLOYMENT", "InProgress")
    _set_status(world, "TARGET#h0", "InProgress")
    _set_status(world, "TARGET#h0", "Succeeded")
    world.table.update_item(
        Key={"pk": "DEPLOYMENT#d-INTEGRA01", "sk": "DEPLOYMENT"},
        UpdateExpression="SET #s = :s, complete_time_ms = :t, succeeded = :one",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "Succeeded", ":t": 1_790_000_060_000, ":one": 1},
    )
    # When the stream's records are read and the notifications published
    report = world.publisher.publish(_notifications(world))
    # Then four events went on the bus and four messages to the topic, none failed
    assert (report.events_sent, report.messages_sent) == (4, 4)
    assert (report.events_failed, report.messages_failed) == (0, 0)
    events = world.messages(world.bus_queue)
    assert [(e["detail-type"].split()[1], e["detail"]["state"]) for e in events] == [
        ("Deployment", "START"),
        ("Instance", "START"),
        ("Instance", "SUCCESS"),
        ("Deployment", "SUCCESS"),
    ]
    assert all(e["source"] == EVENT_SOURCE for e in events)
    assert events[1]["detail"]["instanceId"] == "i-0000000000000000"
    assert events[0]["detail"]["instanceGroupId"] == GROUP_ID
    # And the topic's subscribers got CodeDeploy's subjects and messages
    notes = world.messages(world.topic_queue)
    assert [n["Subject"] for n in notes] == [
        "CREATED: AWS CodeDeploy d-INTEGRA01 in us-east-1 to web",
        "IN_PROGRESS: AWS CodeDeploy d-INTEGRA01 in us-east-1 to web",
        "SUCCEEDED: AWS CodeDeploy d-INTEGRA01 in us-east-1 to web",
        "SUCCEEDED: AWS CodeDeploy d-INTEGRA01 in us-east-1 to web",
    ]
    last = json.loads(notes[-1]["Message"])
    assert (last["status"], last["deploymentGroupName"], last["eventTriggerName"]) == (
        "SUCCEEDED",
        "prod",
        "all",
    )
    assert json.loads(last["deploymentOverview"])["Succeeded"] == 1
    instance = json.loads(notes[2]["Message"])
    assert (
        instance["instanceId"] == "arn:aws:ec2:us-east-1:123456789012:instance/i-0000000000000000"
    )
    assert instance["instanceStatus"] == "Succeeded"


def test_a_trigger_only_gets_the_events_it_names(world: World) -> None:
    # Given a trigger for deployment failures only
    _add_group(
        world, TriggerConfig("failures", world.topic_arn, (TriggerEventType.DEPLOYMENT_FAILURE,))
    )
    # When a deployment starts and fails, its instance failing
    _write_deployment(world)
    _set_status(world, "DEPLOYMENT", "InProgress")
    _set_status(world, "TARGET#h0", "InProgress")
    _set_status(world, "TARGET#h0", "Failed")
    _set_status(world, "DEPLOYMENT", "Failed")
    world.publisher.publish(_notifications(world))
    # Then the bus saw all four changes, the topic only the failure
    assert len(world.messages(world.bus_queue)) == 4
    notes = world.messages(world.topic_queue)
    assert [json.loads(n["Message"])["status"] for n in notes] == ["FAILED"]


def test_changes_that_are_not_state_changes_notify_nothing(world: World) -> None:
    # Given a trigger for everything and a deployment already written and read
    _add_group(world, TriggerConfig("all", world.topic_arn, tuple(TriggerEventType)))
    _write_deployment(world, hosts=2)
    _set_status(world, "DEPLOYMENT", "InProgress")
    world.publisher.publish(_notifications(world))
    world.messages(world.bus_queue)
    world.messages(world.topic_queue)
    # When only counters and heartbeats move
    world.table.update_item(
        Key={"pk": "DEPLOYMENT#d-INTEGRA01", "sk": "DEPLOYMENT"},
        UpdateExpression="ADD in_progress :one",
        ExpressionAttributeValues={":one": 1},
    )
    world.table.update_item(
        Key={"pk": "DEPLOYMENT#d-INTEGRA01", "sk": "TARGET#h1"},
        UpdateExpression="SET last_heartbeat_at_ms = :t",
        ExpressionAttributeValues={":t": 5},
    )
    # Then the whole stream, read again, holds only the deployment's start
    found = _notifications(world)
    assert [e.detail["state"] for e in found.events] == ["START"]


def test_a_topic_that_refuses_fails_alone_and_the_rest_is_sent(world: World) -> None:
    # Given one trigger on a topic that does not exist and one on a real topic
    _add_group(
        world,
        TriggerConfig(
            "gone", "arn:aws:sns:us-east-1:123456789012:deleted", tuple(TriggerEventType)
        ),
        TriggerConfig("real", world.topic_arn, tuple(TriggerEventType)),
    )
    _write_deployment(world)
    # When the deployment's start is published
    report = world.publisher.publish(_notifications(world))
    # Then the real topic got its message, the missing one was counted, nothing raised
    assert (report.messages_sent, report.messages_failed) == (1, 1)
    assert [n["Subject"].split(":")[0] for n in world.messages(world.topic_queue)] == ["CREATED"]
    assert report.events_sent == 1


def test_more_than_ten_events_go_in_batches_of_ten(world: World) -> None:
    # Given 23 events
    events = tuple(
        StateChangeEvent(
            detail_type=DEPLOYMENT_DETAIL_TYPE,
            detail={"deploymentId": f"d-{n:09d}", "state": "START"},
            resources=(),
            time=datetime(2026, 11, 27, tzinfo=UTC),
        )
        for n in range(23)
    )
    # When published / Then every one reaches the bus
    report = world.publisher.publish(Notifications(events=events))
    assert (report.events_sent, report.events_failed) == (23, 0)
    delivered = world.messages(world.bus_queue)
    assert sorted(e["detail"]["deploymentId"] for e in delivered) == [
        f"d-{n:09d}" for n in range(23)
    ]
