"""The steps of an EC2 blue/green deployment and its rollback (reference §5 flow, §8)."""

from __future__ import annotations

import pytest

from rollwright.blue_green import InstanceLabel, blue_green_options
from rollwright.blue_green_plan import BlueGreenStep, deployment_steps, rollback_plan
from rollwright.blue_green_rerouting import RerouteBatch, TrafficMove
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    BlueInstanceTermination,
    DeploymentReadyAction,
    DeploymentReadyOption,
    GreenFleetProvisioningAction,
    InstanceAction,
)

S = BlueGreenStep
ALL_AT_ONCE = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 0)


def steps(provisioning, ready, blue):
    return deployment_steps(
        blue_green_options(
            BlueGreenConfiguration(
                terminate_blue_instances=BlueInstanceTermination(blue, 5),
                deployment_ready=DeploymentReadyOption(ready, 5),
                green_fleet_provisioning=provisioning,
            )
        )
    )


def test_discovered_green_continuing_at_once_and_keeping_blue_has_the_fewest_steps():
    assert steps(
        GreenFleetProvisioningAction.DISCOVER_EXISTING,
        DeploymentReadyAction.CONTINUE_DEPLOYMENT,
        InstanceAction.KEEP_ALIVE,
    ) == (S.INSTALL_GREEN, S.ALLOW_TRAFFIC_GREEN, S.BLOCK_TRAFFIC_BLUE)


def test_a_copied_group_waiting_for_ready_and_terminating_blue_has_every_step():
    assert steps(
        GreenFleetProvisioningAction.COPY_AUTO_SCALING_GROUP,
        DeploymentReadyAction.STOP_DEPLOYMENT,
        InstanceAction.TERMINATE,
    ) == (
        S.PROVISION_GREEN,
        S.INSTALL_GREEN,
        S.READY_WAIT,
        S.ALLOW_TRAFFIC_GREEN,
        S.BLOCK_TRAFFIC_BLUE,
        S.TERMINATION_WAIT,
        S.TERMINATE_BLUE,
    )


@pytest.mark.parametrize("provisioning", list(GreenFleetProvisioningAction))
@pytest.mark.parametrize("ready", list(DeploymentReadyAction))
@pytest.mark.parametrize("blue", list(InstanceAction))
def test_green_always_takes_traffic_before_blue_loses_it_and_blue_ends_last(
    provisioning, ready, blue
):
    order = steps(provisioning, ready, blue)
    assert order.index(S.INSTALL_GREEN) < order.index(S.ALLOW_TRAFFIC_GREEN)
    assert order.index(S.ALLOW_TRAFFIC_GREEN) < order.index(S.BLOCK_TRAFFIC_BLUE)
    assert order[-1] in {S.BLOCK_TRAFFIC_BLUE, S.TERMINATE_BLUE}


def test_a_rollback_of_a_copied_group_reroutes_to_blue_then_deletes_the_copy():
    plan = rollback_plan(
        ALL_AT_ONCE,
        blocked_blue=["b1"],
        allowed_green=["g1"],
        auto_scaling_group_copy="CodeDeploy_web_d-ABCDEFGHI",
    )
    assert plan.batches == (
        RerouteBatch(InstanceLabel.BLUE, TrafficMove.ALLOW, ("b1",)),
        RerouteBatch(InstanceLabel.GREEN, TrafficMove.BLOCK, ("g1",)),
    )
    assert plan.delete_auto_scaling_group == "CodeDeploy_web_d-ABCDEFGHI"


def test_a_rollback_before_any_traffic_moved_deletes_only_the_copy_and_leaves_discovered_green():
    copied = rollback_plan(
        ALL_AT_ONCE, blocked_blue=[], allowed_green=[], auto_scaling_group_copy="copy"
    )
    discovered = rollback_plan(
        ALL_AT_ONCE, blocked_blue=[], allowed_green=[], auto_scaling_group_copy=None
    )
    assert copied.batches == discovered.batches == ()
    assert copied.delete_auto_scaling_group == "copy"
    assert discovered.delete_auto_scaling_group is None
