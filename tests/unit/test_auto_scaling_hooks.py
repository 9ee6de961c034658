"""Auto Scaling lifecycle hooks installed and removed with Server deployment groups."""

from __future__ import annotations

from typing import Any

import pytest

from rollwright.auto_scaling_hooks import (
    LAUNCH_HOOK_PREFIX,
    TERMINATION_HOOK_PREFIX,
    hook_name,
)
from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from rollwright.operations.shapes import CodeDeployServices
from tests.fakes.auto_scaling import FakeLifecycleHooks
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"


class World:
    def __init__(self) -> None:
        self.hooks = FakeLifecycleHooks()
        self.services: CodeDeployServices = in_memory_services(hooks=self.hooks)
        self.call("CreateApplication", applicationName="shop")

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return dispatch(operation, params, self.services)

    def create(self, **members: Any) -> None:
        self.call(
            "CreateDeploymentGroup",
            applicationName="shop",
            deploymentGroupName="web",
            serviceRoleArn=ROLE,
            **members,
        )

    def info(self) -> dict[str, Any]:
        answer = self.call("GetDeploymentGroup", applicationName="shop", deploymentGroupName="web")
        return dict(answer["deploymentGroupInfo"])

    def update(self, **members: Any) -> dict[str, Any]:
        return self.call(
            "UpdateDeploymentGroup",
            applicationName="shop",
            currentDeploymentGroupName="web",
            **members,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_a_hook_name_is_codedeploys_prefix_the_group_name_and_a_unique_id() -> None:
    # Given a group name / When naming its launch hook / Then CodeDeploy's form
    assert hook_name(LAUNCH_HOOK_PREFIX, "web", "1234") == (
        "CodeDeploy-managed-automatic-launch-deployment-hook-web-1234"
    )


def test_characters_a_hook_name_cannot_hold_become_dashes() -> None:
    # Given a group name with "." and "@", which Auto Scaling refuses in hook names
    # When naming its hook / Then they are dashes
    assert hook_name(TERMINATION_HOOK_PREFIX, "web.prod@eu", "u") == (
        "CodeDeploy-managed-termination-hook-web-prod-eu-u"
    )


def test_a_hook_name_never_exceeds_auto_scalings_limit() -> None:
    # Given the longest group name / When naming its hook / Then at most 255 characters
    assert len(hook_name(LAUNCH_HOOK_PREFIX, "g" * 100, "u" * 200)) == 255


def test_creating_a_group_installs_a_launch_hook_in_each_auto_scaling_group(world: World) -> None:
    # When a group is created with two Auto Scaling groups
    world.create(autoScalingGroups=["web-asg", "api-asg"])
    # Then each has a launch hook, and the group's info names it
    groups = world.info()["autoScalingGroups"]
    assert [g["name"] for g in groups] == ["web-asg", "api-asg"]
    for group in groups:
        assert group["hook"].startswith(f"{LAUNCH_HOOK_PREFIX}-web-")
        assert "terminationHook" not in group
        assert world.hooks.names(group["name"]) == {group["hook"]}


def test_termination_hook_enabled_installs_a_termination_hook_too(world: World) -> None:
    # When a group is created with terminationHookEnabled
    world.create(autoScalingGroups=["web-asg"], terminationHookEnabled=True)
    # Then the Auto Scaling group holds both hooks, as the info says
    (group,) = world.info()["autoScalingGroups"]
    assert group["terminationHook"].startswith(f"{TERMINATION_HOOK_PREFIX}-web-")
    assert world.hooks.names("web-asg") == {group["hook"], group["terminationHook"]}


def test_a_missing_auto_scaling_group_is_refused_and_nothing_is_left_behind(world: World) -> None:
    # When a group names an existing and a missing Auto Scaling group
    with pytest.raises(CodeDeployError) as error:
        world.create(autoScalingGroups=["web-asg", "missing-asg"])
    # Then InvalidAutoScalingGroupException, no group, and no hook in the existing one
    assert error.value.name == "InvalidAutoScalingGroupException"
    assert world.call("ListDeploymentGroups", applicationName="shop")["deploymentGroups"] == []
    assert world.hooks.names("web-asg") == set()


def test_an_auto_scaling_group_leaving_the_group_loses_its_hook(world: World) -> None:
    # Given a group with two Auto Scaling groups
    world.create(autoScalingGroups=["web-asg", "api-asg"])
    kept = world.info()["autoScalingGroups"][0]
    # When an update keeps only web-asg
    answer = world.update(autoScalingGroups=["web-asg"])
    # Then api-asg's hook is removed, web-asg keeps its hook, and nothing was left behind
    assert answer["hooksNotCleanedUp"] == []
    assert world.hooks.names("api-asg") == set()
    assert world.info()["autoScalingGroups"] == [kept]
    assert world.hooks.names("web-asg") == {kept["hook"]}


def test_turning_termination_hooks_off_removes_only_them(world: World) -> None:
    # Given a group with launch and termination hooks
    world.create(autoScalingGroups=["web-asg"], terminationHookEnabled=True)
    launch_hook = world.info()["autoScalingGroups"][0]["hook"]
    # When terminationHookEnabled is turned off
    world.update(terminationHookEnabled=False)
    # Then only the launch hook is left
    assert world.info()["autoScalingGroups"] == [{"name": "web-asg", "hook": launch_hook}]
    assert world.hooks.names("web-asg") == {launch_hook}


def test_a_hook_that_cannot_be_removed_is_answered_in_hooks_not_cleaned_up(world: World) -> None:
    # Given a group whose Auto Scaling group refuses to lose its hook
    world.create(autoScalingGroups=["web-asg"])
    installed = world.info()["autoScalingGroups"][0]
    world.hooks.stuck.add("web-asg")
    # When the Auto Scaling group leaves the group
    answer = world.update(autoScalingGroups=[])
    # Then the hook is answered as not cleaned up, and the group no longer lists it
    assert answer["hooksNotCleanedUp"] == [installed]
    assert world.info()["autoScalingGroups"] == []


def test_deleting_the_group_removes_its_hooks(world: World) -> None:
    # Given a group with hooks in two Auto Scaling groups
    world.create(autoScalingGroups=["web-asg", "api-asg"], terminationHookEnabled=True)
    # When it is deleted
    answer = world.call("DeleteDeploymentGroup", applicationName="shop", deploymentGroupName="web")
    # Then every hook is gone and none is reported
    assert answer["hooksNotCleanedUp"] == []
    assert world.hooks.names("web-asg") == world.hooks.names("api-asg") == set()


def test_an_update_refused_for_a_missing_auto_scaling_group_changes_nothing(
    world: World,
) -> None:
    # Given a group with a hook in web-asg
    world.create(autoScalingGroups=["web-asg"])
    before = world.info()
    # When an update adds a missing Auto Scaling group
    with pytest.raises(CodeDeployError) as error:
        world.update(autoScalingGroups=["web-asg", "missing-asg"])
    # Then it is refused and the group and its hooks are as they were
    assert error.value.name == "InvalidAutoScalingGroupException"
    assert world.info() == before
    assert world.hooks.names("web-asg") == {before["autoScalingGroups"][0]["hook"]}
