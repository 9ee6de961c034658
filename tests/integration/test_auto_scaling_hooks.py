"""The Auto Scaling hooks adapter and the held lifecycle actions, against moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.adapters.auto_scaling_hooks import AutoScalingLifecycleHooks
from functions.adapters.lifecycle_action_records import DynamoHeldActions
from rollwright.auto_scaling_hooks import InstalledHooks
from rollwright.auto_scaling_launches import LifecycleAction, LifecycleTransition
from rollwright.errors import InvalidAutoScalingGroupException
from tests.integration.state_table import create_state_table

REGION = "us-east-1"


@pytest.fixture
def autoscaling() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("autoscaling", region_name=REGION)
        client.create_launch_configuration(
            LaunchConfigurationName="lc", ImageId="ami-12c6146b", InstanceType="t3.micro"
        )
        client.create_auto_scaling_group(
            AutoScalingGroupName="web-asg",
            LaunchConfigurationName="lc",
            MinSize=0,
            MaxSize=3,
            DesiredCapacity=0,
            AvailabilityZones=["us-east-1a"],
        )
        yield client


def _hook_names(autoscaling: Any) -> dict[str, str]:
    hooks = autoscaling.describe_lifecycle_hooks(AutoScalingGroupName="web-asg")
    return {h["LifecycleHookName"]: h["LifecycleTransition"] for h in hooks["LifecycleHooks"]}


def test_install_puts_the_launch_and_termination_hooks(autoscaling):
    # Given an Auto Scaling group
    hooks = InstalledHooks("web-asg", "CodeDeploy-launch-x", "CodeDeploy-term-x")
    # When the adapter installs a deployment group's hooks in it
    AutoScalingLifecycleHooks(autoscaling).install(hooks, deployment_group_id="dg-1")
    # Then both hooks are there, for their transitions
    assert _hook_names(autoscaling) == {
        "CodeDeploy-launch-x": "autoscaling:EC2_INSTANCE_LAUNCHING",
        "CodeDeploy-term-x": "autoscaling:EC2_INSTANCE_TERMINATING",
    }


def test_install_in_a_missing_auto_scaling_group_is_invalid(autoscaling):
    # Given no Auto Scaling group named "gone" / When installing a hook in it
    # Then CodeDeploy's InvalidAutoScalingGroupException
    with pytest.raises(InvalidAutoScalingGroupException, match="gone"):
        AutoScalingLifecycleHooks(autoscaling).install(
            InstalledHooks("gone", "CodeDeploy-launch-x"), deployment_group_id="dg-1"
        )


def test_remove_deletes_the_hooks(autoscaling):
    # Given installed hooks
    adapter = AutoScalingLifecycleHooks(autoscaling)
    hooks = InstalledHooks("web-asg", "CodeDeploy-launch-x", "CodeDeploy-term-x")
    adapter.install(hooks, deployment_group_id="dg-1")
    # When they are removed / Then the removal succeeds and the group has no hooks left
    assert adapter.remove(hooks)
    assert _hook_names(autoscaling) == {}


def test_removing_only_the_termination_hook_keeps_the_launch_hook(autoscaling):
    # Given installed hooks
    adapter = AutoScalingLifecycleHooks(autoscaling)
    adapter.install(
        InstalledHooks("web-asg", "CodeDeploy-launch-x", "CodeDeploy-term-x"),
        deployment_group_id="dg-1",
    )
    # When only the termination hook is removed (an empty name means "not this one")
    assert adapter.remove(InstalledHooks("web-asg", "", "CodeDeploy-term-x"))
    # Then the launch hook stays
    assert _hook_names(autoscaling) == {"CodeDeploy-launch-x": "autoscaling:EC2_INSTANCE_LAUNCHING"}


def test_a_held_action_is_released_once(autoscaling):
    # Given a lifecycle action held for its launch deployment
    held = DynamoHeldActions(create_state_table())
    action = LifecycleAction(
        "web-asg", "CodeDeploy-launch-x", "i-0abc", "token-1", LifecycleTransition.LAUNCHING, "dg"
    )
    held.hold(action)
    # When it is released twice / Then the first release answers it and the second nothing
    assert held.release("i-0abc") == action
    assert held.release("i-0abc") is None
