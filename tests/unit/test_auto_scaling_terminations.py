"""Scale-in instances get a termination deployment (``terminationHookEnabled``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rollwright.auto_scaling_launches import (
    LifecycleAction,
    LifecycleActionResult,
    LifecycleTransition,
)
from rollwright.deployment_plan import plan_deployment
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent
from rollwright.lifecycle_segments import agent_segments, in_place_events
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import DeploymentTarget, TargetKind
from tests.unit.test_auto_scaling_launches import OLD, World
from tests.unit.test_deployment_plan import _settings

E = LifecycleEvent


@pytest.fixture
def world() -> World:
    world = World()
    world.call(
        "UpdateDeploymentGroup",
        applicationName="shop",
        currentDeploymentGroupName="web",
        terminationHookEnabled=True,
    )
    world.group = world.services.deployment_groups.get("shop", "web")
    return world


def _terminating(world: World, hook: str | None = None) -> LifecycleAction:
    (hooks,) = world.group.auto_scaling_hooks
    assert hooks.termination_hook
    return LifecycleAction(
        auto_scaling_group="web-asg",
        hook_name=hook or hooks.termination_hook,
        instance_id=OLD,
        token=f"token-term-{OLD}",
        transition=LifecycleTransition.TERMINATING,
        deployment_group_id=world.group.deployment_group_id,
    )


def test_a_termination_deployment_blocks_traffic_then_stops_the_application():
    # Given a host behind a load balancer / When its termination lifecycle is asked for
    # Then it leaves the load balancer, then its application stops; nothing is installed
    assert in_place_events(with_load_balancer=True, termination=True) == (
        E.START,
        E.BEFORE_BLOCK_TRAFFIC,
        E.BLOCK_TRAFFIC,
        E.AFTER_BLOCK_TRAFFIC,
        E.APPLICATION_STOP,
        E.END,
    )
    assert agent_segments(with_load_balancer=True, termination=True) == (
        (E.BEFORE_BLOCK_TRAFFIC,),
        (E.AFTER_BLOCK_TRAFFIC, E.APPLICATION_STOP),
    )


def test_without_a_load_balancer_a_termination_deployment_only_stops_the_application():
    assert in_place_events(with_load_balancer=False, termination=True) == (
        E.START,
        E.APPLICATION_STOP,
        E.END,
    )
    assert agent_segments(with_load_balancer=False, termination=True) == ((E.APPLICATION_STOP,),)


def test_the_plan_of_an_autoscaling_termination_deployment_has_the_termination_lifecycle():
    # Given the settings of a deployment created by autoscalingTermination
    settings = replace(_settings(), creator="autoscalingTermination")
    # When it is planned / Then its host gets the termination lifecycle
    plan = plan_deployment(
        settings, [DeploymentTarget("i-1", "i-1", TargetKind.EC2)], create_time=1.0
    )
    assert plan.targets[0].segments == ((E.APPLICATION_STOP,),)
    assert plan.targets[0].lifecycle_events == (E.START, E.APPLICATION_STOP, E.END)


def test_a_scale_in_instance_gets_a_termination_deployment_of_the_last_good_revision(
    world: World,
) -> None:
    # Given a group with termination hooks whose v1 succeeded
    first = world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    # When its Auto Scaling group terminates an instance
    outcome = world.launches.on_lifecycle_action(_terminating(world))
    # Then a deployment of v1 to that instance alone, created by autoscalingTermination, holds
    # the action
    assert outcome.deployment_id is not None
    assert outcome.completed is None
    deployment = world.services.deployments.get(outcome.deployment_id)
    assert deployment.creator == "autoscalingTermination"
    assert deployment.choices.revision == world.services.deployments.get(first).choices.revision
    assert list(world.store.targets[outcome.deployment_id]) == [OLD]
    assert world.actions.completed == []
    assert world.held.held[OLD].transition is LifecycleTransition.TERMINATING


def test_a_termination_deployment_runs_beside_the_groups_active_deployment(
    world: World,
) -> None:
    # Given a group with a successful v1 and a v2 deployment in progress
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    running = world.deploy("v2.zip", None)
    # When an instance is terminated meanwhile
    outcome = world.launches.on_lifecycle_action(_terminating(world))
    # Then its termination deployment is created, and v2 still holds the group and its history
    assert outcome.deployment_id not in (None, running)
    assert world.store.active[world.group.deployment_group_id] == running
    history = world.services.deployment_groups.get("shop", "web").history
    assert history.last_attempted_deployment is not None
    assert history.last_attempted_deployment.deployment_id == running


@pytest.mark.parametrize(
    ("status", "host"),
    [
        (DeploymentStatus.SUCCEEDED, InstanceStatus.SUCCEEDED),
        (DeploymentStatus.FAILED, InstanceStatus.FAILED),
        (DeploymentStatus.STOPPED, InstanceStatus.SKIPPED),
    ],
)
def test_the_termination_deployments_end_lets_the_instance_terminate_whatever_its_outcome(
    world: World, status: DeploymentStatus, host: InstanceStatus
) -> None:
    # Given a termination deployment holding the instance's action
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    world.launches.on_lifecycle_action(_terminating(world))
    # When it ends, well or badly / Then the action is completed CONTINUE, once
    done = world.launches.after_deployment("autoscalingTermination", status, {OLD: host})
    assert done == [(OLD, LifecycleActionResult.CONTINUE)]
    assert world.actions.completed == [(OLD, LifecycleActionResult.CONTINUE)]
    assert world.launches.after_deployment("autoscalingTermination", status, {OLD: host}) == []


def test_a_termination_deployment_that_cannot_begin_lets_the_instance_terminate(
    world: World,
) -> None:
    # Given a deployed group whose terminating instance the fleet no longer shows
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    world.fleet.instances.clear()
    # When its termination action arrives / Then the deployment ends at once, and CONTINUE
    outcome = world.launches.on_lifecycle_action(_terminating(world))
    assert outcome.deployment_id is not None
    assert outcome.completed is LifecycleActionResult.CONTINUE
    assert world.actions.completed == [(OLD, LifecycleActionResult.CONTINUE)]
    assert world.held.held == {}


def test_a_group_never_deployed_successfully_lets_the_instance_terminate_at_once(
    world: World,
) -> None:
    # Given a group with no successful deployment / When an instance is terminated
    outcome = world.launches.on_lifecycle_action(_terminating(world))
    # Then CONTINUE at once, and no deployment
    assert outcome.deployment_id is None
    assert world.actions.completed == [(OLD, LifecycleActionResult.CONTINUE)]


def test_a_termination_by_a_hook_the_group_does_not_own_is_let_go_at_once(world: World) -> None:
    # Given a deployed group / When a termination action comes from a hook it does not own
    world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    outcome = world.launches.on_lifecycle_action(_terminating(world, hook="someone-elses"))
    # Then the instance is let go, and no deployment is made
    assert outcome.deployment_id is None
    assert world.actions.completed == [(OLD, LifecycleActionResult.CONTINUE)]
