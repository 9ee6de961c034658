"""Auto Scaling integration on the devstack: moto runs the Auto Scaling group and its instances,
a real agent runs on each instance id, and the stock ``codedeploy`` client drives the group.

moto emits no lifecycle actions; the devstack synthesizes them (``devstack/lifecycle_actions.py``):
a scale-out instance of a group with a launch hook waits in ``Pending:Wait`` and Auto Scaling's
``EC2 Instance-launch Lifecycle Action`` event goes to the default bus.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.agent_hosts import revision_location, upload_revision
from tests.e2e.deployments import ended_deployment
from tests.e2e.fleet_agents import FleetAgents, group_members, launch_auto_scaling_group
from tests.e2e.test_deployments_api import ROLE

HOOKS = ["ApplicationStop", "ApplicationStart", "ValidateService"]
# Each hook logs to the host's hooks.log; ApplicationStart writes the revision's version into the
# host's deployment root; ValidateService waits while the host has a hold file.
SCRIPT = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
if [ "$LIFECYCLE_EVENT" = ApplicationStart ]; then echo {version} > "$root/version"; fi
if [ "$LIFECYCLE_EVENT" = ValidateService ]; then
  for _ in $(seq 600); do [ -e "$root/hold" ] || break; sleep 0.1; done
fi
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""
TIMEOUT = 120.0
LAUNCH_HOOK_PREFIX = "CodeDeploy-managed-automatic-launch-deployment-hook-web-"


def _application(codedeploy: Any, prefix: str, auto_scaling_group: str, **group: Any) -> str:
    """A new application (``<prefix>-<random>``) whose deployment group "web" is on
    ``auto_scaling_group``, with ``group``'s other CreateDeploymentGroup members; its name."""
    application = f"{prefix}-{uuid.uuid4().hex[:8]}"
    codedeploy.create_application(applicationName=application)
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName="web",
        serviceRoleArn=ROLE,
        autoScalingGroups=[auto_scaling_group],
        **group,
    )
    return application


def _deploy(devstack, tmp_path: Path, codedeploy: Any, application: str, version: str) -> str:
    """A deployment to "web" of a revision whose ApplicationStart writes ``version``."""
    revision = upload_revision(
        devstack,
        tmp_path / version,
        f"e2e/{application}-{version}.zip",
        hooks=HOOKS,
        script=SCRIPT.format(version=version),
    )
    return str(
        codedeploy.create_deployment(
            applicationName=application,
            deploymentGroupName="web",
            revision=revision_location(revision),
        )["deploymentId"]
    )


def _until(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


@pytest.fixture
def auto_scaling_group(devstack, tmp_path):
    """An Auto Scaling group of one instance, with a running agent on it; its name, its agents
    (the test attaches agents to the instances it launches) and the Auto Scaling client."""
    autoscaling = devstack.aws_client("autoscaling")
    name = f"asg-{uuid.uuid4().hex[:8]}"
    launch_auto_scaling_group(devstack, name, desired=1)
    with FleetAgents(devstack, tmp_path) as agents:
        agents.attach(name)
        yield name, agents, autoscaling


def _lifecycle_state(autoscaling: Any, instance_id: str) -> str:
    (state,) = autoscaling.describe_auto_scaling_instances(InstanceIds=[instance_id])[
        "AutoScalingInstances"
    ]
    return str(state["LifecycleState"])


def test_a_scale_out_instance_gets_the_last_good_revision_before_going_in_service(
    devstack, tmp_path, auto_scaling_group
):
    name, agents, autoscaling = auto_scaling_group
    hosts = agents.hosts
    codedeploy = devstack.codedeploy_client()
    # Given a deployment group on the Auto Scaling group, which installs its launch hook
    application = _application(codedeploy, "asg-e2e", name)
    info = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName="web")
    (installed,) = info["deploymentGroupInfo"]["autoScalingGroups"]
    assert installed["name"] == name
    assert installed["hook"].startswith(LAUNCH_HOOK_PREFIX)
    hooks = autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"]
    assert [(h["LifecycleHookName"], h["LifecycleTransition"]) for h in hooks] == [
        (installed["hook"], "autoscaling:EC2_INSTANCE_LAUNCHING")
    ]
    # And v1 deployed successfully to its instance
    first = _deploy(devstack, tmp_path, codedeploy, application, "v1")
    assert ended_deployment(codedeploy, first)["status"] == "Succeeded"
    assert [(h.root / "version").read_text().strip() for h in hosts.values()] == ["v1"]

    # When the Auto Scaling group scales out by one
    autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=2)
    (new,) = set(group_members(autoscaling, name)) - set(hosts)
    # (held by the launch hook until its deployment ends)
    assert _lifecycle_state(autoscaling, new) == "Pending:Wait"
    assert agents.attach(name) == (new,)

    # Then an autoscaling deployment of v1 to the new instance alone succeeds
    def launch_deployment() -> dict[str, Any] | None:
        ids = codedeploy.list_deployments(applicationName=application, deploymentGroupName="web")
        for info in codedeploy.batch_get_deployments(deploymentIds=ids["deployments"])[
            "deploymentsInfo"
        ]:
            if info["creator"] == "autoscaling":
                return dict(info)
        return None

    launch = _until(launch_deployment, "the launch deployment")
    assert ended_deployment(codedeploy, launch["deploymentId"])["status"] == "Succeeded"
    assert (
        launch["revision"]
        == codedeploy.get_deployment(deploymentId=first)["deploymentInfo"]["revision"]
    )
    targets = codedeploy.list_deployment_targets(deploymentId=launch["deploymentId"])
    assert targets["targetIds"] == [new]
    # And the new instance runs v1, installed by its agent
    assert (hosts[new].root / "version").read_text().strip() == "v1"

    # And its lifecycle action was completed: the instance left Pending:Wait for InService
    _until(
        lambda: _lifecycle_state(autoscaling, new) == "InService",
        "the new instance to go in service",
        timeout=30,
    )

    # When the Auto Scaling group leaves the deployment group
    answer = codedeploy.update_deployment_group(
        applicationName=application, currentDeploymentGroupName="web", autoScalingGroups=[]
    )
    # Then its hook is removed, and none is reported as left behind
    assert answer["hooksNotCleanedUp"] == []
    assert autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"] == []


