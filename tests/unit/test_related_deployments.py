"""``relatedDeployments``: an auto-update deployment and the deployment whose end started it."""

from __future__ import annotations

import pytest

from rollwright.deployment_status import DeploymentStatus
from tests.unit.test_auto_scaling_launches import OLD, World


@pytest.fixture
def world() -> World:
    return World()


def _auto_update_after_v2(world: World) -> tuple[str, str]:
    """v1 on OLD, v2 deployed to OLD while NEW launched with v1; v2's end updates NEW: (v2's
    id, the auto-update's id)."""
    second = world.v2_while_new_launches()
    world.end(second, DeploymentStatus.SUCCEEDED)
    world.installed(OLD, second)
    auto_update = world.update_outdated(second, "user", [OLD])
    assert auto_update is not None
    return second, auto_update


def test_the_auto_update_and_its_root_name_each_other(world: World) -> None:
    # Given an auto-update started by v2's end
    root, auto_update = _auto_update_after_v2(world)
    # When both are read with GetDeployment
    root_info = world.call("GetDeployment", deploymentId=root)["deploymentInfo"]
    update_info = world.call("GetDeployment", deploymentId=auto_update)["deploymentInfo"]
    # Then each names the other as the model's RelatedDeployments says
    assert root_info["relatedDeployments"] == {
        "autoUpdateOutdatedInstancesDeploymentIds": [auto_update]
    }
    assert update_info["relatedDeployments"] == {
        "autoUpdateOutdatedInstancesRootDeploymentId": root
    }


def test_a_retried_end_links_the_same_auto_update_once(world: World) -> None:
    # Given an auto-update started by v2's end
    root, auto_update = _auto_update_after_v2(world)
    # When the end is looked at again (a retried finish step)
    again = world.update_outdated(root, "user", [OLD])
    # Then it answers the same auto-update, listed once
    info = world.call("BatchGetDeployments", deploymentIds=[root])["deploymentsInfo"][0]
    assert again == auto_update
    assert info["relatedDeployments"]["autoUpdateOutdatedInstancesDeploymentIds"] == [auto_update]


def test_a_deployment_without_auto_updates_has_no_related_deployments(world: World) -> None:
    # Given a plain successful deployment / When it is read / Then no relatedDeployments
    first = world.deploy("v1.zip", DeploymentStatus.SUCCEEDED)
    assert (
        "relatedDeployments"
        not in world.call("GetDeployment", deploymentId=first)["deploymentInfo"]
    )
