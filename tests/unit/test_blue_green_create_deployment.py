"""CreateDeployment for EC2 blue/green groups: every targetInstances rule with CodeDeploy's
exception names, then a clear refusal, since the Server workflow cannot run blue/green yet."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rollwright.applications import Tag
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


def test_a_valid_discover_existing_request_is_refused_clearly_since_the_workflow_cannot_run_it(
    world: World,
) -> None:
    # Given green instances named by tag and by Auto Scaling group
    target_instances = {"tagFilters": [GREEN_FILTER], "autoScalingGroups": ["green-asg"]}
    # When the deployment is asked for
    error = world.refusal("discover", targetInstances=target_instances)
    # Then the refusal says the request was valid and what it found, and that nothing was created
    assert error.name == "InvalidInputException"
    assert "2 replacement instance(s), 1 original instance(s)" in error.message
    assert "cannot run EC2 blue/green deployments yet" in error.message
    assert world.nothing_changed("discover")


def test_a_valid_copy_auto_scaling_group_request_is_refused_clearly(world: World) -> None:
    error = world.refusal("copy")
    assert error.name == "InvalidInputException"
    assert "a copy of Auto Scaling group web-asg" in error.message
    assert world.nothing_changed("copy")


def test_copy_auto_scaling_group_refuses_target_instances(world: World) -> None:
    error = world.refusal("copy", targetInstances={"tagFilters": [GREEN_FILTER]})
    assert error.name == "InvalidTargetInstancesException"
    assert "leave targetInstances out" in error.message
    assert world.nothing_changed("copy")


def test_copy_auto_scaling_group_needs_exactly_one_group_to_copy(world: World) -> None:
    # Given a COPY_AUTO_SCALING_GROUP group with two Auto Scaling groups (the group rules allow it)
    world.group("two", "COPY_AUTO_SCALING_GROUP", autoScalingGroups=["a-asg", "b-asg"])
    # Then its deployments are refused, naming the rule
    error = world.refusal("two")
    assert error.name == "InvalidAutoScalingGroupException"
    assert "exactly one" in error.message
    assert world.nothing_changed("two")


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
