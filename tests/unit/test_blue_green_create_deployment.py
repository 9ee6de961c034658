"""CreateDeployment for EC2 blue/green groups: every targetInstances rule with CodeDeploy's
exception names; a valid request creates a deployment: DISCOVER_EXISTING with labelled instances,
COPY_AUTO_SCALING_GROUP with the group to copy."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from rollwright.applications import Tag
from rollwright.deployment_status import DeploymentStatus
from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from rollwright.operations.shapes import CodeDeployServices
from rollwright.target_selection import Ec2Instance, Ec2InstanceState
from tests.fakes.deployment_store import FakeFleet, InMemoryDeploymentStore, RecordingWorkflows
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
REVISION = {
    "revisionType": "S3",
    "s3Location": {"bucket": "artifacts", "key": "web.zip", "bundleType": "zip"},
}
BLUE_GREEN = {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
LOAD_BALANCER = {"targetGroupInfoList": [{"name": "web-tg"}]}
GREEN_FILTER = {"Key": "color", "Value": "green", "Type": "KEY_AND_VALUE"}
RUNNING = Ec2InstanceState.RUNNING


class World:
    def __init__(self) -> None:
        self.store = InMemoryDeploymentStore()
        self.fleet = FakeFleet(
            [
                Ec2Instance("i-0000000000000000b", RUNNING, (Tag("color", "blue"),)),
                Ec2Instance("i-0000000000000000c", RUNNING, (Tag("color", "green"),)),
                Ec2Instance("i-0000000000000000d", RUNNING, (), auto_scaling_group="green-asg"),
            ]
        )
        self.workflows = RecordingWorkflows()
        self.services: CodeDeployServices = in_memory_services(
            deployment_store=self.store, fleet=self.fleet, workflows=self.workflows
        )
        self.call("CreateApplication", applicationName="shop", computePlatform="Server")
        self.group("discover", "DISCOVER_EXISTING")
        self.group("copy", "COPY_AUTO_SCALING_GROUP", autoScalingGroups=["web-asg"])

    def group(self, name: str, provisioning: str, **members: Any) -> None:
        self.call(
            "CreateDeploymentGroup",
            applicationName="shop",
            deploymentGroupName=name,
            serviceRoleArn=ROLE,
            ec2TagFilters=[{"Key": "color", "Value": "blue", "Type": "KEY_AND_VALUE"}],
            deploymentStyle=BLUE_GREEN,
            loadBalancerInfo=LOAD_BALANCER,
            blueGreenDeploymentConfiguration={
                "greenFleetProvisioningOption": {"action": provisioning}
            },
            **members,
        )

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return dispatch(operation, params, self.services)

    def refusal(self, group: str, **params: Any) -> CodeDeployError:
        with pytest.raises(CodeDeployError) as error:
            self.call(
                "CreateDeployment",
                applicationName="shop",
                deploymentGroupName=group,
                revision=REVISION,
                **params,
            )
        return error.value

    def nothing_changed(self, group: str) -> bool:
        info = self.call("GetDeploymentGroup", applicationName="shop", deploymentGroupName=group)
        return (
            self.store.deployments == {}
            and self.workflows.started == []
            and "lastAttemptedDeployment" not in info["deploymentGroupInfo"]
        )


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize(
    ("target_instances", "expected", "message"),
    [
        (None, "InvalidTargetInstancesException", "DISCOVER_EXISTING"),
        ({}, "InvalidTargetInstancesException", "DISCOVER_EXISTING"),
        (
            {"tagFilters": [GREEN_FILTER], "ec2TagSet": {"ec2TagSetList": [[GREEN_FILTER]]}},
            "InvalidTargetInstancesException",
            "not both",
        ),
        (
            {"tagFilters": [{"Key": "color", "Value": "green", "Type": "COLOR"}]},
            "InvalidTargetInstancesException",
            "tag filter type",
        ),
        (
            {"tagFilters": [{"Value": "green", "Type": "KEY_ONLY"}]},
            "InvalidTargetInstancesException",
            "needs a Key",
        ),
        (
            {"tagFilters": [GREEN_FILTER] * 11},
            "InvalidTargetInstancesException",
            "at most 10 tag filters",
        ),
        (
            {"ec2TagSet": {"ec2TagSetList": [[GREEN_FILTER]] * 4}},
            "InvalidTargetInstancesException",
            "at most 3 tag groups",
        ),
        (
            {"autoScalingGroups": ["green-asg", "green-asg"]},
            "InvalidAutoScalingGroupException",
            "more than once",
        ),
        (
            {"autoScalingGroups": [f"asg-{n}" for n in range(11)]},
            "InvalidAutoScalingGroupException",
            "at most 10",
        ),
        (
            {"autoScalingGroups": ["no-such-asg"]},
            "InvalidTargetInstancesException",
            "matches no running instance",
        ),
        (
            {"tagFilters": [{"Key": "color", "Value": "blue", "Type": "KEY_AND_VALUE"}]},
            "InvalidTargetInstancesException",
            "both an original \\(blue\\) and a replacement \\(green\\)",
        ),
    ],
)
def test_discover_existing_refuses_bad_target_instances_and_changes_nothing(
    world: World, target_instances: dict[str, Any] | None, expected: str, message: str
) -> None:
    # Given a DISCOVER_EXISTING group; When CreateDeployment names its green instances badly
    params = {} if target_instances is None else {"targetInstances": target_instances}
    error = world.refusal("discover", **params)
    # Then CodeDeploy's exception says what is wrong, and nothing was created
    assert error.name == expected
    assert re.search(message, error.message), error.message
    assert world.nothing_changed("discover")


def test_a_valid_discover_existing_request_creates_a_deployment_of_labelled_instances(
    world: World,
) -> None:
    # Given green instances named by tag and by Auto Scaling group
    target_instances = {"tagFilters": [GREEN_FILTER], "autoScalingGroups": ["green-asg"]}
    # When the deployment is asked for
    created = world.call(
        "CreateDeployment",
        applicationName="shop",
        deploymentGroupName="discover",
        revision=REVISION,
        targetInstances=target_instances,
    )
    # Then its workflow starts and its targets are the blue and green instances, labelled
    deployment_id = created["deploymentId"]
    assert world.workflows.started == [deployment_id]
    # (once the workflow began it: the target operations wait for that)
    world.store.deployments[deployment_id] = replace(
        world.store.deployments[deployment_id], status=DeploymentStatus.IN_PROGRESS
    )
    targets = world.call(
        "BatchGetDeploymentTargets",
        deploymentId=deployment_id,
        targetIds=["i-0000000000000000b", "i-0000000000000000c", "i-0000000000000000d"],
    )["deploymentTargets"]
    labels = {
        t["instanceTarget"]["targetId"]: t["instanceTarget"]["instanceLabel"] for t in targets
    }
    assert labels == {
        "i-0000000000000000b": "Blue",
        "i-0000000000000000c": "Green",
        "i-0000000000000000d": "Green",
    }
    green = world.call(
        "ListDeploymentTargets",
        deploymentId=deployment_id,
        targetFilters={"ServerInstanceLabel": ["Green"]},
    )["targetIds"]
    assert sorted(green) == ["i-0000000000000000c", "i-0000000000000000d"]
    # And GetDeployment shows the green instances asked for and the options it runs with
    info = world.call("GetDeployment", deploymentId=deployment_id)["deploymentInfo"]
    assert info["targetInstances"] == {**target_instances, "tagFilters": [GREEN_FILTER]}
    configuration = info["blueGreenDeploymentConfiguration"]
    assert configuration["greenFleetProvisioningOption"] == {"action": "DISCOVER_EXISTING"}
    assert configuration["terminateBlueInstancesOnDeploymentSuccess"]["action"] == "KEEP_ALIVE"
    assert info["instanceTerminationWaitTimeStarted"] is False


def test_a_valid_copy_auto_scaling_group_request_creates_a_deployment_that_copies_the_group(
    world: World,
) -> None:
    created = world.call(
        "CreateDeployment", applicationName="shop", deploymentGroupName="copy", revision=REVISION
    )
    deployment_id = created["deploymentId"]
    assert world.workflows.started == [deployment_id]
    blue_green = world.store.deployments[deployment_id].choices.blue_green
    assert blue_green is not None
    assert blue_green.copy_source == "web-asg"
    assert blue_green.fleets.green == ()  # known once the copy is up
    assert blue_green.steps[0].value == "ProvisionGreen"


def test_copy_auto_scaling_group_refuses_target_instances(world: World) -> None:
    error = world.refusal("copy", targetInstances={"tagFilters": [GREEN_FILTER]})
    assert error.name == "InvalidTargetInstancesException"
    assert "leave targetInstances out" in error.message
    assert world.nothing_changed("copy")


def test_copy_auto_scaling_group_needs_exactly_one_group_to_copy(world: World) -> None:
    # Given a COPY_AUTO_SCALING_GROUP group with two Auto Scaling groups
    # Then the group itself is refused (deployment_group_rules), so no deployment can copy two
    with pytest.raises(CodeDeployError) as refused:
        world.group("two", "COPY_AUTO_SCALING_GROUP", autoScalingGroups=["a-asg", "b-asg"])
    assert refused.value.name == "InvalidAutoScalingGroupException"
    assert "Exactly one AutoScaling group" in refused.value.message
    assert world.store.deployments == {}


def test_a_blue_green_group_still_checks_the_deployment_config_platform(world: World) -> None:
    error = world.refusal(
        "discover",
        targetInstances={"tagFilters": [GREEN_FILTER]},
        deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce",
    )
    assert error.name == "InvalidDeploymentConfigNameException"


@pytest.mark.parametrize(
    "target_instances",
    [
        {"tagFilters": "color=green"},
        {"ec2TagSet": {"ec2TagSetList": "color=green"}},
        {"ec2TagSet": {"ec2TagSetList": [["color=green"]]}},
        {"autoScalingGroups": [7]},
    ],
)
def test_target_instances_of_the_wrong_type_are_a_serialization_exception(
    world: World, target_instances: dict[str, Any]
) -> None:
    error = world.refusal("discover", targetInstances=target_instances)
    assert error.name == "SerializationException"
    assert world.nothing_changed("discover")
