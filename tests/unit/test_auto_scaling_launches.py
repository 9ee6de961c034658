"""Scale-out instances get their deployment group's last successful revision."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rollwright.auto_scaling_deployments import GroupLaunchDeployments
from rollwright.auto_scaling_launches import (
    AutoScalingLaunches,
    LifecycleAction,
    LifecycleActionResult,
    LifecycleTransition,
    lifecycle_action,
)
from rollwright.deployment_group_history import LastDeployment
from rollwright.deployment_status import DeploymentStatus
from rollwright.dispatch import dispatch
from rollwright.instance_history import InstanceRecord
from rollwright.operations.shapes import CodeDeployServices
from rollwright.revision_locations import revision_id
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import Ec2Instance, Ec2InstanceState
from tests.fakes.auto_scaling import (
    FakeLifecycleHooks,
    InMemoryHeldActions,
    RecordingLifecycleActions,
)
from tests.fakes.deployment_store import FakeFleet, InMemoryDeploymentStore
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
OLD = "i-0000000000000000a"
NEW = "i-0000000000000000c"


def revision(key: str) -> dict[str, Any]:
    return {
        "revisionType": "S3",
        "s3Location": {"bucket": "artifacts", "key": key, "bundleType": "zip"},
    }


class World:
    def __init__(self) -> None:
        self.store = InMemoryDeploymentStore()
        self.fleet = FakeFleet(
            [Ec2Instance(OLD, Ec2InstanceState.RUNNING, auto_scaling_group="web-asg")]
        )
        self.services: CodeDeployServices = in_memory_services(
            deployment_store=self.store, fleet=self.fleet, hooks=FakeLifecycleHooks()
        )
        self.actions = RecordingLifecycleActions()
        self.held = InMemoryHeldActions()
        self.launches = AutoScalingLaunches(
            self.services.deployment_groups,
            GroupLaunchDeployments(self.services.deployments, self.fleet, self.store),
            self.actions,
            self.held,
        )
        self.call("CreateApplication", applicationName="shop")
        self.call(
            "CreateDeploymentGroup",
            applicationName="shop",
            deploymentGroupName="web",
            serviceRoleArn=ROLE,
            autoScalingGroups=["web-asg"],
        )
        self.group = self.services.deployment_groups.get("shop", "web")

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return dispatch(operation, params, self.services)

    def deploy(self, key: str, status: DeploymentStatus | None) -> str:
        """A user deployment of ``key``, ended with ``status`` (None: still running)."""
        deployment_id = str(
            self.call(
                "CreateDeployment",
                applicationName="shop",
                deploymentGroupName="web",
                revision=revision(key),
            )["deploymentId"]
        )
        if status is not None:
            self.end(deployment_id, status)
        return deployment_id

    def end(self, deployment_id: str, status: DeploymentStatus) -> None:
        """The deployment ends with ``status``, recorded as the group's last deployment."""
        self.store.end(deployment_id, status)
        stored = self.services.deployments.get(deployment_id)
        self.services.deployment_groups.record_deployment(
            self.group.deployment_group_id,
            LastDeployment(deployment_id, status, stored.create_time, stored.create_time),
            stored.choices.revision,
        )

    def v2_while_new_launches(self) -> str:
        """v1 on OLD, then v2 deploying to OLD while NEW launched and got v1 (its launch
        deployment succeeded): v2's id."""
        first = self.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
        self.installed(OLD, first)
        second = self.deploy("v2.zip", None)
        launch = self.launches.on_lifecycle_action(self.launch())
        assert launch.deployment_id is not None
        self.launches.after_deployment(
            "autoscaling", DeploymentStatus.SUCCEEDED, {NEW: InstanceStatus.SUCCEEDED}
        )
        self.installed(NEW, launch.deployment_id)
        return second

    def installed(self, instance_id: str, deployment_id: str) -> None:
        """What the finish step records: the instance runs the deployment's revision."""
        group_id = self.group.deployment_group_id
        location = self.services.deployments.get(deployment_id).choices.revision
        self.store.instances.setdefault(group_id, {})[instance_id] = InstanceRecord(
            instance_id, deployment_id, True, revision_id(location)
        )

    def update_outdated(self, deployment_id: str, creator: str, hosts: list[str]) -> str | None:
        return self.launches.update_outdated(
            deployment_id=deployment_id,
            creator=creator,
            deployment_group_id=self.group.deployment_group_id,
            hosts=hosts,
        )

    def launch(self, instance_id: str = NEW, hook: str | None = None) -> LifecycleAction:
        """``instance_id`` launched into web-asg, held by the group's launch hook."""
        self.fleet.instances.append(
            Ec2Instance(instance_id, Ec2InstanceState.PENDING, auto_scaling_group="web-asg")
        )
        group = self.services.deployment_groups.get("shop", "web")
        return LifecycleAction(
            auto_scaling_group="web-asg",
            hook_name=hook or group.auto_scaling_hooks[0].launch_hook,
            instance_id=instance_id,
            token=f"token-{instance_id}",
            transition=LifecycleTransition.LAUNCHING,
            deployment_group_id=group.deployment_group_id,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_a_scale_out_instance_gets_the_last_successful_revision(world: World) -> None:
    # Given a group whose v1 succeeded and whose v2 failed
    first = world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    world.deploy("v2.zip", DeploymentStatus.FAILED)
    # When an instance is launched into its Auto Scaling group
    outcome = world.launches.on_lifecycle_action(world.launch())
    # Then a deployment of v1 to that instance alone, created by autoscaling, holds the action
    assert outcome.deployment_id is not None
    assert outcome.completed is None
    deployment = world.services.deployments.get(outcome.deployment_id)
    assert deployment.creator == "autoscaling"
    assert deployment.choices.revision == world.services.deployments.get(first).choices.revision
    assert list(world.store.targets[outcome.deployment_id]) == [NEW]
    assert world.actions.completed == []
    assert set(world.held.held) == {NEW}


def test_an_instance_of_a_group_never_deployed_successfully_is_let_through(world: World) -> None:
    # Given a group with no successful deployment
    world.deploy("v1.zip", DeploymentStatus.FAILED)
    # When an instance is launched / Then it is let in service with no deployment
    outcome = world.launches.on_lifecycle_action(world.launch())
    assert outcome.deployment_id is None
    assert world.actions.completed == [(NEW, LifecycleActionResult.CONTINUE)]


def test_a_hook_the_group_no_longer_owns_lets_the_instance_through(world: World) -> None:
    # Given a deployed group / When a lifecycle action comes from a hook it does not own
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    outcome = world.launches.on_lifecycle_action(world.launch(hook="someone-elses-hook"))
    # Then the instance is let through, and no deployment is made
    assert outcome.deployment_id is None
    assert world.actions.completed == [(NEW, LifecycleActionResult.CONTINUE)]


def test_a_launch_deployment_runs_beside_the_groups_active_deployment(world: World) -> None:
    # Given a group with a successful v1 and a v2 deployment in progress
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    running = world.deploy("v2.zip", None)
    # When an instance is launched
    outcome = world.launches.on_lifecycle_action(world.launch())
    # Then its launch deployment is created all the same, and v2 still holds the group
    assert outcome.deployment_id is not None
    assert outcome.deployment_id != running
    assert world.store.active[world.group.deployment_group_id] == running


@pytest.mark.parametrize(
    ("status", "host", "result"),
    [
        (DeploymentStatus.SUCCEEDED, InstanceStatus.SUCCEEDED, LifecycleActionResult.CONTINUE),
        (DeploymentStatus.FAILED, InstanceStatus.FAILED, LifecycleActionResult.ABANDON),
        (DeploymentStatus.STOPPED, InstanceStatus.SKIPPED, LifecycleActionResult.ABANDON),
    ],
)
def test_the_launch_deployments_end_completes_the_action(
    world: World,
    status: DeploymentStatus,
    host: InstanceStatus,
    result: LifecycleActionResult,
) -> None:
    # Given a launch deployment holding the instance's action
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    world.launches.on_lifecycle_action(world.launch())
    # When it ends / Then the action is completed by its outcome, once
    assert world.launches.after_deployment("autoscaling", status, {NEW: host}) == [(NEW, result)]
    assert world.actions.completed == [(NEW, result)]
    assert world.launches.after_deployment("autoscaling", status, {NEW: host}) == []


def test_a_user_deployments_end_completes_no_action(world: World) -> None:
    # Given an instance held for its launch deployment
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    world.launches.on_lifecycle_action(world.launch())
    # When a user deployment to it ends / Then its action is left alone
    done = world.launches.after_deployment(
        "user", DeploymentStatus.SUCCEEDED, {NEW: InstanceStatus.SUCCEEDED}
    )
    assert done == []
    assert world.actions.completed == []


def test_a_launch_deployment_that_cannot_begin_abandons_the_instance(world: World) -> None:
    # Given a deployed group, and a launched instance the fleet does not show
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    action = world.launch()
    world.fleet.instances.pop()
    # When its lifecycle action arrives / Then the deployment ends at once and it is abandoned
    outcome = world.launches.on_lifecycle_action(action)
    assert outcome.completed is LifecycleActionResult.ABANDON
    assert world.actions.completed == [(NEW, LifecycleActionResult.ABANDON)]
    assert world.held.held == {}


def test_a_termination_action_of_a_group_without_termination_hooks_is_let_go_at_once(
    world: World,
) -> None:
    # Given a termination action of a hook the group does not have (terminationHookEnabled is
    # off) / When it arrives / Then CONTINUE, no deployment
    action = LifecycleAction(
        "web-asg",
        "hook",
        OLD,
        "t",
        LifecycleTransition.TERMINATING,
        world.group.deployment_group_id,
    )
    outcome = world.launches.on_lifecycle_action(action)
    assert outcome.deployment_id is None
    assert world.actions.completed == [(OLD, LifecycleActionResult.CONTINUE)]


def test_an_eventbridge_lifecycle_detail_reads_as_an_action() -> None:
    # Given Auto Scaling's launch event detail, with the hook's metadata
    detail = {
        "LifecycleActionToken": "87654321-4321",
        "AutoScalingGroupName": "web-asg",
        "LifecycleHookName": "CodeDeploy-managed-automatic-launch-deployment-hook-web-1",
        "EC2InstanceId": NEW,
        "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
        "NotificationMetadata": json.dumps(
            {"managedBy": "rollwright", "deploymentGroupId": "dg-1"}
        ),
    }
    # When it is read / Then every member is there
    assert lifecycle_action(detail) == LifecycleAction(
        "web-asg",
        "CodeDeploy-managed-automatic-launch-deployment-hook-web-1",
        NEW,
        "87654321-4321",
        LifecycleTransition.LAUNCHING,
        "dg-1",
    )


def test_a_detail_that_is_not_a_lifecycle_action_is_refused() -> None:
    with pytest.raises(ValueError, match="not an Auto Scaling lifecycle action"):
        lifecycle_action({"AutoScalingGroupName": "web-asg"})


def test_an_instance_launched_during_a_deployment_is_updated_after_it(world: World) -> None:
    # Given v1 on the group's instance, then v2 deploying to it while a new instance got v1
    second = world.v2_while_new_launches()
    # When v2 succeeds (outdatedInstancesStrategy is UPDATE by default)
    world.end(second, DeploymentStatus.SUCCEEDED)
    world.installed(OLD, second)
    auto_update = world.update_outdated(second, "user", [OLD])
    # Then an auto-update deployment brings v2 to the new instance alone
    assert auto_update is not None
    deployment = world.services.deployments.get(auto_update)
    assert deployment.creator == "CodeDeployAutoUpdate"
    assert deployment.choices.revision == world.services.deployments.get(second).choices.revision
    assert list(world.store.targets[auto_update]) == [NEW]


def test_ignore_leaves_outdated_instances_alone(world: World) -> None:
    # Given a group set to IGNORE with an instance that never got its revision
    world.call(
        "UpdateDeploymentGroup",
        applicationName="shop",
        currentDeploymentGroupName="web",
        outdatedInstancesStrategy="IGNORE",
    )
    first = world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    world.fleet.instances.append(
        Ec2Instance(NEW, Ec2InstanceState.RUNNING, auto_scaling_group="web-asg")
    )
    # When a deployment ends / Then no auto-update
    assert world.update_outdated(first, "user", [OLD]) is None


def test_up_to_date_and_still_launching_instances_get_no_auto_update(world: World) -> None:
    # Given every instance on v1, and a new one still held for its launch deployment
    first = world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    world.installed(OLD, first)
    world.launches.on_lifecycle_action(world.launch())
    # When a deployment ends / Then no auto-update
    assert world.update_outdated(first, "user", []) is None


def test_a_launch_deployment_is_not_the_groups_last_attempted_deployment(world: World) -> None:
    # Given a group with a user deployment in progress
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    running = world.deploy("v2.zip", None)
    # When an instance is launched meanwhile
    world.launches.on_lifecycle_action(world.launch())
    # Then the group's last attempted deployment is still the user's
    history = world.services.deployment_groups.get("shop", "web").history
    assert history.last_attempted_deployment is not None
    assert history.last_attempted_deployment.deployment_id == running


def test_a_hook_that_is_not_rollwrights_is_left_to_its_owner(world: World) -> None:
    # Given a deployed group, and a lifecycle event of a hook without Rollwright's metadata
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    detail = {
        "LifecycleActionToken": "t-1",
        "AutoScalingGroupName": "web-asg",
        "LifecycleHookName": "CodeDeploy-managed-automatic-launch-deployment-hook-x-1",
        "EC2InstanceId": NEW,
        "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
        "NotificationMetadata": json.dumps({"deploymentGroupId": world.group.deployment_group_id}),
    }
    # When it arrives / Then no deployment and no completion: its owner answers it
    outcome = world.launches.on_lifecycle_action(lifecycle_action(detail))
    assert outcome.deployment_id is None
    assert outcome.completed is None
    assert world.actions.completed == []