def _created_by(codedeploy: Any, application: str, creator: str) -> list[dict[str, Any]]:
    ids = codedeploy.list_deployments(applicationName=application, deploymentGroupName="web")
    if not ids["deployments"]:
        return []
    infos = codedeploy.batch_get_deployments(deploymentIds=ids["deployments"])["deploymentsInfo"]
    return [dict(info) for info in infos if info["creator"] == creator]


def test_an_instance_launched_during_a_deployment_is_auto_updated_after_it(
    devstack, tmp_path, auto_scaling_group
):
    name, agents, autoscaling = auto_scaling_group
    hosts = agents.hosts
    (old,) = hosts
    codedeploy = devstack.codedeploy_client()
    # Given a group on the Auto Scaling group (outdatedInstancesStrategy UPDATE) with v1 deployed
    application = _application(codedeploy, "asg-update", name, outdatedInstancesStrategy="UPDATE")
    first = _deploy(devstack, tmp_path, codedeploy, application, "v1")
    assert ended_deployment(codedeploy, first)["status"] == "Succeeded"
    # And v2 in progress, held in its ValidateService
    (hosts[old].root / "hold").touch()
    second = _deploy(devstack, tmp_path, codedeploy, application, "v2")
    _until(lambda: (hosts[old].root / "version").read_text().strip() == "v2", "v2 to install")

    # When the group scales out during v2 (agents attached by the watcher, as for a copied
    # group): the new instance gets v1, the last good revision
    agents.watch(name)
    autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=2)
    (new,) = set(group_members(autoscaling, name)) - {old}
    _until(lambda: new in hosts, "an agent on the new instance", timeout=30)
    (launch,) = _until(lambda: _created_by(codedeploy, application, "autoscaling"), "launch")
    assert ended_deployment(codedeploy, launch["deploymentId"])["status"] == "Succeeded"
    assert (hosts[new].root / "version").read_text().strip() == "v1"
    # And v2 then succeeds
    (hosts[old].root / "hold").unlink()
    assert ended_deployment(codedeploy, second)["status"] == "Succeeded"

    # Then an auto-update deployment brings v2 to the new instance
    (update,) = _until(
        lambda: _created_by(codedeploy, application, "CodeDeployAutoUpdate"), "the auto-update"
    )
    assert ended_deployment(codedeploy, update["deploymentId"])["status"] == "Succeeded"
    targets = codedeploy.list_deployment_targets(deploymentId=update["deploymentId"])
    assert targets["targetIds"] == [new]
    assert (hosts[new].root / "version").read_text().strip() == "v2"
    # And the auto-update and v2, whose end started it, name each other
    related = codedeploy.get_deployment(deploymentId=update["deploymentId"])["deploymentInfo"]
    assert related["relatedDeployments"] == {"autoUpdateOutdatedInstancesRootDeploymentId": second}
    root = codedeploy.batch_get_deployments(deploymentIds=[second])["deploymentsInfo"][0]
    assert root["relatedDeployments"] == {
        "autoUpdateOutdatedInstancesDeploymentIds": [update["deploymentId"]]
    }


