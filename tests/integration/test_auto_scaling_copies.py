"""The COPY_AUTO_SCALING_GROUP adapter against moto's Auto Scaling."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.adapters.auto_scaling_copies import AutoScalingCopies
from rollwright.blue_green_fleet import AutoScalingGroupCopy, AutoScalingGroupSize
from rollwright.errors import InvalidAutoScalingGroupException

REGION = "us-east-1"
COPY = "CodeDeploy_web_d-ABCDEFGHI"


@dataclass(frozen=True)
class World:
    autoscaling: Any
    ec2: Any
    elbv2: Any
    subnets: str
    target_group_arn: str


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = ",".join(
            ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"][
                "SubnetId"
            ]
            for cidr, zone in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))
        )
        template = ec2.create_launch_template(
            LaunchTemplateName="web-template",
            LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
        )["LaunchTemplate"]["LaunchTemplateId"]
        elbv2 = boto3.client("elbv2", region_name=REGION)
        target_group = elbv2.create_target_group(
            Name="web-targets", Protocol="HTTP", Port=80, VpcId=vpc
        )["TargetGroups"][0]["TargetGroupArn"]
        autoscaling = boto3.client("autoscaling", region_name=REGION)
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="web-asg",
            LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
            MinSize=1,
            MaxSize=4,
            DesiredCapacity=3,
            VPCZoneIdentifier=subnets,
            TargetGroupARNs=[target_group],
            HealthCheckType="ELB",
            HealthCheckGracePeriod=120,
            Tags=[
                {"Key": "team", "Value": "web", "PropagateAtLaunch": True},
                {"Key": "cost", "Value": "7", "PropagateAtLaunch": False},
                {"Key": "aws:cloudformation:stack-name", "Value": "s", "PropagateAtLaunch": True},
            ],
        )
        yield World(autoscaling, ec2, elbv2, subnets, target_group)


def _group(world: World, name: str) -> dict[str, Any]:
    groups = world.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    return dict(groups["AutoScalingGroups"][0])


def _copy(desired: int = 2) -> AutoScalingGroupCopy:
    return AutoScalingGroupCopy("web-asg", COPY, AutoScalingGroupSize(1, 4, desired))


def test_size_and_healthy_count_describe_the_source(world):
    # Given a group of three healthy InService instances / When the adapter reads it
    copies = AutoScalingCopies(world.autoscaling)
    # Then it answers its bounds and three healthy instances
    assert copies.size("web-asg") == AutoScalingGroupSize(minimum=1, maximum=4, desired=3)
    assert copies.healthy_count("web-asg") == 3


def test_an_unhealthy_instance_is_not_counted(world):
    # Given one of the source's instances marked Unhealthy
    instance = _group(world, "web-asg")["Instances"][0]["InstanceId"]
    world.autoscaling.set_instance_health(InstanceId=instance, HealthStatus="Unhealthy")
    # When the healthy instances are counted / Then it is left out
    assert AutoScalingCopies(world.autoscaling).healthy_count("web-asg") == 2


def test_create_copies_the_launch_settings_at_the_copy_size(world):
    # Given a source group / When the adapter creates its copy at two instances
    AutoScalingCopies(world.autoscaling).create(_copy(desired=2))
    # Then the copy launches from the same template into the same subnets with the same health
    # check, and has the copy's size
    source, copy = _group(world, "web-asg"), _group(world, COPY)
    assert (
        copy["LaunchTemplate"]["LaunchTemplateId"] == source["LaunchTemplate"]["LaunchTemplateId"]
    )
    assert copy["VPCZoneIdentifier"] == world.subnets
    assert (copy["HealthCheckType"], copy["HealthCheckGracePeriod"]) == ("ELB", 120)
    assert (copy["MinSize"], copy["MaxSize"], copy["DesiredCapacity"]) == (1, 4, 2)


def test_create_copies_the_tags_but_not_the_aws_ones(world):
    # Given a source group with two tags of its own and one aws: tag / When it is copied
    AutoScalingCopies(world.autoscaling).create(_copy())
    # Then the copy carries its own two, each propagated as before, and no aws: tag
    tags = {t["Key"]: (t["Value"], t["PropagateAtLaunch"]) for t in _group(world, COPY)["Tags"]}
    assert tags == {"team": ("web", True), "cost": ("7", False)}


def test_create_copies_a_launch_configuration(world):
    # Given a source group launched from a launch configuration
    world.autoscaling.create_launch_configuration(
        LaunchConfigurationName="lc", ImageId="ami-12c6146b", InstanceType="t3.micro"
    )
    world.autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="old-asg",
        LaunchConfigurationName="lc",
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=1,
        AvailabilityZones=["us-east-1a"],
    )
    # When it is copied
    copy = AutoScalingGroupCopy("old-asg", COPY, AutoScalingGroupSize(0, 2, 1))
    AutoScalingCopies(world.autoscaling).create(copy)
    # Then the copy uses the same launch configuration and zones
    created = _group(world, COPY)
    assert created["LaunchConfigurationName"] == "lc"
    assert created["AvailabilityZones"] == ["us-east-1a"]


def test_instances_are_the_copys_in_service_instances(world):
    # Given a copy of two instances
    copies = AutoScalingCopies(world.autoscaling)
    copies.create(_copy(desired=2))
    # When its instances are asked for
    # Then the two it launched are answered, none of the source's
    launched = copies.instances(COPY)
    source = {i["InstanceId"] for i in _group(world, "web-asg")["Instances"]}
    assert len(launched) == 2
    assert not source & set(launched)


def test_creating_an_existing_copy_again_changes_nothing(world):
    # Given a copy already created by an earlier try of the step
    copies = AutoScalingCopies(world.autoscaling)
    copies.create(_copy(desired=2))
    before = copies.instances(COPY)
    # When the step creates it again / Then it is not an error and the copy keeps its instances
    copies.create(_copy(desired=2))
    assert copies.instances(COPY) == before


def test_copying_a_missing_group_is_invalid(world):
    # Given no group named "gone" / When it is copied / Then InvalidAutoScalingGroupException
    copy = AutoScalingGroupCopy("gone", COPY, AutoScalingGroupSize(0, 1, 1))
    with pytest.raises(InvalidAutoScalingGroupException, match="gone"):
        AutoScalingCopies(world.autoscaling).create(copy)
    # and no copy exists
    groups = world.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[COPY])
    assert groups["AutoScalingGroups"] == []


def test_delete_removes_the_copy_and_terminates_its_instances(world):
    # Given a copy of two instances
    copies = AutoScalingCopies(world.autoscaling)
    copies.create(_copy(desired=2))
    launched = copies.instances(COPY)
    # When it is deleted
    copies.delete(COPY)
    # Then the group is gone and its instances are terminated
    assert copies.instances(COPY) == ()
    described = world.ec2.describe_instances(InstanceIds=list(launched))["Reservations"]
    states = {i["State"]["Name"] for r in described for i in r["Instances"]}
    assert states <= {"shutting-down", "terminated"}


def test_deleting_a_missing_copy_is_not_an_error(world):
    # Given no copy / When it is deleted (a retried rollback step) / Then nothing is raised
    AutoScalingCopies(world.autoscaling).delete(COPY)
    assert AutoScalingCopies(world.autoscaling).instances(COPY) == ()


def _registered(world: World) -> set[str]:
    health = world.elbv2.describe_target_health(TargetGroupArn=world.target_group_arn)
    return {target["Target"]["Id"] for target in health["TargetHealthDescriptions"]}


def test_the_copy_is_not_in_the_load_balancer_before_rerouting(world):
    # Given a source group attached to a target group
    # When its copy is created
    copies = AutoScalingCopies(world.autoscaling)
    copies.create(_copy(desired=2))
    # Then the copy has no target group or load balancer, and none of its instances is
    # registered: green takes traffic only with AllowTraffic
    copy = _group(world, COPY)
    assert copy.get("TargetGroupARNs", []) == []
    assert copy.get("LoadBalancerNames", []) == []
    assert not set(copies.instances(COPY)) & _registered(world)


def test_attaching_gives_the_copy_the_sources_target_groups_and_load_balancers(world):
    # Given a source group also behind a classic load balancer, and its copy
    boto3.client("elb", region_name=REGION).create_load_balancer(
        LoadBalancerName="classic",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=["us-east-1a"],
    )
    world.autoscaling.attach_load_balancers(
        AutoScalingGroupName="web-asg", LoadBalancerNames=["classic"]
    )
    copies = AutoScalingCopies(world.autoscaling)
    copies.create(_copy(desired=2))
    # When the source's load balancers are attached to the copy (twice: a retried step)
    copies.attach_load_balancers("web-asg", COPY)
    copies.attach_load_balancers("web-asg", COPY)
    # Then the copy has both, and its instances are registered with the target group
    copy = _group(world, COPY)
    assert copy["TargetGroupARNs"] == [world.target_group_arn]
    assert copy["LoadBalancerNames"] == ["classic"]
    assert set(copies.instances(COPY)) <= _registered(world)


def test_attaching_the_load_balancers_of_a_missing_group_is_invalid(world):
    # Given no group named "gone" / When its load balancers are attached / Then the exception
    with pytest.raises(InvalidAutoScalingGroupException, match="gone"):
        AutoScalingCopies(world.autoscaling).attach_load_balancers("gone", COPY)
