"""Real agents on the instances an Auto Scaling group launches (moto's instances have no agent
of their own): for the Auto Scaling and blue/green e2e tests.

``FleetAgents.attach(group)`` starts an agent, as ``start_agent`` wires it, on each member of the
group that has none yet; ``FleetAgents.watch(prefix)`` does it in the background for every group
whose name starts with ``prefix`` (a group the deployment itself creates, such as the
``CodeDeploy_<group>_<deployment>`` copy), until the ``FleetAgents`` is closed. Each instance's
deployment root is ``<root>/<instance id>``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from devstack.agent_hosts import Host, start_agent, stop_agents

WATCH_INTERVAL_SECONDS = 0.5


def launch_auto_scaling_group(devstack: Any, name: str, *, desired: int) -> tuple[str, ...]:
    """An Auto Scaling group ``name`` (maximum 3) of ``desired`` instances from a launch
    configuration of the same name; its members' ids."""
    ec2, autoscaling = devstack.aws_client("ec2"), devstack.aws_client("autoscaling")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    autoscaling.create_launch_configuration(
        LaunchConfigurationName=name, ImageId=image, InstanceType="t3.micro"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchConfigurationName=name,
        MinSize=0,
        MaxSize=3,
        DesiredCapacity=desired,
        AvailabilityZones=[zone],
    )
    members = group_members(autoscaling, name)
    assert len(members) == desired, f"group {name} launched {members}, not {desired} instances"
    return members


def group_members(autoscaling: Any, name: str) -> tuple[str, ...]:
    """The instance ids of the group's members in any lifecycle state; none for a missing
    group."""
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    return tuple(
        sorted(
            instance["InstanceId"]
            for group in groups["AutoScalingGroups"]
            for instance in group["Instances"]
        )
    )


class FleetAgents:
    def __init__(self, devstack: Any, root: Path) -> None:
        self._devstack = devstack
        self._root = root
        self._autoscaling = devstack.aws_client("autoscaling")
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watchers: list[threading.Thread] = []
        self.hosts: dict[str, Host] = {}

    def __enter__(self) -> FleetAgents:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def attach(self, group: str) -> tuple[str, ...]:
        """Start an agent on each member of ``group`` without one; the ids of the new ones."""
        return self._attach(group_members(self._autoscaling, group))

    def watch(self, prefix: str) -> None:
        """Attach agents, until closed, to the members of every group named ``prefix…``."""
        watcher = threading.Thread(target=self._watch, args=(prefix,), daemon=True)
        self._watchers.append(watcher)
        watcher.start()

    def host(self, instance_id: str) -> Host:
        with self._lock:
            return self.hosts[instance_id]

    def close(self) -> None:
        self._stopping.set()
        for watcher in self._watchers:
            watcher.join(timeout=10)
        with self._lock:
            hosts = list(self.hosts.values())
        stop_agents(hosts)

    def _attach(self, instance_ids: tuple[str, ...]) -> tuple[str, ...]:
        started = []
        with self._lock:
            for instance_id in instance_ids:
                if instance_id in self.hosts or self._stopping.is_set():
                    continue
                host = Host(host_id=instance_id, root=self._root / instance_id)
                start_agent(self._devstack, host)
                self.hosts[instance_id] = host
                started.append(instance_id)
        return tuple(started)

    def _watch(self, prefix: str) -> None:
        autoscaling = self._devstack.aws_client("autoscaling")  # a client per thread
        while not self._stopping.wait(WATCH_INTERVAL_SECONDS):
            paginator = autoscaling.get_paginator("describe_auto_scaling_groups")
            members = tuple(
                instance["InstanceId"]
                for page in paginator.paginate()
                for group in page["AutoScalingGroups"]
                if group["AutoScalingGroupName"].startswith(prefix)
                for instance in group["Instances"]
            )
            self._attach(members)
