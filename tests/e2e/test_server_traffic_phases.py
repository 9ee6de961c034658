"""Target registrations at the traffic phases of an in-place deployment with a target group, on
the devstack (moto ELBv2): an instance is out of the target group during BeforeAllowTraffic and
back in it by AfterAllowTraffic, and an instance that failed its install is left out
(``test_server_traffic`` covers the install hooks and the instances' turns)."""

from __future__ import annotations

import uuid

import pytest

from rollwright.agent_protocol import S3Revision
from rollwright.target_selection import TargetKind
from rollwright.traffic_control import TrafficTargets
from tests.e2e.agent_hosts import Host, start_agent
from tests.e2e.deployments import (
    ALL_AT_ONCE,
    GATED_HOOKS,
    host_statuses,
    records,
    start_workflow,
    until,
    upload_gated_revision,
    wait_for_workflow,
    write_deployment,
)

TRAFFIC_HOOKS = [*GATED_HOOKS, "BeforeAllowTraffic", "AfterAllowTraffic"]


@pytest.fixture(scope="module")
def revision(devstack, tmp_path_factory) -> S3Revision:
    return upload_gated_revision(
        devstack, tmp_path_factory.mktemp("traffic"), "e2e/traffic-phases.zip", hooks=TRAFFIC_HOOKS
    )


@pytest.fixture
def target_group(devstack, tmp_path):
    """Two EC2 instances registered in a target group, as hosts (agents not started yet)."""
    ec2, elbv2 = devstack.aws_client("ec2"), devstack.aws_client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ids = sorted(
        i["InstanceId"]
        for i in ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2)["Instances"]
    )
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    arn = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": i} for i in ids])
    hosts = [Host(host_id=i, root=tmp_path / i) for i in ids]
    for host in hosts:
        host.root.mkdir()

    def registered() -> set[str]:
        health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        return {h["Target"]["Id"] for h in health if h["TargetHealth"]["State"] != "unused"}

    yield hosts, name, registered
    for host in hosts:
        if host.daemon is not None:
            host.daemon.request_shutdown()
    for host in hosts:
        if host.thread is not None:
            host.thread.join(timeout=30)


def _started(host: Host, event: str) -> bool:
    return (event, "start") in [(e, w) for e, w, _ in host.hook_lines()]


def test_allow_traffic_registers_a_succeeded_instance_between_its_hooks_and_never_a_failed_one(
    devstack, revision, target_group
):
    # Given two instances in a target group: one fails ValidateService, the other is held in
    # BeforeAllowTraffic and in AfterAllowTraffic
    hosts, group_name, registered = target_group
    failing, passing = hosts
    (failing.root / "fail-validate").touch()
    for event in ("BeforeAllowTraffic", "AfterAllowTraffic"):
        (passing.root / f"hold-{event}").touch()
    for host in hosts:
        start_agent(devstack, host)
    # When an AllAtOnce deployment with the target group runs
    deployment_id = write_deployment(
        devstack,
        revision,
        hosts,
        rule=ALL_AT_ONCE,
        config_name="CodeDeployDefault.AllAtOnce",
        load_balancers=TrafficTargets(target_group_names=(group_name,)),
        kind=TargetKind.EC2,
    )
    arn = start_workflow(devstack, deployment_id)
    # Then during BeforeAllowTraffic the instance is still out of the target group
    until(lambda: _started(passing, "BeforeAllowTraffic"), what="BeforeAllowTraffic")
    assert passing.host_id not in registered()
    (passing.root / "hold-BeforeAllowTraffic").unlink()
    # And during AfterAllowTraffic it is back in
    until(lambda: _started(passing, "AfterAllowTraffic"), what="AfterAllowTraffic")
    assert passing.host_id in registered()
    (passing.root / "hold-AfterAllowTraffic").unlink()
    execution = wait_for_workflow(devstack, arn)
    # And the deployment succeeded on one instance (AllAtOnce), the failed one left out of the
    # target group, never having reached AllowTraffic
    assert execution["status"] == "SUCCEEDED", execution
    assert host_statuses(devstack, deployment_id, hosts) == ["Failed", "Succeeded"]
    assert registered() == {passing.host_id}
    events = records(devstack).target_item(deployment_id, failing.host_id)["lifecycle_events"]
    assert events["BlockTraffic"]["status"] == "Succeeded"
    assert "start_time_ms" not in events.get("AllowTraffic", {})
    assert not _started(failing, "BeforeAllowTraffic")
