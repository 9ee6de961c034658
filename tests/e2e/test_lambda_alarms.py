"""CloudWatch alarms stop Lambda deployments (issue 7) on the devstack: the stock CodeDeploy client
in, the alias's routing configuration out. The function, its two versions, the alias and the hook
functions are ``test_lambda_deployments``'s; the deployments here go to a second group of the same
application, which watches an alarm and rolls back when an alarm stops it.

An alarm in ALARM stops a Lambda deployment at once: all traffic back on the original version,
status Stopped, ``ALARM_ACTIVE`` naming the alarm; whether CloudWatch's event comes (the alarm
function) or is lost (the workflow polls the alarms before the first hook and before every
traffic step).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.alarms import put_quiet_alarm
from rollwright.deployment_rollbacks import TRAFFIC_ROLLBACK_MESSAGE
from tests.e2e.test_deployments_api import ROLE
from tests.e2e.test_lambda_deployments import LambdaApp, app
from tests.e2e.test_server_alarms import _alarm_events_lost

__all__ = ["app"]

ALARM = "e2e-lambda-errors"
# 30 minutes at the module's wait scale (0.02): a 36-second bake at 10 %.
LONG_CANARY = "CodeDeployDefault.LambdaCanary10Percent30Minutes"
# 5 minutes at the module's wait scale: a 6-second bake at 10 %.
SHORT_CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
HOOKS = {
    "BeforeAllowTraffic": "CodeDeployHook_e2e_ok",
    "AfterAllowTraffic": "CodeDeployHook_e2e_ok",
}


@pytest.fixture(scope="module")
def alarmed(app: LambdaApp) -> tuple[LambdaApp, Any]:
    """A group of the Lambda application watching ``ALARM`` (in OK), rolling back on its stops."""
    devstack = app.devstack
    cloudwatch = devstack.aws_client("cloudwatch")
    put_quiet_alarm(cloudwatch, ALARM)
    group = dataclasses.replace(app, group="e2e-lambda-alarmed", aliases=[])
    devstack.codedeploy_client().create_deployment_group(
        applicationName=group.application,
        deploymentGroupName=group.group,
        serviceRoleArn=ROLE,
        deploymentStyle={
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        alarmConfiguration={"enabled": True, "alarms": [{"name": ALARM}]},
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM"]},
    )
    return group, cloudwatch


@pytest.fixture
def quiet_alarm(alarmed: tuple[LambdaApp, Any]) -> Iterator[tuple[LambdaApp, Any]]:
    """The alarm back in OK after each test."""
    yield alarmed
    alarmed[1].set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="quiet")


def _at_canary_step(group: LambdaApp, target: str) -> None:
    deadline = time.monotonic() + 60
    while group.alias()["weights"] != {target: 0.1}:
        assert time.monotonic() < deadline, "the canary step never came"
        time.sleep(0.1)


def _rollback_info(group: LambdaApp, deployment_id: str) -> dict[str, Any]:
    """The deployment's rollbackInfo, which is written just after its final status."""
    codedeploy = group.devstack.codedeploy_client()
    deadline = time.monotonic() + 10
    while True:
        info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        if "rollbackInfo" in info or time.monotonic() > deadline:
            return dict(info.get("rollbackInfo") or {})
        time.sleep(0.2)


def _events(group: LambdaApp, deployment_id: str) -> dict[str, str]:
    return {
        event["lifecycleEventName"]: event["status"]
        for event in group.target(deployment_id)["lifecycleEvents"]
    }


def test_an_alarm_during_the_canary_bake_puts_all_traffic_back_at_once(quiet_alarm) -> None:
    # Given a canary baking at 10 % on the target version
    group, cloudwatch = quiet_alarm
    deployment_id, current, target = group.deploy(LONG_CANARY, HOOKS)
    _at_canary_step(group, target)

    # When the alarm goes to ALARM (the devstack sends CloudWatch's state-change event)
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="errors")
    changed = time.monotonic()
    info, seen = group.watch(deployment_id)
    stopped_after = time.monotonic() - changed

    # Then the deployment is Stopped with ALARM_ACTIVE naming the alarm, long before the bake ends
    assert info["status"] == "Stopped", info
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert ALARM in info["errorInformation"]["message"]
    assert stopped_after < 30, f"stopped {stopped_after:.1f} s after the alarm (bake: 36 s)"
    # and all traffic is back on the original version; the target never got all of it
    assert group.alias() == {"version": current, "weights": {}}
    assert all(state["version"] == current for state in seen)
    assert group.target(deployment_id)["lambdaFunctionInfo"]["targetVersionWeight"] == 0.0
    assert _events(group, deployment_id) == {
        "BeforeAllowTraffic": "Succeeded",
        "AllowTraffic": "Failed",
        "AfterAllowTraffic": "Skipped",
    }
    # and, the group rolling back on DEPLOYMENT_STOP_ON_ALARM, the traffic shift back was the
    # rollback: rollbackInfo says so, and no rollback deployment was created
    assert _rollback_info(group, deployment_id) == {"rollbackMessage": TRAFFIC_ROLLBACK_MESSAGE}
    assert all(
        codedeploy_info["creator"] != "codeDeployRollback"
        for codedeploy_info in _infos(group, _deployments(group))
    )


