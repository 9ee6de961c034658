"""The report handler's path from a host's last report to the next host's command, on moto:
claims that answer the deployment (so no read follows them), the order read once, and the
requests the path makes (issue 5: orchestration overhead per host segment)."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest

from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.host_queues import HostQueues
from functions.adapters.rollout_claims import DeploymentOrders
from functions.adapters.rollout_records import RolloutRecords
from rollwright.agent_protocol import EventOutcome, EventReport, read_host_command
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_plan import InstanceHistory
from rollwright.deployment_status import DeploymentStatus
from rollwright.lifecycle import LifecycleEvent
from rollwright.rollout import InstanceHealth
from rollwright.server_rollout import ServerRollout
from tests.integration.state_table import state_table
from tests.integration.test_rollout_records import NOW, RecordingTokens, rollout_plan

__all__ = ["state_table"]

ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)
ALL_AT_ONCE = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 0)
HOSTS = ["h0", "h1", "h2"]


class Operations:
    """The names of the AWS operations a client makes, in order (botocore's before-call event)."""

    def __init__(self, *clients: Any) -> None:
        self.names: list[str] = []
        for client in clients:
            client.meta.events.register("before-call", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)


@pytest.fixture
def sqs(state_table) -> Any:
    return boto3.client("sqs", region_name="us-east-1")


def _begin(table: Any, plan_hosts: list[str], rule: MinimumHealthyHosts, **plan: Any) -> None:
    RolloutRecords(table).write_plan(rollout_plan(plan_hosts, rule, **plan))
    DeploymentRecords(table).transition(
        "d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
    )


def _last_report(host_id: str) -> EventReport:
    return EventReport(
        f"d-1.{host_id}.0",
        "d-1",
        host_id,
        LifecycleEvent.VALIDATE_SERVICE,
        EventOutcome.SUCCEEDED,
        at=NOW,
    )


def _command_ids(sqs: Any, host_id: str) -> list[str]:
    url = sqs.get_queue_url(QueueName=f"rollwright-host-{host_id}")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [read_host_command(json.loads(m["Body"])).command_id for m in messages]


def test_a_claim_answers_the_position_it_took_and_the_deployment_after_it(state_table):
    # Given a OneAtATime deployment to three hosts, nothing claimed yet
    _begin(state_table, HOSTS, ONE_AT_A_TIME)
    # When the next position is claimed, without naming it
    claim = RolloutRecords(state_table).claim("d-1", host_is_healthy=True)
    # Then the claim says which position it took, and the deployment as it left it
    assert claim.position == 0
    assert claim.deployment.claimed == 1
    assert claim.deployment.counters.in_progress == 1


def test_a_refused_claim_answers_the_deployment_as_it_found_it(state_table):
    # Given a OneAtATime deployment whose only slot is taken
    _begin(state_table, HOSTS, ONE_AT_A_TIME)
    records = RolloutRecords(state_table)
    records.claim("d-1", host_is_healthy=True)
    # When another handler claims the next position
    claim = records.claim("d-1", host_is_healthy=True)
    # Then it takes nothing and sees the deployment that refused it
    assert claim.position is None
    assert (claim.deployment.claimed, claim.deployment.counters.free_slots) == (1, 0)


def test_a_claim_of_a_healthy_host_is_refused_while_unhealthy_hosts_come_first(state_table):
    # Given an AllAtOnce deployment whose first host was unhealthy when it began
    history = {"h0": InstanceHistory(instance_health=InstanceHealth.UNHEALTHY)}
    _begin(state_table, HOSTS, ALL_AT_ONCE, history=history)
    records = RolloutRecords(state_table)
    # When a healthy host's position is claimed, Then the unhealthy host's position is not taken
    assert records.claim("d-1", host_is_healthy=True).position is None
    # And a claim of an unhealthy host's position takes it
    assert records.claim("d-1", host_is_healthy=False).position == 0
    assert records.claim("d-1", host_is_healthy=True).position == 1


def test_a_redelivered_last_report_starts_the_next_host_once(state_table, sqs):
    # Given a OneAtATime rollout whose first host runs
    _begin(state_table, HOSTS, ONE_AT_A_TIME)
    records = RolloutRecords(state_table)
    rollout = ServerRollout(
        records, HostQueues(sqs, queue_prefix="rollwright-host-"), RecordingTokens()
    )
    rollout.dispatch("d-1", "token-1", now=NOW)
    # When its last report is delivered twice (an agent retry, a Lambda retry)
    rollout.on_event_report("h0", _last_report("h0"), now=NOW)
    rollout.on_event_report("h0", _last_report("h0"), now=NOW + 1)
    # Then the next host is claimed and sent its command once, and the one after waits
    deployment = records.deployment("d-1")
    assert deployment is not None
    assert (deployment.claimed, deployment.counters.succeeded) == (2, 1)
    assert _command_ids(sqs, "h1") == ["d-1.h1.0"]
    assert records.target_item("d-1", "h2")["status"] == "Pending"


def test_a_segments_last_report_reaches_the_next_hosts_queue_without_a_read(state_table, sqs):
    # Given a OneAtATime rollout under way, its order already known to the handler
    _begin(state_table, HOSTS, ONE_AT_A_TIME)
    records = RolloutRecords(state_table)
    queues = HostQueues(sqs, queue_prefix="rollwright-host-")
    for host_id in HOSTS:
        queues.queue_url(host_id)
    rollout = ServerRollout(records, queues, RecordingTokens())
    rollout.dispatch("d-1", "token-1", now=NOW)
    calls = Operations(state_table.meta.client, sqs)
    # When the first host's last report arrives
    rollout.on_event_report("h0", _last_report("h0"), now=NOW)
    # Then the handler writes the report, the result, the claim and the next host's start, and
    # sends its command: no read of the deployment or of the order on the way
    assert calls.names == [
        "UpdateItem",  # the report
        "TransactWriteItems",  # the host's result and the counters
        "UpdateItem",  # the claim, answering the deployment
        "UpdateItem",  # the next host's segment started
        "SendMessage",
    ]


def test_dispatch_reads_the_order_once_and_never_the_deployment(state_table, sqs):
    # Given an AllAtOnce deployment to three hosts whose queues exist
    _begin(state_table, HOSTS, ALL_AT_ONCE)
    queues = HostQueues(sqs, queue_prefix="rollwright-host-")
    for host_id in HOSTS:
        queues.queue_url(host_id)
    rollout = ServerRollout(RolloutRecords(state_table), queues, RecordingTokens())
    calls = Operations(state_table.meta.client)
    # When the workflow's dispatch step starts the first window
    rollout.dispatch("d-1", "token-1", now=NOW)
    # Then the token write answers the deployment and the order is read in one query
    assert "GetItem" not in calls.names
    assert calls.names.count("Query") == 1
    assert calls.names.count("UpdateItem") >= 1 + len(HOSTS)  # the token, claims, the starts


def test_the_order_is_read_once_per_deployment_and_rollout_pass(state_table):
    # Given a deployment's order in the table
    _begin(state_table, HOSTS, ALL_AT_ONCE)
    orders = DeploymentOrders(state_table)
    calls = Operations(state_table.meta.client)
    # When every position is looked up, and then those of another rollout pass
    first = [orders.host_at("d-1", position) for position in range(3)]
    orders.host_at("d-1", 0, rollout_pass="InstallGreen")
    # Then the positions follow the order, read once per pass
    assert first == HOSTS
    assert calls.names == ["Query", "Query"]


def test_a_position_past_the_order_is_no_host(state_table):
    # Given a deployment to three hosts
    _begin(state_table, HOSTS, ALL_AT_ONCE)
    # When position 3 is looked up, Then there is none
    with pytest.raises(LookupError):
        DeploymentOrders(state_table).host_at("d-1", 3)


def test_a_claim_refused_for_the_deployments_status_ends_the_advance(state_table, sqs):
    # Given an AllAtOnce deployment whose counters allow claims but whose status the claim
    # condition refuses (Ready: a blue/green deployment's ready wait)
    _begin(state_table, HOSTS, ALL_AT_ONCE)
    state_table.update_item(
        Key={"pk": "DEPLOYMENT#d-1", "sk": "DEPLOYMENT"},
        UpdateExpression="SET #s = :ready",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":ready": DeploymentStatus.READY.value},
    )
    records = RolloutRecords(state_table)
    rollout = ServerRollout(
        records, HostQueues(sqs, queue_prefix="rollwright-host-"), RecordingTokens()
    )
    # When the rollout is asked to move on (in a thread, so that a loop cannot hang the suite)
    advance = threading.Thread(target=rollout.settle_stop, args=("d-1",), kwargs={"now": NOW})
    advance.start()
    advance.join(timeout=30)
    # Then it returns, having claimed nothing
    assert not advance.is_alive()
    deployment = records.deployment("d-1")
    assert deployment is not None
    assert deployment.claimed == 0
