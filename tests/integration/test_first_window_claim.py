"""The first window is claimed in one write and its hosts start a few at a time: a host's report
that arrives while the dispatch step is still starting them starts none itself (issue 5, the
100-host tail)."""

from __future__ import annotations

import boto3

from functions.adapters.concurrent_calls import ConcurrentCalls
from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.host_queues import HostQueues
from functions.adapters.rollout_records import RolloutRecords
from rollwright.agent_protocol import EventOutcome, EventReport, HostCommand
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent
from rollwright.rollout import InstanceStatus
from rollwright.server_rollout import ServerRollout
from tests.integration.state_table import state_table
from tests.integration.test_rollout_records import NOW, RecordingTokens, rollout_plan

__all__ = ["state_table"]

ALL_AT_ONCE = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 0)
HOSTS = [f"h{i}" for i in range(5)]


class RecordingSender:
    """Host queues that note which host each command went to, and may act after the first."""

    def __init__(self, queues: HostQueues) -> None:
        self._queues = queues
        self.sent: list[str] = []
        self.after_first = lambda: None

    def send(self, command: HostCommand) -> None:
        self._queues.send(command)
        self.sent.append(command.host_id)
        if len(self.sent) == 1:
            self.after_first()


def test_a_report_during_the_first_windows_dispatch_starts_no_host_itself(state_table):
    # Given an AllAtOnce deployment to five hosts, and two Lambdas sharing its records: the
    # workflow's dispatch step and the agent function handling host reports
    records = RolloutRecords(state_table)
    queues = HostQueues(boto3.client("sqs", region_name="us-east-1"), queue_prefix="rw-host-")
    dispatch_sender, report_sender = RecordingSender(queues), RecordingSender(queues)
    dispatcher = ServerRollout(records, dispatch_sender, RecordingTokens())
    report_handler = ServerRollout(records, report_sender, RecordingTokens())
    records.write_plan(rollout_plan(HOSTS, ALL_AT_ONCE))
    DeploymentRecords(state_table).transition(
        "d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    first = HOSTS[0]
    last_event = EventReport(
        f"d-1.{first}.0",
        "d-1",
        first,
        LifecycleEvent.VALIDATE_SERVICE,
        EventOutcome.SUCCEEDED,
        at=NOW,
    )
    # ... where the first host finishes and reports while dispatch is still starting the others
    dispatch_sender.after_first = lambda: report_handler.on_event_report(first, last_event, now=NOW)
    # When the dispatch step runs
    dispatcher.dispatch("d-1", "token-1", now=NOW)
    # Then the report handler started no host: the dispatch had claimed the whole window
    assert report_sender.sent == []
    # And every host got its command once, from the dispatch step
    assert sorted(dispatch_sender.sent) == HOSTS
    deployment = records.deployment("d-1")
    assert deployment is not None
    assert (deployment.claimed, deployment.counters.in_progress) == (5, 4)
    assert deployment.counters.succeeded == 1


def test_a_window_started_a_few_hosts_at_a_time_starts_every_host_once(state_table):
    # Given an AllAtOnce deployment to 24 hosts, and a dispatch that starts them 8 at a time
    records = RolloutRecords(state_table)
    queues = HostQueues(boto3.client("sqs", region_name="us-east-1"), queue_prefix="rw-host-")
    sender = RecordingSender(queues)
    dispatcher = ServerRollout(records, sender, RecordingTokens(), start_hosts=ConcurrentCalls(8))
    hosts = [f"h{i:02d}" for i in range(24)]
    records.write_plan(rollout_plan(hosts, ALL_AT_ONCE))
    DeploymentRecords(state_table).transition(
        "d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )
    # When the dispatch step runs
    dispatcher.dispatch("d-1", "token-1", now=NOW)
    # Then every host got one command and is in progress
    assert sorted(sender.sent) == hosts
    assert all(records.host("d-1", host).status is InstanceStatus.IN_PROGRESS for host in hosts)
    deployment = records.deployment("d-1")
    assert deployment is not None
    assert (deployment.claimed, deployment.counters.in_progress) == (24, 24)
