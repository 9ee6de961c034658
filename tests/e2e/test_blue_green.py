"""EC2 blue/green deployments on the devstack, driven by the stock ``codedeploy`` client: moto runs
the EC2 instances, Auto Scaling groups and an ELBv2 target group, a real agent runs on each
instance id (``FleetAgents`` attaches them to a copied group's instances as they launch).

Each test makes its own blue instances (tagged ``color=blue-<suffix>``, registered in a target
group) and green instances (``color=green-<suffix>``, not registered), so tests sharing the
module's devstack never see each other's instances.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.agent_hosts import Host, revision_location, start_agent, upload_revision
from tests.e2e.fleet_agents import FleetAgents, group_members, launch_auto_scaling_group
from tests.e2e.test_deployments_api import ROLE

HOOKS = [
    "BeforeInstall",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
    "BeforeBlockTraffic",
    "AfterBlockTraffic",
]
# Each hook logs its event to the host's hooks.log, and fails while the host has a
# ``fail-<event>`` file.
SCRIPT = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID" >> "$root/hooks.log"
if [ -e "$root/fail-$LIFECYCLE_EVENT" ]; then exit 1; fi
"""
TIMEOUT = 150.0
ENDED = ("Succeeded", "Failed", "Stopped")


@dataclass
class Fleets:
    suffix: str
    blue: dict[str, Host]
    green: dict[str, Host]
    target_group_name: str
    target_group_arn: str
    elbv2: Any
    ec2: Any

    def registered(self) -> set[str]:
        health = self.elbv2.describe_target_health(TargetGroupArn=self.target_group_arn)
        return {
            h["Target"]["Id"]
            for h in health["TargetHealthDescriptions"]
            if h["TargetHealth"]["State"] not in ("unused", "draining")
        }

    def states(self, instance_ids: set[str] | dict[str, Host]) -> set[str]:
        reservations = self.ec2.describe_instances(InstanceIds=sorted(instance_ids))
        return {i["State"]["Name"] for r in reservations["Reservations"] for i in r["Instances"]}

    def hook_events(self, host: Host) -> list[str]:
        log = host.root / "hooks.log"
        return (
            []
            if not log.exists()
            else [line.split()[0] for line in log.read_text().split("\n") if line]
        )


def _instances(ec2: Any, image: str, count: int, color: str) -> list[str]:
    return [
        i["InstanceId"]
        for i in ec2.run_instances(
            ImageId=image,
            MinCount=count,
            MaxCount=count,
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "color", "Value": color}]}
            ],
        )["Instances"]
    ]


@pytest.fixture
def fleets(devstack, tmp_path) -> Iterator[Fleets]:
    """Two blue instances in a new target group and two green ones outside it, each with an
    agent."""
    ec2 = devstack.aws_client("ec2")
    elbv2 = devstack.aws_client("elbv2")
    suffix = uuid.uuid4().hex[:8]
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    blue = _instances(ec2, image, 2, f"blue-{suffix}")
    green = _instances(ec2, image, 2, f"green-{suffix}")
    name = f"bg-{suffix}"
    arn = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": i} for i in blue])
    made = Fleets(
        suffix,
        {i: Host(host_id=i, root=tmp_path / i) for i in blue},
        {i: Host(host_id=i, root=tmp_path / i) for i in green},
        name,
        arn,
        elbv2,
        ec2,
    )
    hosts = [*made.blue.values(), *made.green.values()]
    for host in hosts:
        start_agent(devstack, host)
    yield made
    for host in hosts:
        if host.daemon is not None:
            host.daemon.request_shutdown()
    for host in hosts:
        if host.thread is not None:
            host.thread.join(timeout=30)


