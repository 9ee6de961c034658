"""BlockTraffic and AllowTraffic on moto: ELBv2 target groups and a classic load balancer."""

from __future__ import annotations

import json

import boto3
import pytest

from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.host_queues import HostQueues
from functions.adapters.load_balancers import ElasticLoadBalancers
from functions.adapters.rollout_records import RolloutRecords
from functions.adapters.traffic_step_records import TrafficStepRecords
from rollwright.agent_protocol import (
    BundleType,
    EventOutcome,
    EventReport,
    S3Revision,
    read_host_command,
)
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_plan import DeploymentSettings, HostLimits, plan_deployment
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent as E
from rollwright.server_rollout import ServerRollout
from rollwright.target_selection import DeploymentTarget, TargetKind
from rollwright.traffic_control import LoadBalancerError, TrafficState, TrafficTargets
from rollwright.traffic_steps import TrafficSteps
from tests.fakes.task_tokens import RecordingTokens
from tests.integration.state_table import state_table

__all__ = ["state_table"]

REGION = "us-east-1"
NOW = 1_000_000.0
ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)


@pytest.fixture
def fleet(state_table):
    ec2 = boto3.client("ec2", region_name=REGION)
    elb = boto3.client("elb", region_name=REGION)
    elbv2 = boto3.client("elbv2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instances = [
        i["InstanceId"]
        for i in ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2)["Instances"]
    ]
    group = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)
    group_arn = group["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group_arn, Targets=[{"Id": i} for i in instances])
    elb.create_load_balancer(
        LoadBalancerName="classic",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=[f"{REGION}a"],
    )
    elb.register_instances_with_load_balancer(
        LoadBalancerName="classic", Instances=[{"InstanceId": i} for i in instances]
    )
    balancers = ElasticLoadBalancers(elb, elbv2)
    return instances, group_arn, balancers, elb, elbv2, state_table


TARGETS = TrafficTargets(elb_names=("classic",), target_group_names=("web",))


def _in_target_group(elbv2, group_arn: str) -> set[str]:
    health = elbv2.describe_target_health(TargetGroupArn=group_arn)["TargetHealthDescriptions"]
    return {h["Target"]["Id"] for h in health if h["TargetHealth"]["State"] != "unused"}


def _in_classic(elb) -> set[str]:
    (balancer,) = elb.describe_load_balancers(LoadBalancerNames=["classic"])[
        "LoadBalancerDescriptions"
    ]
    return {i["InstanceId"] for i in balancer["Instances"]}


def test_deregister_takes_the_instance_out_of_every_balancer_and_register_puts_it_back(fleet):
    instances, group_arn, balancers, elb, elbv2, _ = fleet
    first, second = instances
    # When the first instance is deregistered
    delay = balancers.deregister(first, TARGETS)
    # Then it is in neither the target group nor the classic load balancer; the other stays
    assert first not in _in_target_group(elbv2, group_arn)
    assert first not in _in_classic(elb)
    assert second in _in_target_group(elbv2, group_arn)
    assert balancers.state(first, TARGETS) is TrafficState.DEREGISTERED
    assert delay == 300  # the target group's default deregistration delay
    # And deregistering again changes nothing and raises nothing
    balancers.deregister(first, TARGETS)
    # When it is registered again
    balancers.register(first, TARGETS)
    # Then it is back in both
    assert first in _in_target_group(elbv2, group_arn)
    assert first in _in_classic(elb)
    assert balancers.state(first, TARGETS) is TrafficState.REGISTERED


def test_a_missing_target_group_is_a_load_balancer_error(fleet):
    balancers = fleet[2]
    with pytest.raises(LoadBalancerError, match="nope"):
        balancers.deregister(fleet[0][0], TrafficTargets(target_group_names=("nope",)))


def _rollout(fleet, tokens: RecordingTokens, *, creator: str = "user", hosts: int = 2):
    instances, _, balancers, _, _, table = fleet
    records = RolloutRecords(table)
    sqs = boto3.client("sqs", region_name=REGION)
    rollout = ServerRollout(
        records,
        HostQueues(sqs, queue_prefix="rollwright-host-"),
        tokens,
        TrafficSteps(TrafficStepRecords(table), balancers, sleep=lambda _: None),
    )
    plan = plan_deployment(
        DeploymentSettings(
            deployment_id="d-1",
            application_name="app",
            application_id="app-id",
            deployment_group_name="group",
            deployment_group_id="group-id",
            revision=S3Revision("bucket", "key.zip", BundleType.ZIP),
            deployment_config_name="CodeDeployDefault.OneAtATime",
            minimum_healthy_hosts=ONE_AT_A_TIME,
            limits=HostLimits(start_seconds=60, heartbeat_seconds=60, sweep_interval_seconds=5),
            load_balancers=TARGETS,
            creator=creator,
        ),
        [DeploymentTarget(i, i, TargetKind.EC2) for i in instances[:hosts]],
        create_time=NOW,
    )
    records.write_plan(plan)
    DeploymentRecords(table).transition(
        "d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    rollout.dispatch("d-1", "token-1", now=NOW)
    return records, sqs, rollout


def _last_command(sqs, host_id: str):
    url = sqs.get_queue_url(QueueName=f"rollwright-host-{host_id}")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [read_host_command(json.loads(m["Body"])) for m in messages]


def _ended(host_id: str, segment: int, event: E) -> EventReport:
    return EventReport(
        f"d-1.{host_id}.{segment}", "d-1", host_id, event, EventOutcome.SUCCEEDED, at=NOW
    )


def test_a_host_leaves_its_load_balancers_for_its_install_and_comes_back_after(fleet):
    # Given a OneAtATime deployment with a target group and a classic load balancer
    tokens = RecordingTokens()
    records, sqs, rollout = _rollout(fleet, tokens)
    instances, group_arn, _, elb, elbv2, _ = fleet
    host = records.host_at("d-1", 0)
    (first,) = _last_command(sqs, host)
    # Then its first command is BeforeBlockTraffic alone, and it is still in the balancers
    assert first.lifecycle_events == (E.BEFORE_BLOCK_TRAFFIC,)
    assert host in _in_target_group(elbv2, group_arn)
    # When BeforeBlockTraffic ends
    rollout.on_event_report(host, _ended(host, 0, E.BEFORE_BLOCK_TRAFFIC), now=NOW + 1)
    # Then the control plane took it out of both, recorded BlockTraffic, and sent the install
    assert host not in _in_target_group(elbv2, group_arn)
    assert host not in _in_classic(elb)
    item = records.target_item("d-1", host)
    assert item["lifecycle_events"]["BlockTraffic"]["status"] == "Succeeded"
    assert "traffic" not in item
    (install,) = _last_command(sqs, host)
    assert install.lifecycle_events[0] is E.AFTER_BLOCK_TRAFFIC
    assert install.lifecycle_events[-1] is E.BEFORE_ALLOW_TRAFFIC
    # When the install segment ends
    rollout.on_event_report(host, _ended(host, 1, E.BEFORE_ALLOW_TRAFFIC), now=NOW + 2)
    # Then it is back in both and AfterAllowTraffic is sent
    assert host in _in_target_group(elbv2, group_arn)
    assert host in _in_classic(elb)
    (after,) = _last_command(sqs, host)
    assert after.lifecycle_events == (E.AFTER_ALLOW_TRAFFIC,)
    # And the other host never left
    other = next(i for i in instances if i != host)
    assert other in _in_target_group(elbv2, group_arn)
    # When AfterAllowTraffic ends, the host succeeded and the next one starts
    rollout.on_event_report(host, _ended(host, 2, E.AFTER_ALLOW_TRAFFIC), now=NOW + 3)
    assert records.target_item("d-1", host)["status"] == "Succeeded"
    assert [c.lifecycle_events for c in _last_command(sqs, other)] == [(E.BEFORE_BLOCK_TRAFFIC,)]


def test_a_termination_deployment_takes_the_instance_out_before_stopping_it_for_good(fleet):
    # Given an Auto Scaling termination deployment of an instance behind a target group and a
    # classic load balancer
    records, sqs, rollout = _rollout(
        fleet, RecordingTokens(), creator="autoscalingTermination", hosts=1
    )
    _, group_arn, _, elb, elbv2, _ = fleet
    host = records.host_at("d-1", 0)
    (first,) = _last_command(sqs, host)
    assert first.lifecycle_events == (E.BEFORE_BLOCK_TRAFFIC,)
    # When BeforeBlockTraffic ends
    rollout.on_event_report(host, _ended(host, 0, E.BEFORE_BLOCK_TRAFFIC), now=NOW + 1)
    # Then the control plane took it out of both before the application is stopped
    assert host not in _in_target_group(elbv2, group_arn)
    assert host not in _in_classic(elb)
    (stop,) = _last_command(sqs, host)
    assert stop.lifecycle_events == (E.AFTER_BLOCK_TRAFFIC, E.APPLICATION_STOP)
    # When ApplicationStop ends
    rollout.on_event_report(host, _ended(host, 1, E.APPLICATION_STOP), now=NOW + 2)
    # Then the host succeeded and stays out: nothing registers it again
    assert records.target_item("d-1", host)["status"] == "Succeeded"
    assert host not in _in_target_group(elbv2, group_arn)
    assert host not in _in_classic(elb)
    assert _last_command(sqs, host) == []


def test_a_traffic_step_that_cannot_finish_fails_the_host(fleet):
    # Given a deployment whose target group was deleted after it was planned
    tokens = RecordingTokens()
    records, _, rollout = _rollout(fleet, tokens)
    _, group_arn, _, _, elbv2, _ = fleet
    elbv2.delete_target_group(TargetGroupArn=group_arn)
    host = records.host_at("d-1", 0)
    # When BeforeBlockTraffic ends (a fresh adapter, which knows no ARN yet)
    rollout._traffic._load_balancers = ElasticLoadBalancers(  # type: ignore[union-attr]
        boto3.client("elb", region_name=REGION), elbv2
    )
    rollout.on_event_report(host, _ended(host, 0, E.BEFORE_BLOCK_TRAFFIC), now=NOW + 1)
    # Then BlockTraffic failed with the load balancer's message, and so did the host
    item = records.target_item("d-1", host)
    assert item["lifecycle_events"]["BlockTraffic"]["status"] == "Failed"
    assert "web" in item["lifecycle_events"]["BlockTraffic"]["diagnostics"]["message"]
    assert item["status"] == "Failed"
