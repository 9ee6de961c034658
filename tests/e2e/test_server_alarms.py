"""CloudWatch alarms stop in-place deployments and roll them back (issue 7), through the stock
client on the devstack, with four real agents as registered on-premises instances. The revisions
are ``test_server_rollback``'s: ApplicationStart writes the version into the host's root, and
ValidateService waits while the host has a hold file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from devstack.alarms import put_quiet_alarm
from tests.e2e.agent_hosts import Host, registered_fleet
from tests.e2e.deployments import ended_deployment
from tests.e2e.test_deployments_api import ROLE
from tests.e2e.test_server_rollback import (
    TIMEOUT,
    _deploy,
    _failures,
    _location,
    _rolled_back,
    _versions,
)


@pytest.fixture
def fleet4(devstack, tmp_path) -> Iterator[tuple[str, dict[str, Host]]]:
    """Four on-premises instances with running agents, tagged ``fleet=<suffix>``."""
    names = ("host-a", "host-b", "host-c", "host-d")
    with registered_fleet(devstack, tmp_path, names) as fleet:
        yield fleet


def _alarmed_group(devstack, suffix: str) -> tuple[Any, Any, str, str]:
    """An application whose group watches an alarm (in OK) and rolls back when it stops them."""
    codedeploy, cloudwatch = devstack.codedeploy_client(), devstack.aws_client("cloudwatch")
    alarm = f"e2e-errors-{suffix}"
    put_quiet_alarm(cloudwatch, alarm)
    application = f"alarm-e2e-{suffix}"
    codedeploy.create_application(applicationName=application)
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName="web",
        serviceRoleArn=ROLE,
        onPremisesInstanceTagFilters=[{"Key": "fleet", "Value": suffix, "Type": "KEY_AND_VALUE"}],
        alarmConfiguration={"enabled": True, "alarms": [{"name": alarm}]},
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM"]},
    )
    return codedeploy, cloudwatch, application, alarm


def _started_v2(hosts: dict[str, Host], count: int) -> None:
    """Wait until ``count`` hosts wrote v2 (ApplicationStart ran there)."""
    deadline = time.monotonic() + TIMEOUT
    while sum(_version(host) == "v2" for host in hosts.values()) < count:
        assert time.monotonic() < deadline, _versions(hosts)
        time.sleep(0.2)


def _version(host: Host) -> str:
    path = host.root / "version"
    return path.read_text().strip() if path.exists() else ""


@contextmanager
def _alarm_events_lost(devstack) -> Iterator[None]:
    """The stack's alarm rule delivers nothing meanwhile (its targets removed, then restored)."""
    events = devstack.aws_client("events")
    rules = [
        rule
        for rule in events.list_rules()["Rules"]
        if "aws.cloudwatch" in rule.get("EventPattern", "")
    ]
    assert len(rules) == 1, rules
    name = rules[0]["Name"]
    targets = events.list_targets_by_rule(Rule=name)["Targets"]
    events.remove_targets(Rule=name, Ids=[target["Id"] for target in targets])
    try:
        yield
    finally:
        events.put_targets(Rule=name, Targets=targets)


def test_an_alarm_stops_a_deployment_and_its_rollback_finishes_under_the_alarm(
    devstack, fleet4, tmp_path
) -> None:
    # Given four hosts on v1 and a group watching an alarm, rolling back when it stops them
    suffix, hosts = fleet4
    codedeploy, cloudwatch, application, alarm = _alarmed_group(devstack, suffix)
    v1 = _location(devstack, tmp_path, suffix, "v1")
    good = ended_deployment(codedeploy, _deploy(codedeploy, application, v1, "v1"))
    assert good["status"] == "Succeeded", _failures(codedeploy, good)

    # When v2 (OneAtATime) has passed two hosts and holds on the third, and the alarm fires
    ordered = sorted(hosts.values(), key=lambda host: host.host_id)
    (ordered[2].root / "hold").touch()
    v2 = _location(devstack, tmp_path, suffix, "v2")
    stopped = _deploy(codedeploy, application, v2, "v2")
    _started_v2(hosts, 3)
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="errors")
    # Then the deployment is being stopped (the event path: no further host is claimed)
    deadline = time.monotonic() + 10
    while "stop_requested" not in _deployment_item(devstack, stopped):
        assert time.monotonic() < deadline, "the alarm's event did not stop the deployment"
        time.sleep(0.2)
    (ordered[2].root / "hold").unlink()
    info, rollback = _rolled_back(codedeploy, stopped)

    # And it ended Stopped with ALARM_ACTIVE naming the alarm, never reaching the fourth host
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert alarm in info["errorInformation"]["message"]
    assert _version(ordered[3]) == "v1"
    # And the rollback (the alarm still in ALARM) put v1 back everywhere
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["rollbackInfo"] == {"rollbackTriggeringDeploymentId": stopped}
    assert rollback["status"] == "Succeeded", _failures(codedeploy, rollback)
    assert _versions(hosts) == dict.fromkeys(hosts, "v1")
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="quiet")


def test_the_workflow_polls_the_alarms_when_their_events_are_lost(
    devstack, fleet4, tmp_path
) -> None:
    suffix, hosts = fleet4
    codedeploy, cloudwatch, application, alarm = _alarmed_group(devstack, suffix)
    first = min(hosts.values(), key=lambda host: host.host_id)
    v1 = _location(devstack, tmp_path, suffix, "v1")

    # Given an alarm already in ALARM when the deployment is created
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="errors")
    early = ended_deployment(codedeploy, _deploy(codedeploy, application, v1, "under the alarm"))
    # Then it is created and ends Stopped with ALARM_ACTIVE before any host is touched
    assert early["status"] == "Stopped"
    assert early["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert all(host.hook_lines() == [] for host in hosts.values())
    targets = codedeploy.list_deployment_targets(deploymentId=early["deploymentId"])
    assert len(targets["targetIds"]) == 4
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="quiet")

    # Given a deployment holding on its first host, and the alarm's events lost
    (first.root / "hold").touch()
    with _alarm_events_lost(devstack):
        polled = _deploy(codedeploy, application, v1, "polled")
        _in_validate_service(first)
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="errors")
        # When the workflow's next sweep polls the alarm, it stops the deployment
        deadline = time.monotonic() + 60
        while "stop_requested" not in _deployment_item(devstack, polled):
            assert time.monotonic() < deadline, "the sweep did not stop the deployment"
            time.sleep(0.5)
    (first.root / "hold").unlink()
    info = ended_deployment(codedeploy, polled)
    assert (info["status"], info["errorInformation"]["code"]) == ("Stopped", "ALARM_ACTIVE")
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="quiet")


def _in_validate_service(host: Host) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not any(event == "ValidateService" for event, _, _ in host.hook_lines()):
        assert time.monotonic() < deadline
        time.sleep(0.2)


def _deployment_item(devstack, deployment_id: str) -> dict[str, Any]:
    table = devstack.aws_client("dynamodb")
    item = table.get_item(
        TableName=devstack.stack_outputs["TableName"],
        Key={"pk": {"S": f"DEPLOYMENT#{deployment_id}"}, "sk": {"S": "DEPLOYMENT"}},
        ConsistentRead=True,
    )["Item"]
    return dict(item)
