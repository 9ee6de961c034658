"""CreateDeployment and the deployment reads through the stock client, on the devstack, with
three real agents as three registered on-premises instances."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.agent_hosts import HOOKS, Host, registered_fleet, revision_location, upload_revision

ROLE = "arn:aws:iam::123456789012:role/codedeploy"


@pytest.fixture
def fleet(devstack, tmp_path) -> Iterator[tuple[str, dict[str, Host]]]:
    """Three on-premises instances with running agents, tagged ``fleet=<suffix>``."""
    with registered_fleet(devstack, tmp_path, ("host-a", "host-b", "host-c")) as fleet:
        yield fleet


def _group(codedeploy: Any, application: str, name: str, fleet_tag: str) -> None:
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName=name,
        serviceRoleArn=ROLE,
        onPremisesInstanceTagFilters=[
            {"Key": "fleet", "Value": fleet_tag, "Type": "KEY_AND_VALUE"}
        ],
    )


def test_a_server_deployment_runs_on_every_instance_and_reads_back_succeeded(
    devstack, fleet, tmp_path
) -> None:
    # Given an application whose group's tag filter selects three instances with running agents
    suffix, hosts = fleet
    codedeploy = devstack.codedeploy_client()
    application = f"deploy-e2e-{suffix}"
    codedeploy.create_application(applicationName=application)
    _group(codedeploy, application, "web", suffix)
    revision = upload_revision(devstack, tmp_path / "bundle", f"e2e/{suffix}.zip")
    location = revision_location(revision)

    # When the stock client creates a deployment, and at once another one to the same group
    deployment_id = codedeploy.create_deployment(
        applicationName=application,
        deploymentGroupName="web",
        revision=location,
        description="first",
    )["deploymentId"]
    with pytest.raises(codedeploy.exceptions.DeploymentLimitExceededException) as refused:
        codedeploy.create_deployment(
            applicationName=application, deploymentGroupName="web", revision=location
        )

    # Then the second is refused naming the first
    assert deployment_id in refused.value.response["Error"]["Message"]
    # And the stock waiter sees the first succeed
    codedeploy.get_waiter("deployment_successful").wait(
        deploymentId=deployment_id, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert info["status"] == "Succeeded"
    assert info["deploymentOverview"] == {
        "Pending": 0,
        "InProgress": 0,
        "Succeeded": 3,
        "Failed": 0,
        "Skipped": 0,
        "Ready": 0,
    }
    assert (info["description"], info["creator"], info["computePlatform"]) == (
        "first",
        "user",
        "Server",
    )
    assert "completeTime" in info
    # And every host ran every hook
    for host in hosts.values():
        assert [event for event, what, _ in host.hook_lines() if what == "end"] == HOOKS
    # And each target reads back Succeeded with its lifecycle events Succeeded
    target_ids = codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
    assert sorted(target_ids) == sorted(host.host_id for host in hosts.values())
    targets = codedeploy.batch_get_deployment_targets(
        deploymentId=deployment_id, targetIds=target_ids
    )["deploymentTargets"]
    for target in targets:
        instance = target["instanceTarget"]
        assert instance["status"] == "Succeeded"
        events = {e["lifecycleEventName"]: e["status"] for e in instance["lifecycleEvents"]}
        assert set(events.values()) == {"Succeeded"}
        assert set(HOOKS) <= set(events)
    # And the group is free again, and lists the deployment
    listed = codedeploy.list_deployments(applicationName=application, deploymentGroupName="web")
    assert listed["deployments"][0] == deployment_id
    group = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName="web")
    assert group["deploymentGroupInfo"]["lastAttemptedDeployment"]["deploymentId"] == deployment_id


def test_a_deployment_to_a_group_without_instances_fails_with_no_instances(
    devstack, tmp_path
) -> None:
    # Given a group whose tag filter selects no instance
    suffix = uuid.uuid4().hex[:6]
    codedeploy = devstack.codedeploy_client()
    application = f"deploy-e2e-empty-{suffix}"
    codedeploy.create_application(applicationName=application)
    _group(codedeploy, application, "nobody", f"absent-{suffix}")
    # When a deployment is created
    deployment_id = codedeploy.create_deployment(
        applicationName=application,
        deploymentGroupName="nobody",
        revision={
            "revisionType": "S3",
            "s3Location": {"bucket": "artifacts", "key": "web.zip", "bundleType": "zip"},
        },
    )["deploymentId"]
    # Then it exists and has failed with NO_INSTANCES
    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "NO_INSTANCES"
