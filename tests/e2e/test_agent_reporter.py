"""The agent's reporter signs as a host session well enough for the devstack's API Gateway, and
a protocol 1.1 batch of a host's reports moves its deployment on as the reports would one by one."""

import json
import time
from pathlib import Path

import boto3

from agent.identity import assume_host_role
from agent.reporter import EVENT_BATCH_PATH, AgentApiReporter
from devstack.agent_hosts import Host, host_identity
from rollwright.agent_protocol import BundleType, EventOutcome, EventReport, S3Revision
from rollwright.rollout import InstanceStatus
from tests.e2e.deployments import (
    ALL_AT_ONCE,
    records,
    start_workflow,
    until,
    wait_for_workflow,
    write_deployment,
)


def test_the_devstack_agent_route_accepts_the_signature_of_a_host_session(devstack):
    # Given a host role on the devstack and the agent acting as a tagged session of it
    session = boto3.session.Session(
        aws_access_key_id=devstack.access_key_id,
        aws_secret_access_key=devstack.secret_access_key,
        region_name=devstack.region,
    )
    role_arn = session.client("iam", endpoint_url=devstack.aws_endpoint_url).create_role(
        RoleName="agent-reporter-host-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{devstack.account_id}:root"},
                        "Action": ["sts:AssumeRole", "sts:TagSession"],
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    identity = assume_host_role(
        session,
        host_role_arn=role_arn,
        host_id="i-0devstack",
        region=devstack.region,
        endpoint_url=devstack.aws_endpoint_url,
    )
    reporter = AgentApiReporter(
        api_url=devstack.api_url,
        credentials=identity.session.get_credentials(),
        region=devstack.region,
    )
    # When the reporter's signing posts to the ping route, API Gateway's IAM check lets it in
    assert reporter.send("/agent/v1/ping", b"{}") is None


def test_a_whole_segment_in_one_batch_ends_the_deployment_with_each_events_own_times(
    devstack, monkeypatch
):
    # Given a one-host deployment whose host has been sent its command (no agent runs it)
    host = Host(host_id="batch-host", root=Path(devstack.state_dir))
    revision = S3Revision("bucket", "key.zip", BundleType.ZIP)
    deployment_id = write_deployment(
        devstack, revision, [host], rule=ALL_AT_ONCE, config_name="CodeDeployDefault.AllAtOnce"
    )
    execution_arn = start_workflow(devstack, deployment_id)
    store = records(devstack)
    until(
        lambda: store.host(deployment_id, host.host_id).status is InstanceStatus.IN_PROGRESS,
        what="the host dispatched",
    )
    # When the host reports its whole segment in one request, signed as itself
    segment = store.host(deployment_id, host.host_id).segments[0]
    at, reports = time.time(), []
    for event in segment:
        for outcome in (EventOutcome.IN_PROGRESS, EventOutcome.SUCCEEDED):
            at += 0.0125
            reports.append(
                EventReport(
                    f"{deployment_id}.{host.host_id}.0",
                    deployment_id,
                    host.host_id,
                    event,
                    outcome,
                    at=at,
                )
            )
    reporter = AgentApiReporter(
        api_url=devstack.api_url,
        credentials=host_identity(devstack, host.host_id).session.get_credentials(),
        region=devstack.region,
        retry_seconds=10,
    )
    paths = []
    send = reporter.send
    monkeypatch.setattr(reporter, "send", lambda path, body: paths.append(path) or send(path, body))
    reporter.report_batch(reports)
    # Then it went as one batch request and the deployment succeeded
    assert paths == [EVENT_BATCH_PATH]
    assert wait_for_workflow(devstack, execution_arn)["status"] == "SUCCEEDED"
    # and the stock client shows each event with the start and end the host stamped
    target = devstack.codedeploy_client().batch_get_deployment_targets(
        deploymentId=deployment_id, targetIds=[host.host_id]
    )["deploymentTargets"][0]["instanceTarget"]
    shown = {
        e["lifecycleEventName"]: (e["status"], e["startTime"].timestamp(), e["endTime"].timestamp())
        for e in target["lifecycleEvents"]
        if e["lifecycleEventName"] in {event.value for event in segment}
    }
    expected = {
        start.lifecycle_event.value: ("Succeeded", start.at, end.at)
        for start, end in zip(reports[::2], reports[1::2], strict=True)
    }
    assert shown.keys() == expected.keys()
    for name, (status, started, ended) in shown.items():
        assert status == expected[name][0]
        assert abs(started - expected[name][1]) < 0.001
        assert abs(ended - expected[name][2]) < 0.001
