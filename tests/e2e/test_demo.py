"""The `make demo` scenario on the devstack (``devstack.demo``): three real agent processes as
on-premises hosts, the web app's v1 deployed, v2 failing on host-2 and rolled back by itself;
checked through the hosts' files and web pages and through the API, between the demo's steps."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from devstack.demo import DemoScenario
from devstack.demo_hosts import running_processes, stop_hosts

V1_PAGE = "Rollwright demo app v1"


@pytest.fixture
def scenario(devstack, tmp_path) -> Iterator[DemoScenario]:
    """The demo's steps with the hosts under ``tmp_path``; whatever runs there is stopped after."""
    output = io.StringIO()
    demo = DemoScenario(devstack, tmp_path / "hosts", Console(file=output, width=200))
    yield demo
    try:
        demo.stop_hosts()
    finally:
        stop_hosts(tmp_path / "hosts")
        print(output.getvalue())  # the demo's own account, shown when the test fails


def _target_statuses(codedeploy: Any, deployment_id: str) -> dict[str, tuple[str, dict[str, str]]]:
    target_ids = codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
    targets = codedeploy.batch_get_deployment_targets(
        deploymentId=deployment_id, targetIds=target_ids
    )["deploymentTargets"]
    return {
        target["instanceTarget"]["targetId"]: (
            target["instanceTarget"]["status"],
            {
                event["lifecycleEventName"]: event["status"]
                for event in target["instanceTarget"]["lifecycleEvents"]
            },
        )
        for target in targets
    }


def test_the_demo_deploys_v1_and_rolls_a_v2_that_fails_on_one_host_back_to_v1_everywhere(
    devstack, scenario, tmp_path
) -> None:
    codedeploy = devstack.codedeploy_client()
    # Given three registered hosts with their agent processes, and the demo's deployment group
    scenario.prepare_hosts()
    scenario.register_hosts()
    scenario.start_agents()
    scenario.create_application()

    # When v1 is deployed
    first = scenario.deploy_first()

    # Then it succeeded, and every host's web server answers with v1's page
    assert codedeploy.get_deployment(deploymentId=first)["deploymentInfo"]["status"] == "Succeeded"
    assert {host.name: host.answer().heading for host in scenario.hosts} == {
        "host-1": V1_PAGE,
        "host-2": V1_PAGE,
        "host-3": V1_PAGE,
    }

    # When v2 is deployed, whose /health needs an API key file that host-2 lacks
    outcome = scenario.deploy_failing()

    # Then v2 failed on host-2's ValidateService, after host-1 had taken it, and named its rollback
    failed = codedeploy.get_deployment(deploymentId=outcome.failed_deployment_id)["deploymentInfo"]
    assert failed["status"] == "Failed"
    assert failed["rollbackInfo"]["rollbackDeploymentId"] == outcome.rollback_deployment_id
    host_1, host_2, host_3 = (scenario.host(f"host-{n}") for n in (1, 2, 3))
    targets = _target_statuses(codedeploy, outcome.failed_deployment_id)
    assert targets[host_1.host_id][0] == "Succeeded"
    assert targets[host_2.host_id][0] == "Failed"
    assert targets[host_2.host_id][1]["ValidateService"] == "Failed"
    assert targets[host_3.host_id][0] == "Skipped"
    # And the rollback, created by CodeDeploy's rollback creator, succeeded on every host
    rollback = codedeploy.get_deployment(deploymentId=outcome.rollback_deployment_id)[
        "deploymentInfo"
    ]
    assert rollback["status"] == "Succeeded", rollback.get("errorInformation")
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["rollbackInfo"] == {
        "rollbackTriggeringDeploymentId": outcome.failed_deployment_id
    }
    assert rollback["deploymentOverview"]["Succeeded"] == 3
    # And every host serves v1 again: its page, and the version its scripts last started
    for host in scenario.hosts:
        assert host.answer().heading == V1_PAGE
        assert host.started_version() == "v1"
    assert host_1.started_versions() == ["v1", "v2", "v1"]
    assert host_2.started_versions() == ["v1", "v2", "v1"]
    assert host_3.started_versions() == ["v1", "v1"]

    # When the demo stops its hosts
    scenario.stop_hosts()

    # Then no agent, hook or web server of theirs is left running, and they are deregistered
    assert running_processes(tmp_path) == []
    instances = codedeploy.batch_get_on_premises_instances(
        instanceNames=[host.instance_name for host in scenario.hosts]
    )["instanceInfos"]
    assert all("deregisterTime" in instance for instance in instances), instances