def test_termination_hooks_come_with_the_group_and_go_with_its_deletion(
    devstack, auto_scaling_group
):
    name, _, autoscaling = auto_scaling_group
    codedeploy = devstack.codedeploy_client()
    # When a group with terminationHookEnabled is created on the Auto Scaling group
    application = _application(codedeploy, "asg-term", name, terminationHookEnabled=True)
    # Then the Auto Scaling group holds its launch and termination hooks, as the group says
    info = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName="web")
    (installed,) = info["deploymentGroupInfo"]["autoScalingGroups"]
    hooks = autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"]
    assert {h["LifecycleHookName"]: h["LifecycleTransition"] for h in hooks} == {
        installed["hook"]: "autoscaling:EC2_INSTANCE_LAUNCHING",
        installed["terminationHook"]: "autoscaling:EC2_INSTANCE_TERMINATING",
    }
    # When the group is deleted / Then both hooks are removed and none is reported
    answer = codedeploy.delete_deployment_group(
        applicationName=application, deploymentGroupName="web"
    )
    assert answer["hooksNotCleanedUp"] == []
    assert autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"] == []


def test_a_scale_in_instance_runs_a_termination_deployment_then_terminates(
    devstack, tmp_path, auto_scaling_group
):
    name, agents, autoscaling = auto_scaling_group
    (old,) = agents.hosts
    codedeploy = devstack.codedeploy_client()
    # Given a group with terminationHookEnabled on the Auto Scaling group, with v1 deployed
    application = _application(codedeploy, "asg-scale-in", name, terminationHookEnabled=True)
    first = _deploy(devstack, tmp_path, codedeploy, application, "v1")
    assert ended_deployment(codedeploy, first)["status"] == "Succeeded"

    # When the Auto Scaling group scales in (its instance waits in Terminating:Wait)
    autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=0)
    assert _lifecycle_state(autoscaling, old) == "Terminating:Wait"

    # Then an autoscalingTermination deployment to that instance succeeds
    (termination,) = _until(
        lambda: _created_by(codedeploy, application, "autoscalingTermination"), "termination"
    )
    assert ended_deployment(codedeploy, termination["deploymentId"])["status"] == "Succeeded"
    target = codedeploy.get_deployment_target(
        deploymentId=termination["deploymentId"], targetId=old
    )["deploymentTarget"]["instanceTarget"]
    # (its lifecycle: ApplicationStop alone, as the instance is behind no load balancer)
    assert [(e["lifecycleEventName"], e["status"]) for e in target["lifecycleEvents"]] == [
        ("ApplicationStop", "Succeeded")
    ]
    # And v1's ApplicationStop ran on the instance, after v1's own hooks
    started = [event for event, what, _ in agents.host(old).hook_lines() if what == "start"]
    assert started == ["ApplicationStart", "ValidateService", "ApplicationStop"]
    # And the instance then terminated
    _until(lambda: old not in group_members(autoscaling, name), "the instance to leave the group")
    ec2 = devstack.aws_client("ec2")
    (reservation,) = ec2.describe_instances(InstanceIds=[old])["Reservations"]
    assert reservation["Instances"][0]["State"]["Name"] in ("shutting-down", "terminated")


def test_a_deployment_group_naming_a_missing_auto_scaling_group_is_refused(devstack):
    # Given no Auto Scaling group "missing-asg"
    codedeploy = devstack.codedeploy_client()
    application = f"asg-e2e-{uuid.uuid4().hex[:8]}"
    codedeploy.create_application(applicationName=application)
    # When a deployment group names it / Then InvalidAutoScalingGroupException, and no group
    with pytest.raises(codedeploy.exceptions.InvalidAutoScalingGroupException):
        codedeploy.create_deployment_group(
            applicationName=application,
            deploymentGroupName="web",
            serviceRoleArn=ROLE,
            autoScalingGroups=["missing-asg"],
        )
    listed = codedeploy.list_deployment_groups(applicationName=application)
    assert listed["deploymentGroups"] == []