def _until(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def _location(devstack, tmp_path: Path, suffix: str) -> dict[str, Any]:
    return revision_location(
        upload_revision(
            devstack, tmp_path / "bundle", f"e2e/bg-{suffix}.zip", hooks=HOOKS, script=SCRIPT
        )
    )


def _deploy(
    devstack,
    tmp_path: Path,
    fleets: Fleets,
    configuration: dict[str, Any],
    config_name: str = "CodeDeployDefault.AllAtOnce",
    **group: Any,
) -> tuple[Any, str]:
    """A blue/green group over the blue instances with ``configuration``, and a deployment of
    the hook revision to the green instances; the client and the deployment id."""
    codedeploy = devstack.codedeploy_client()
    application = f"bg-{fleets.suffix}"
    codedeploy.create_application(applicationName=application)
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName="web",
        serviceRoleArn=ROLE,
        ec2TagFilters=[{"Key": "color", "Value": f"blue-{fleets.suffix}", "Type": "KEY_AND_VALUE"}],
        deploymentStyle={
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        loadBalancerInfo={"targetGroupInfoList": [{"name": fleets.target_group_name}]},
        blueGreenDeploymentConfiguration=configuration,
        deploymentConfigName=config_name,
        **group,
    )
    deployment_id = codedeploy.create_deployment(
        applicationName=application,
        deploymentGroupName="web",
        revision=_location(devstack, tmp_path, fleets.suffix),
        targetInstances={
            "tagFilters": [
                {"Key": "color", "Value": f"green-{fleets.suffix}", "Type": "KEY_AND_VALUE"}
            ]
        },
    )["deploymentId"]
    return codedeploy, deployment_id


def _info(codedeploy: Any, deployment_id: str) -> dict[str, Any]:
    return dict(codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"])


def _ended(codedeploy: Any, deployment_id: str) -> dict[str, Any]:
    return dict(
        _until(
            lambda: (info := _info(codedeploy, deployment_id))["status"] in ENDED and info,
            f"deployment {deployment_id} to end",
        )
    )


def _labelled(codedeploy: Any, deployment_id: str, label: str) -> set[str]:
    return set(
        codedeploy.list_deployment_targets(
            deploymentId=deployment_id, targetFilters={"ServerInstanceLabel": [label]}
        )["targetIds"]
    )


def _events(codedeploy: Any, deployment_id: str, instance_id: str) -> dict[str, str]:
    (target,) = codedeploy.batch_get_deployment_targets(
        deploymentId=deployment_id, targetIds=[instance_id]
    )["deploymentTargets"]
    return {
        e["lifecycleEventName"]: e["status"] for e in target["instanceTarget"]["lifecycleEvents"]
    }


TERMINATE_AFTER_WAIT = {
    "greenFleetProvisioningOption": {"action": "DISCOVER_EXISTING"},
    "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
    "terminateBlueInstancesOnDeploymentSuccess": {
        "action": "TERMINATE",
        "terminationWaitTimeInMinutes": 60,
    },
}


def test_discover_existing_moves_traffic_to_green_then_terminates_blue_when_continued(
    devstack, tmp_path, fleets
):
    # Given blue instances in the target group and green ones outside it, and a group that
    # terminates blue an hour after rerouting, one instance at a time
    codedeploy, deployment_id = _deploy(
        devstack, tmp_path, fleets, TERMINATE_AFTER_WAIT, "CodeDeployDefault.OneAtATime"
    )
    # When the deployment reaches its termination wait
    _until(
        lambda: _info(codedeploy, deployment_id)["instanceTerminationWaitTimeStarted"],
        "the termination wait",
    )
    # Then traffic is on green only, blue still runs, and the targets are labelled
    assert fleets.registered() == set(fleets.green)
    assert fleets.states(fleets.blue) == {"running"}
    assert _labelled(codedeploy, deployment_id, "Green") == set(fleets.green)
    assert _labelled(codedeploy, deployment_id, "Blue") == set(fleets.blue)
    # When the wait is ended early
    codedeploy.continue_deployment(
        deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT"
    )
    info = _ended(codedeploy, deployment_id)
    # Then the deployment succeeded and blue is terminated
    assert info["status"] == "Succeeded", info
    assert info["deploymentStyle"]["deploymentType"] == "BLUE_GREEN"
    assert info["loadBalancerInfo"]["targetGroupInfoList"] == [{"name": fleets.target_group_name}]
    assert info["targetInstances"]["tagFilters"] == [
        {"Key": "color", "Value": f"green-{fleets.suffix}", "Type": "KEY_AND_VALUE"}
    ]
    assert info["deploymentOverview"]["Succeeded"] == 4
    _until(lambda: fleets.states(fleets.blue) <= {"shutting-down", "terminated"}, "blue to go")
    assert fleets.registered() == set(fleets.green)
    # And green installed then took traffic; blue only lost it
    for instance_id, host in fleets.green.items():
        assert fleets.hook_events(host) == [
            "BeforeInstall",
            "AfterInstall",
            "ApplicationStart",
            "ValidateService",
            "BeforeAllowTraffic",
            "AfterAllowTraffic",
        ]
        assert set(_events(codedeploy, deployment_id, instance_id).values()) == {"Succeeded"}
    for instance_id in fleets.blue:
        events = _events(codedeploy, deployment_id, instance_id)
        assert events == {
            "BeforeBlockTraffic": "Succeeded",
            "BlockTraffic": "Succeeded",
            "AfterBlockTraffic": "Succeeded",
        } | {name: "Succeeded" for name in events if name in ("Start", "End")}


def test_the_ready_wait_holds_traffic_until_continued_and_keep_alive_keeps_blue(
    devstack, tmp_path, fleets
):
    # Given a group that waits for ContinueDeployment before rerouting and keeps blue alive
    configuration = {
        "greenFleetProvisioningOption": {"action": "DISCOVER_EXISTING"},
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "KEEP_ALIVE"},
    }
    codedeploy, deployment_id = _deploy(devstack, tmp_path, fleets, configuration)
    # When green is installed, the deployment and its green instances are Ready
    info = _until(
        lambda: (found := _info(codedeploy, deployment_id))["status"] == "Ready" and found,
        "the ready wait",
    )
    assert info["deploymentOverview"]["Ready"] == 2
    statuses = codedeploy.batch_get_deployment_targets(
        deploymentId=deployment_id, targetIds=sorted(fleets.green)
    )["deploymentTargets"]
    assert {t["instanceTarget"]["status"] for t in statuses} == {"Ready"}
    # And traffic is still on blue; the wrong wait type is refused
    assert fleets.registered() == set(fleets.blue)
    with pytest.raises(codedeploy.exceptions.InvalidDeploymentWaitTypeException):
        codedeploy.continue_deployment(
            deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT"
        )
    # When it is continued
    codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="READY_WAIT")
    info = _ended(codedeploy, deployment_id)
    # Then it reroutes and succeeds, and blue is out of the target group but still running
    assert info["status"] == "Succeeded", info
    assert fleets.registered() == set(fleets.green)
    assert fleets.states(fleets.blue) == {"running"}
    assert info["instanceTerminationWaitTimeStarted"] is False
    # And blue is out of the deployment group too: it selects green by targetInstances' tags
    group = codedeploy.get_deployment_group(
        applicationName=info["applicationName"], deploymentGroupName="web"
    )["deploymentGroupInfo"]
    assert group["ec2TagFilters"] == info["targetInstances"]["tagFilters"]
    # When the next deployment takes the kept blue instances as its replacements
    second = codedeploy.create_deployment(
        applicationName=info["applicationName"],
        deploymentGroupName="web",
        revision=info["revision"],
        targetInstances={
            "tagFilters": [
                {"Key": "color", "Value": f"blue-{fleets.suffix}", "Type": "KEY_AND_VALUE"}
            ]
        },
    )["deploymentId"]
    # Then its original fleet is the green one
    _until(
        lambda: _info(codedeploy, second)["status"] not in ("Created", "Queued"),
        f"deployment {second} to start",
    )
    assert _labelled(codedeploy, second, "Blue") == set(fleets.green)
    assert _labelled(codedeploy, second, "Green") == set(fleets.blue)
    codedeploy.stop_deployment(deploymentId=second)
    assert _ended(codedeploy, second)["status"] == "Stopped"


