"""instanceLabel and ListDeploymentTargets' ServerInstanceLabel filter.

No workflow writes labelled targets yet (blue/green deployments are refused at creation), so the
labelled targets here are written into the in-memory store as the blue/green workflow will."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from rollwright.applications import Tag
from rollwright.blue_green import InstanceLabel
from rollwright.deployment_status import DeploymentStatus
from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from rollwright.target_selection import Ec2Instance, Ec2InstanceState
from tests.fakes.deployment_store import FakeFleet, InMemoryDeploymentStore, RecordingWorkflows
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
REVISION = {
    "revisionType": "S3",
    "s3Location": {"bucket": "artifacts", "key": "web.zip", "bundleType": "zip"},
}
BLUE, GREEN = "i-0000000000000000b", "i-0000000000000000c"


class World:
    def __init__(self) -> None:
        self.store = InMemoryDeploymentStore()
        fleet = FakeFleet(
            [
                Ec2Instance(BLUE, Ec2InstanceState.RUNNING, (Tag("role", "web"),)),
                Ec2Instance(GREEN, Ec2InstanceState.RUNNING, (Tag("role", "web"),)),
            ]
        )
        self.services = in_memory_services(
            deployment_store=self.store, fleet=fleet, workflows=RecordingWorkflows()
        )
        self.call("CreateApplication", applicationName="shop", computePlatform="Server")
        self.call(
            "CreateDeploymentGroup",
            applicationName="shop",
            deploymentGroupName="web",
            serviceRoleArn=ROLE,
            ec2TagFilters=[{"Key": "role", "Value": "web", "Type": "KEY_AND_VALUE"}],
        )
        answer = self.call(
            "CreateDeployment", applicationName="shop", deploymentGroupName="web", revision=REVISION
        )
        self.deployment_id = str(answer["deploymentId"])
        self.store.end(self.deployment_id, DeploymentStatus.IN_PROGRESS)

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return dispatch(operation, params, self.services)

    def label(self, instance_id: str, label: InstanceLabel) -> None:
        targets = self.store.targets[self.deployment_id]
        targets[instance_id] = replace(targets[instance_id], instance_label=label)

    def listed(self, **filters: list[str]) -> list[str]:
        answer = self.call(
            "ListDeploymentTargets", deploymentId=self.deployment_id, targetFilters=filters
        )
        return list(answer["targetIds"])


@pytest.fixture
def world() -> World:
    return World()


def test_unlabelled_targets_show_no_label_and_match_no_label_filter(world: World) -> None:
    # Given an in-place deployment's targets
    target = world.call("GetDeploymentTarget", deploymentId=world.deployment_id, targetId=BLUE)
    # Then they carry no instanceLabel, and a label filter matches none of them
    assert "instanceLabel" not in target["deploymentTarget"]["instanceTarget"]
    assert world.listed(ServerInstanceLabel=["Blue", "Green"]) == []
    assert world.listed() == [BLUE, GREEN]


def test_labelled_targets_show_their_label(world: World) -> None:
    # Given targets labelled as a blue/green deployment labels them
    world.label(BLUE, InstanceLabel.BLUE)
    world.label(GREEN, InstanceLabel.GREEN)
    # When they are read
    found = world.call(
        "BatchGetDeploymentTargets", deploymentId=world.deployment_id, targetIds=[GREEN, BLUE]
    )["deploymentTargets"]
    # Then each instanceTarget has its instanceLabel
    assert [t["instanceTarget"]["instanceLabel"] for t in found] == ["Green", "Blue"]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [(["Blue"], [BLUE]), (["Green"], [GREEN]), (["Blue", "Green"], [BLUE, GREEN])],
)
def test_the_label_filter_lists_the_targets_with_those_labels(
    world: World, labels: list[str], expected: list[str]
) -> None:
    world.label(BLUE, InstanceLabel.BLUE)
    world.label(GREEN, InstanceLabel.GREEN)
    assert world.listed(ServerInstanceLabel=labels) == expected


def test_the_deprecated_instance_list_filters_by_label_too(world: World) -> None:
    world.label(GREEN, InstanceLabel.GREEN)
    answer = world.call(
        "ListDeploymentInstances", deploymentId=world.deployment_id, instanceTypeFilter=["Green"]
    )
    assert answer["instancesList"] == [GREEN]


def test_the_label_and_status_filters_combine(world: World) -> None:
    world.label(BLUE, InstanceLabel.BLUE)
    world.label(GREEN, InstanceLabel.GREEN)
    assert world.listed(ServerInstanceLabel=["Green"], TargetStatus=["Pending"]) == [GREEN]
    assert world.listed(ServerInstanceLabel=["Green"], TargetStatus=["Succeeded"]) == []


def test_an_unknown_label_is_refused(world: World) -> None:
    with pytest.raises(CodeDeployError) as error:
        world.listed(ServerInstanceLabel=["Purple"])
    assert error.value.name == "InvalidInstanceTypeException"
