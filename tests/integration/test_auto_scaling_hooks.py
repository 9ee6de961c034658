"""The Auto Scaling hooks adapter and the held lifecycle actions, against moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from functions.adapters.auto_scaling_hooks import (
    AutoScalingLifecycleActions,
    AutoScalingLifecycleHooks,
)
from functions.adapters.lifecycle_action_records import DynamoHeldActions
from rollwright.auto_scaling_hooks import InstalledHooks
from rollwright.auto_scaling_launches import LifecycleAction, LifecycleTransition
from rollwright.errors import InvalidAutoScalingGroupException
from tests.integration.state_table import create_state_table

REGION = "us-east-1"
TOKEN = "bcd2f1b8-9a43-4d8a-9e9b-0c5d2d1e0f3a"  # Auto Scaling's tokens are UUIDs


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


def test_a_heartbeat_time_is_recorded_once_per_time_read(autoscaling):
    # Given an action held at the time the table says
    held = DynamoHeldActions(create_state_table())
    action = LifecycleAction(
        "web-asg", "CodeDeploy-launch-x", "i-0abc", "token-1", LifecycleTransition.LAUNCHING, "dg"
    )
    held.hold(action)
    found = held.held_action("i-0abc")
    assert found is not None
    assert found.action == action
    # When two sweeps record a heartbeat over the same time read
    first = held.record_heartbeat_at(
        "i-0abc", found.last_heartbeat_at + 300, previous=found.last_heartbeat_at
    )
    second = held.record_heartbeat_at(
        "i-0abc", found.last_heartbeat_at + 301, previous=found.last_heartbeat_at
    )
    # Then only the first is recorded, and it is read back
    assert (first, second) == (True, False)
    again = held.held_action("i-0abc")
    assert again is not None
    assert again.last_heartbeat_at == found.last_heartbeat_at + 300


def test_a_released_action_takes_no_heartbeat(autoscaling):
    # Given no held action / When a heartbeat time is recorded / Then it is refused
    held = DynamoHeldActions(create_state_table())
    assert held.held_action("i-0abc") is None
    assert not held.record_heartbeat_at("i-0abc", 2.0, previous=1.0)


def test_the_heartbeat_names_the_hook_group_token_and_instance():
    # Given the held action / When its heartbeat is recorded
    client = boto3.client("autoscaling", region_name=REGION)
    action = LifecycleAction(
        "web-asg", "CodeDeploy-launch-x", "i-0abc", TOKEN, LifecycleTransition.LAUNCHING, "dg"
    )
    # Then Auto Scaling gets exactly those (moto has no RecordLifecycleActionHeartbeat: the
    # request is checked against the service model)
    with Stubber(client) as stub:
        stub.add_response(
            "record_lifecycle_action_heartbeat",
            {},
            {
                "LifecycleHookName": "CodeDeploy-launch-x",
                "AutoScalingGroupName": "web-asg",
                "LifecycleActionToken": TOKEN,
                "InstanceId": "i-0abc",
            },
        )
        AutoScalingLifecycleActions(client).record_heartbeat(action)
        stub.assert_no_pending_responses()


def test_a_heartbeat_for_an_action_that_is_gone_is_not_an_error():
    # Given Auto Scaling no longer knows the action / When its heartbeat is recorded
    client = boto3.client("autoscaling", region_name=REGION)
    action = LifecycleAction(
        "web-asg", "hook", "i-0abc", TOKEN, LifecycleTransition.LAUNCHING, "dg"
    )
    with Stubber(client) as stub:
        stub.add_client_error(
            "record_lifecycle_action_heartbeat", "ValidationError", "No active Lifecycle Action"
        )
        # Then nothing is raised
        AutoScalingLifecycleActions(client).record_heartbeat(action)
        stub.assert_no_pending_responses()
