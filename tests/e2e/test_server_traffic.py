"""An in-place deployment with a load balancer on the devstack: moto EC2 instances in an ELBv2
target group, real agents named after the instances, BlockTraffic and AllowTraffic done by the
control plane between their segments."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from devstack.agent_hosts import stop_agents
from rollwright.lifecycle import AGENT_EVENTS, IN_PLACE_WITH_TRAFFIC, LifecycleEvent
from rollwright.target_selection import TargetKind
from rollwright.traffic_control import TrafficTargets
from tests.e2e.agent_hosts import Host, start_agent
from tests.e2e.deployments import records, start_workflow, wait_for_workflow, write_deployment
from tests.e2e.test_server_rollout import revision

__all__ = ["revision"]

RECORDED = [
    e
    for e in IN_PLACE_WITH_TRAFFIC
    if e in AGENT_EVENTS or e in {LifecycleEvent.BLOCK_TRAFFIC, LifecycleEvent.ALLOW_TRAFFIC}
]


@pytest.fixture
def fleet(devstack, tmp_path):
    ec2 = devstack.aws_client("ec2")
    elbv2 = devstack.aws_client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ids = [
        i["InstanceId"]
        for i in ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2)["Instances"]
    ]
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    group_arn = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group_arn, Targets=[{"Id": i} for i in ids])
    hosts = {i: Host(host_id=i, root=tmp_path / i) for i in ids}
    yield hosts, name, group_arn, elbv2
    stop_agents(hosts.values())


class TargetGroupWatch:
    """Samples the target group's registered instances while the deployment runs."""

    def __init__(self, elbv2, group_arn: str) -> None:
        self.samples: list[tuple[float, float, set[str]]] = []
        self._elbv2, self._arn = elbv2, group_arn
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TargetGroupWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def registered(self) -> set[str]:
        health = self._elbv2.describe_target_health(TargetGroupArn=self._arn)
        return {
            h["Target"]["Id"]
            for h in health["TargetHealthDescriptions"]
            if h["TargetHealth"]["State"] != "unused"
        }

    def _run(self) -> None:
        while not self._stop.is_set():
            before = time.time()
            members = self.registered()
            self.samples.append((before, time.time(), members))
            time.sleep(0.05)


def test_each_instance_leaves_the_target_group_for_its_install_and_returns(
    devstack, revision, fleet
):
    # Given two EC2 instances registered in a target group, each with a running agent
    hosts, group_name, group_arn, elbv2 = fleet
    for host in hosts.values():
        start_agent(devstack, host)
    # (OneAtATime, with patient host limits: not about dead hosts; 6-s limits failed one in CI)
    deployment_id = write_deployment(
        devstack,
        revision,
        hosts.values(),
        load_balancers=TrafficTargets(target_group_names=(group_name,)),
        kind=TargetKind.EC2,
    )
    # When the OneAtATime deployment with the target group runs
    with TargetGroupWatch(elbv2, group_arn) as watch:
        execution = wait_for_workflow(devstack, start_workflow(devstack, deployment_id))
    # Then it succeeded and both instances are back in the target group
    assert execution["status"] == "SUCCEEDED", execution
    assert watch.registered() == set(hosts)
    stored = records(devstack)
    for host in hosts.values():
        # And every event of the load balancer sequence ran, in order, on each host
        events = stored.target_item(deployment_id, host.host_id)["lifecycle_events"]
        assert {name: events[name.value]["status"] for name in RECORDED} == dict.fromkeys(
            RECORDED, "Succeeded"
        )
        starts = [int(events[name.value]["start_time_ms"]) for name in RECORDED]
        assert starts == sorted(starts)
        # And the instance was out of the target group throughout its install hooks
        lines = host.hook_lines()
        assert [event for event, what, _ in lines if what == "start"] == [
            "BeforeInstall",
            "AfterInstall",
            "ApplicationStart",
            "ValidateService",
        ]
        first, last = lines[0][2], lines[-1][2]
        during = [
            members for before, after, members in watch.samples if first <= before and after <= last
        ]
        assert during, "no sample of the target group during the install"
        assert all(host.host_id not in members for members in during)
        # And in it before its turn came (the other host's install)
        other = next(h for h in hosts.values() if h is not host)
        other_lines = other.hook_lines()
        beside = [
            members
            for before, after, members in watch.samples
            if other_lines[0][2] <= before and after <= other_lines[-1][2]
        ]
        assert beside
        assert all(host.host_id in members for members in beside)