def test_a_failed_green_install_fails_the_deployment_and_leaves_blue_serving(
    devstack, tmp_path, fleets
):
    # Given a green instance whose ValidateService fails
    for host in fleets.green.values():
        host.root.mkdir(parents=True, exist_ok=True)
        (host.root / "fail-ValidateService").touch()
    codedeploy, deployment_id = _deploy(devstack, tmp_path, fleets, TERMINATE_AFTER_WAIT)
    # When the deployment runs
    info = _ended(codedeploy, deployment_id)
    # Then it failed; blue still serves and runs; green was never registered
    assert info["status"] == "Failed", info
    assert info["errorInformation"]["code"] == "HEALTH_CONSTRAINTS"
    assert fleets.registered() == set(fleets.blue)
    assert fleets.states(fleets.blue) == {"running"}
    for instance_id in fleets.blue:
        assert set(_events(codedeploy, deployment_id, instance_id).values()) <= {
            "Pending",
            "Skipped",
        }


def test_a_failure_after_rerouting_rolls_traffic_back_to_blue(devstack, tmp_path, fleets):
    # Given green instances whose AfterAllowTraffic fails, and automatic rollback on failure
    for host in fleets.green.values():
        host.root.mkdir(parents=True, exist_ok=True)
        (host.root / "fail-AfterAllowTraffic").touch()
    codedeploy, deployment_id = _deploy(
        devstack,
        tmp_path,
        fleets,
        TERMINATE_AFTER_WAIT,
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
    )
    # When the deployment fails after green was registered
    info = _ended(codedeploy, deployment_id)
    assert info["status"] == "Failed", info
    rollback_id = _until(
        lambda: (
            _info(codedeploy, deployment_id).get("rollbackInfo", {}).get("rollbackDeploymentId")
        ),
        "the rollback deployment",
    )
    rollback = _ended(codedeploy, rollback_id)
    # Then the rollback succeeded: traffic is back on blue only, and blue still runs
    assert rollback["status"] == "Succeeded", rollback
    assert rollback["creator"] == "codeDeployRollback"
    assert fleets.registered() == set(fleets.blue)
    assert fleets.states(fleets.blue) == {"running"}
    # And green ran the block-traffic events in the rollback
    for instance_id in fleets.green:
        events = _events(codedeploy, rollback_id, instance_id)
        assert events["BlockTraffic"] == "Succeeded"


