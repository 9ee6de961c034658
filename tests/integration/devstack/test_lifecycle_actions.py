"""The devstack's synthesized Auto Scaling lifecycle actions, on moto's backends in process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws

from devstack.lifecycle_actions import LifecycleActionEmulator
from devstack.settings import REGION

GROUP = "web-asg"
HOOK = "CodeDeploy-managed-termination-hook-web-1"


@pytest.fixture
def autoscaling() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("autoscaling", region_name=REGION)
        client.create_launch_configuration(
            LaunchConfigurationName="lc", ImageId="ami-12c6146b", InstanceType="t3.micro"
        )
        client.create_auto_scaling_group(
            AutoScalingGroupName=GROUP,
            LaunchConfigurationName="lc",
            MinSize=0,
            MaxSize=3,
            DesiredCapacity=2,
            AvailabilityZones=[f"{REGION}a"],
        )
        client.put_lifecycle_hook(
            LifecycleHookName=HOOK,
            AutoScalingGroupName=GROUP,
            LifecycleTransition="autoscaling:EC2_INSTANCE_TERMINATING",
        )
        yield client


def _states(autoscaling: Any) -> dict[str, str]:
    (group,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])[
        "AutoScalingGroups"
    ]
    return {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}


def _body(**params: Any) -> bytes:
    return urlencode(params).encode()


def test_a_scale_in_holds_the_leaving_instance_in_terminating_wait(autoscaling):
    # Given a group of two with a termination hook
    emulator = LifecycleActionEmulator()
    before = _states(autoscaling)
    # When it is scaled in to one
    answer = emulator.scale_in(
        "SetDesiredCapacity", _body(AutoScalingGroupName=GROUP, DesiredCapacity=1), REGION
    )
    # Then the call is answered, one instance waits in Terminating:Wait, still a member
    assert answer is not None
    assert answer.status_code == 200
    states = _states(autoscaling)
    assert set(states) == set(before)
    assert sorted(states.values()) == ["InService", "Terminating:Wait"]
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])
    assert group["AutoScalingGroups"][0]["DesiredCapacity"] == 1


def test_completing_the_termination_action_terminates_the_instance(autoscaling):
    # Given an instance held in Terminating:Wait by a scale-in
    emulator = LifecycleActionEmulator()
    emulator.scale_in(
        "SetDesiredCapacity", _body(AutoScalingGroupName=GROUP, DesiredCapacity=1), REGION
    )
    (leaving,) = [i for i, s in _states(autoscaling).items() if s == "Terminating:Wait"]
    # When its action is completed (ABANDON: a terminating instance terminates all the same)
    emulator.answer(
        "CompleteLifecycleAction",
        _body(
            AutoScalingGroupName=GROUP,
            LifecycleHookName=HOOK,
            InstanceId=leaving,
            LifecycleActionResult="ABANDON",
        ),
        REGION,
    )
    # Then it has left the group and is terminated
    assert leaving not in _states(autoscaling)
    ec2 = boto3.client("ec2", region_name=REGION)
    (reservation,) = ec2.describe_instances(InstanceIds=[leaving])["Reservations"]
    assert reservation["Instances"][0]["State"]["Name"] in ("shutting-down", "terminated")


def test_terminating_one_instance_with_a_lower_capacity_holds_it(autoscaling):
    # Given a group of two with a termination hook
    emulator = LifecycleActionEmulator()
    instance = sorted(_states(autoscaling))[0]
    # When that instance is terminated, decrementing the desired capacity
    answer = emulator.scale_in(
        "TerminateInstanceInAutoScalingGroup",
        _body(InstanceId=instance, ShouldDecrementDesiredCapacity="true"),
        REGION,
    )
    # Then it waits in Terminating:Wait
    assert answer is not None
    assert _states(autoscaling)[instance] == "Terminating:Wait"


def test_a_scale_out_or_a_group_without_termination_hook_is_left_to_moto(autoscaling):
    emulator = LifecycleActionEmulator()
    # A scale-out is not a scale-in
    assert (
        emulator.scale_in(
            "SetDesiredCapacity", _body(AutoScalingGroupName=GROUP, DesiredCapacity=3), REGION
        )
        is None
    )
    # A group without a termination hook is scaled in by moto (the caller forwards the call)
    autoscaling.delete_lifecycle_hook(LifecycleHookName=HOOK, AutoScalingGroupName=GROUP)
    assert (
        emulator.scale_in(
            "SetDesiredCapacity", _body(AutoScalingGroupName=GROUP, DesiredCapacity=1), REGION
        )
        is None
    )
    assert set(_states(autoscaling).values()) == {"InService"}
