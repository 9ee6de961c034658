"""The live view names the alarm that stopped a deployment (in-place and Lambda alike: the stop's
``errorInformation`` names it), and says how a Lambda deployment was rolled back."""

from __future__ import annotations

from typing import Any

from rollwright.deployment_rollbacks import TRAFFIC_ROLLBACK_MESSAGE
from rollwright.progress_view import outcome_lines, render, snapshot_from
from tests.unit.test_progress_view import deployment, target, text_of

INPLACE_STOP = {
    "code": "ALARM_ACTIVE",
    "message": "The deployment was stopped because of an alarm: errors-high.",
}
LAMBDA_STOP = {
    "code": "ALARM_ACTIVE",
    "message": "The deployment was stopped because of an alarm: errors-high; traffic is back on "
    "the original version.",
}


def lambda_target(status: str) -> dict[str, Any]:
    return {
        "deploymentTargetType": "LambdaTarget",
        "lambdaTarget": {
            "targetId": "fn:live",
            "status": status,
            "lifecycleEvents": [
                {"lifecycleEventName": "BeforeAllowTraffic", "status": "Succeeded"},
                {"lifecycleEventName": "AllowTraffic", "status": "Failed"},
                {"lifecycleEventName": "AfterAllowTraffic", "status": "Skipped"},
            ],
        },
    }


def test_the_live_view_of_an_in_place_deployment_stopped_by_an_alarm_names_the_alarm() -> None:
    info = deployment("Stopped", errorInformation=INPLACE_STOP)
    snapshot = snapshot_from(
        info, [target("host-a", "Succeeded", {"ValidateService": "Succeeded"})]
    )
    assert "ALARM_ACTIVE" in text_of(render(snapshot))
    assert "alarm: errors-high" in text_of(render(snapshot))
    assert f"ALARM_ACTIVE: {INPLACE_STOP['message']}" in outcome_lines(snapshot)


def test_the_live_view_of_a_lambda_deployment_stopped_by_an_alarm_names_it_and_its_rollback():
    info = deployment(
        "Stopped",
        errorInformation=LAMBDA_STOP,
        rollbackInfo={"rollbackMessage": TRAFFIC_ROLLBACK_MESSAGE},
    )
    snapshot = snapshot_from(info, [lambda_target("Failed")])
    view = text_of(render(snapshot))
    assert "fn:live" in view
    assert "alarm: errors-high" in view
    lines = outcome_lines(snapshot)
    assert f"ALARM_ACTIVE: {LAMBDA_STOP['message']}" in lines
    assert f"rollback: {TRAFFIC_ROLLBACK_MESSAGE}" in lines


def test_a_rollback_deployment_is_named_rather_than_the_rollback_message() -> None:
    info = deployment(
        "Stopped",
        errorInformation=INPLACE_STOP,
        rollbackInfo={"rollbackDeploymentId": "d-ROLLBACK1", "rollbackMessage": "rolled back"},
    )
    lines = outcome_lines(snapshot_from(info, []))
    assert "rollback deployment: d-ROLLBACK1" in lines
    assert not any(line.startswith("rollback: ") for line in lines)
