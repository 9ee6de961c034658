"""A succeeded EC2 blue/green deployment's green fleet becomes its deployment group's members
(``DeploymentGroupAdoption``), over the in-memory deployment groups and Auto Scaling hooks."""

from __future__ import annotations

from typing import Any

import pytest

from rollwright.blue_green_adoption import (
    CopiedAutoScalingGroup,
    DeploymentGroupAdoption,
    adopted_membership,
)
from rollwright.blue_green_targets import TargetInstances
from rollwright.deployment_group_settings import TagFilter, TagFilterType
from rollwright.dispatch import dispatch
from rollwright.operations.shapes import CodeDeployServices
from tests.fakes.auto_scaling import FakeLifecycleHooks
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
COPY = "CodeDeploy_web_d-1"
BLUE_TAG = {"Key": "color", "Value": "blue", "Type": "KEY_AND_VALUE"}
GREEN = TagFilter("color", "green", TagFilterType.KEY_AND_VALUE)
GREEN_TAG = {"Key": "color", "Value": "green", "Type": "KEY_AND_VALUE"}
RELEASE = TagFilter("release", None, TagFilterType.KEY_ONLY)
RELEASE_TAG = {"Key": "release", "Type": "KEY_ONLY"}


def _configuration(action: str) -> dict[str, Any]:
    return {
        "greenFleetProvisioningOption": {"action": action},
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "KEEP_ALIVE"},
    }


class World:
    def __init__(self) -> None:
        self.hooks = FakeLifecycleHooks(groups={"web-asg", "api-asg", COPY})
        self.services: CodeDeployServices = in_memory_services(hooks=self.hooks)
        self.adoption = DeploymentGroupAdoption(self.services.deployment_groups)
        self.call("CreateApplication", applicationName="shop")

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return dispatch(operation, params, self.services)

    def create(self, action: str = "DISCOVER_EXISTING", **members: Any) -> None:
        self.call(
            "CreateDeploymentGroup",
            applicationName="shop",
            deploymentGroupName="web",
            serviceRoleArn=ROLE,
            deploymentStyle={
                "deploymentType": "BLUE_GREEN",
                "deploymentOption": "WITH_TRAFFIC_CONTROL",
            },
            loadBalancerInfo={"targetGroupInfoList": [{"name": "web-tg"}]},
            blueGreenDeploymentConfiguration=_configuration(action),
            **members,
        )

    def members(self) -> tuple[list[Any], list[Any], list[str]]:
        info = self.call("GetDeploymentGroup", applicationName="shop", deploymentGroupName="web")[
            "deploymentGroupInfo"
        ]
        return (
            info.get("ec2TagFilters", []),
            info.get("ec2TagSet", {}).get("ec2TagSetList", []),
            [g["name"] for g in info.get("autoScalingGroups", [])],
        )


@pytest.fixture
def world() -> World:
    return World()


def test_discovered_tag_filters_become_the_groups_and_clear_its_tag_set(world: World) -> None:
    # Given a group selecting blue by a tag set
    world.create(ec2TagSet={"ec2TagSetList": [[BLUE_TAG]]})
    # When a deployment to the instances tagged green succeeds
    world.adoption.adopt("shop", "web", TargetInstances(tag_filters=(GREEN,)))
    # Then the group selects them by those tag filters, and no longer by its tag set
    assert world.members() == ([GREEN_TAG], [], [])


def test_a_discovered_tag_set_becomes_the_groups_and_clears_its_tag_filters(world: World) -> None:
    # Given a group selecting blue by tag filters
    world.create(ec2TagFilters=[BLUE_TAG])
    # When a deployment to the instances an ec2TagSet selects succeeds
    world.adoption.adopt("shop", "web", TargetInstances(tag_set=((GREEN,), (RELEASE,))))
    # Then the group's tag set is that one, and its tag filters are gone
    assert world.members() == ([], [[GREEN_TAG], [RELEASE_TAG]], [])


def test_discovered_auto_scaling_groups_replace_the_groups_and_the_launch_hook_moves(
    world: World,
) -> None:
    # Given a group of an Auto Scaling group and tagged instances, its launch hook installed
    world.create(ec2TagFilters=[BLUE_TAG], autoScalingGroups=["web-asg"])
    assert world.hooks.names("web-asg")
    # When a deployment to another Auto Scaling group's instances succeeds
    world.adoption.adopt("shop", "web", TargetInstances(auto_scaling_groups=("api-asg",)))
    # Then the group names only that Auto Scaling group, which has the hook now; the tags and
    # the old group's hook are gone
    assert world.members() == ([], [], ["api-asg"])
    assert world.hooks.names("api-asg")
    assert not world.hooks.names("web-asg")


def test_a_copy_replaces_the_auto_scaling_group_it_was_made_from(world: World) -> None:
    # Given a COPY_AUTO_SCALING_GROUP group of web-asg
    world.create("COPY_AUTO_SCALING_GROUP", autoScalingGroups=["web-asg"])
    # When a deployment to its copy succeeds
    world.adoption.adopt("shop", "web", CopiedAutoScalingGroup("web-asg", COPY))
    # Then the group names the copy, which takes the launch hook
    assert world.members() == ([], [], [COPY])
    assert world.hooks.names(COPY)
    assert not world.hooks.names("web-asg")


@pytest.mark.parametrize(
    ("action", "members", "green"),
    [
        ("DISCOVER_EXISTING", {"ec2TagFilters": [BLUE_TAG]}, TargetInstances(tag_filters=(GREEN,))),
        (
            "COPY_AUTO_SCALING_GROUP",
            {"autoScalingGroups": ["web-asg"]},
            CopiedAutoScalingGroup("web-asg", COPY),
        ),
    ],
)
def test_a_retried_adoption_writes_nothing(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    members: dict[str, Any],
    green: TargetInstances | CopiedAutoScalingGroup,
) -> None:
    # Given a group that adopted a deployment's green fleet
    world.create(action, **members)
    world.adoption.adopt("shop", "web", green)
    adopted = world.members()

    def no_write(**_: Any) -> None:
        raise AssertionError("the group was written again")

    monkeypatch.setattr(world.services.deployment_groups, "update", no_write)
    # When the step is retried / Then the group is not written again, and stays as adopted
    world.adoption.adopt("shop", "web", green)
    assert world.members() == adopted


def test_a_group_already_selecting_the_green_fleet_needs_no_change(world: World) -> None:
    world.create(ec2TagFilters=[GREEN_TAG])
    settings = world.services.deployment_groups.get("shop", "web").settings
    assert adopted_membership(settings, TargetInstances(tag_filters=(GREEN,))) is None
    assert adopted_membership(settings, TargetInstances(tag_set=((GREEN,),))) is not None