def test_the_workflow_polls_the_alarm_at_the_next_traffic_step_when_its_events_are_lost(
    devstack, quiet_alarm
) -> None:
    group, cloudwatch = quiet_alarm
    with _alarm_events_lost(devstack):
        # Given a canary baking at 10 %, and the alarm's events lost
        deployment_id, current, target = group.deploy(SHORT_CANARY, HOOKS)
        _at_canary_step(group, target)

        # When the alarm goes to ALARM
        cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="errors")
        info, seen = group.watch(deployment_id)

    # Then the next traffic step polled it: Stopped, ALARM_ACTIVE, the target never took everything
    assert info["status"] == "Stopped", info
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert ALARM in info["errorInformation"]["message"]
    assert all(state["version"] == current for state in seen)
    assert group.alias() == {"version": current, "weights": {}}
    assert _events(group, deployment_id)["AfterAllowTraffic"] == "Skipped"
    assert _rollback_info(group, deployment_id) == {"rollbackMessage": TRAFFIC_ROLLBACK_MESSAGE}


def test_an_alarm_already_in_alarm_at_create_stops_the_deployment_before_any_hook_or_traffic(
    quiet_alarm,
) -> None:
    # Given the alarm in ALARM
    group, cloudwatch = quiet_alarm
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="errors")
    before = group.alias()

    # When a deployment is created (with a hook of its own: an identical request within the
    # idempotency window would be answered with the earlier deployment)
    deployment_id, current, _target = group.deploy(
        SHORT_CANARY, {"BeforeAllowTraffic": "CodeDeployHook_e2e_return"}
    )
    info, seen = group.watch(deployment_id)

    # Then it was created, and ended Stopped with ALARM_ACTIVE with no hook run and no traffic moved
    assert info["status"] == "Stopped", info
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert seen == [before] == [{"version": current, "weights": {}}]
    assert _events(group, deployment_id) == {
        "BeforeAllowTraffic": "Skipped",
        "AllowTraffic": "Skipped",
        "AfterAllowTraffic": "Skipped",
    }
    assert group.target(deployment_id)["lambdaFunctionInfo"]["targetVersionWeight"] == 0.0


def test_a_deployment_that_overrides_the_alarms_off_is_not_stopped_by_them(quiet_alarm) -> None:
    # Given the alarm in ALARM
    group, cloudwatch = quiet_alarm
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="errors")
    content, _current, target = group.appspec({})

    # When a deployment is created with overrideAlarmConfiguration disabled
    codedeploy = group.devstack.codedeploy_client()
    deployment_id = codedeploy.create_deployment(
        applicationName=group.application,
        deploymentGroupName=group.group,
        deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce",
        revision={"revisionType": "String", "string": {"content": content}},
        overrideAlarmConfiguration={"enabled": False, "alarms": []},
    )["deploymentId"]
    info, _seen = group.watch(deployment_id)

    # Then it ran to the end under the alarm
    assert info["status"] == "Succeeded", info
    assert info["overrideAlarmConfiguration"]["enabled"] is False
    assert group.alias() == {"version": target, "weights": {}}


def _deployments(group: LambdaApp) -> list[str]:
    """The group's deployments, newest first."""
    codedeploy = group.devstack.codedeploy_client()
    return list(
        codedeploy.list_deployments(
            applicationName=group.application, deploymentGroupName=group.group
        )["deployments"]
    )


@pytest.mark.parametrize("auto_rollback", [True, False])
def test_stop_deployment_puts_traffic_back_and_auto_rollback_enabled_records_it_as_the_rollback(
    quiet_alarm, auto_rollback: bool
) -> None:
    # Given a canary baking at 10 % (the group configures no rollback on request)
    group, _cloudwatch = quiet_alarm
    # (a hook of each case's own: an identical request would be answered with the earlier one)
    hook = "CodeDeployHook_e2e_return" if auto_rollback else "CodeDeployHook_e2e_ok"
    deployment_id, current, target = group.deploy(LONG_CANARY, {"BeforeAllowTraffic": hook})
    _at_canary_step(group, target)
    before = set(_deployments(group))

    # When it is stopped with or without autoRollbackEnabled
    codedeploy = group.devstack.codedeploy_client()
    answer = codedeploy.stop_deployment(
        deploymentId=deployment_id, autoRollbackEnabled=auto_rollback
    )

    # Then it is Stopped with all traffic back on the original version either way
    assert answer["status"] == "Succeeded"
    info, _seen = group.watch(deployment_id)
    assert (info["status"], info["errorInformation"]["code"]) == ("Stopped", "MANUAL_STOP")
    assert group.alias() == {"version": current, "weights": {}}
    # and only the asked-for rollback is recorded, as the traffic shift back; no new deployment
    expected = {"rollbackMessage": TRAFFIC_ROLLBACK_MESSAGE} if auto_rollback else {}
    assert _rollback_info(group, deployment_id) == expected
    assert set(_deployments(group)) == before


def _infos(group: LambdaApp, deployment_ids: list[str]) -> list[dict[str, Any]]:
    codedeploy = group.devstack.codedeploy_client()
    return [
        codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        for deployment_id in deployment_ids
    ]