def test_copy_auto_scaling_group_deploys_to_a_copy_that_becomes_the_groups(devstack, tmp_path):
    # Given an Auto Scaling group of two instances serving from a target group
    ec2, elbv2 = devstack.aws_client("ec2"), devstack.aws_client("elbv2")
    autoscaling = devstack.aws_client("autoscaling")
    suffix = uuid.uuid4().hex[:8]
    name = f"bg-asg-{suffix}"
    blue = set(launch_auto_scaling_group(devstack, name, desired=2))
    vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    arn = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]
    # (the group itself is attached to the target group: Auto Scaling registers its instances)
    autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName=name, TargetGroupARNs=[arn])
    fleets = Fleets(suffix, {}, {}, name, arn, elbv2, ec2)
    assert fleets.registered() == blue
    codedeploy = devstack.codedeploy_client()
    application = f"bg-{suffix}"
    with FleetAgents(devstack, tmp_path) as agents:
        # (an agent on each instance, and on each instance of the copy as it launches)
        agents.attach(name)
        agents.watch("CodeDeploy_web_")
        codedeploy.create_application(applicationName=application)
        codedeploy.create_deployment_group(
            applicationName=application,
            deploymentGroupName="web",
            serviceRoleArn=ROLE,
            autoScalingGroups=[name],
            deploymentStyle={
                "deploymentType": "BLUE_GREEN",
                "deploymentOption": "WITH_TRAFFIC_CONTROL",
            },
            loadBalancerInfo={"targetGroupInfoList": [{"name": name}]},
            blueGreenDeploymentConfiguration={
                "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
                "terminateBlueInstancesOnDeploymentSuccess": {
                    "action": "TERMINATE",
                    "terminationWaitTimeInMinutes": 0,
                },
            },
            deploymentConfigName="CodeDeployDefault.AllAtOnce",
        )
        # When a deployment runs
        deployment_id = codedeploy.create_deployment(
            applicationName=application,
            deploymentGroupName="web",
            revision=_location(devstack, tmp_path, suffix),
        )["deploymentId"]
        info = _ended(codedeploy, deployment_id)
        # Then it succeeded on a copy named as CodeDeploy names it, sized to the two originals
        assert info["status"] == "Succeeded", info
        copy = f"CodeDeploy_web_{deployment_id}"
        green = set(group_members(autoscaling, copy))
        assert len(green) == 2
        assert _labelled(codedeploy, deployment_id, "Green") == green
        assert _labelled(codedeploy, deployment_id, "Blue") == blue
        # And traffic is on the copy, the original group is gone, and the group names the copy
        assert fleets.registered() == green
        assert not autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
            "AutoScalingGroups"
        ]
        group = codedeploy.get_deployment_group(
            applicationName=application, deploymentGroupName="web"
        )["deploymentGroupInfo"]
        assert [g["name"] for g in group["autoScalingGroups"]] == [copy]
        # And the copy, created without it, took the original's target group after rerouting
        (described,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[copy])[
            "AutoScalingGroups"
        ]
        assert described["TargetGroupARNs"] == [arn]
