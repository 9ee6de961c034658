"""The deployment view: pure functions from GetDeployment and BatchGetDeploymentTargets answers."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from rollwright.progress_view import (
    event_columns,
    outcome_lines,
    progress_changes,
    render,
    snapshot_from,
)

HOOKS = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "ValidateService"]


def deployment(status: str = "InProgress", **extra: Any) -> dict[str, Any]:
    return {
        "deploymentId": "d-ABCDEF123",
        "applicationName": "shop",
        "deploymentGroupName": "web",
        "status": status,
        "deploymentOverview": {
            "Pending": 1,
            "InProgress": 1,
            "Succeeded": 0,
            "Failed": 0,
            "Skipped": 0,
            "Ready": 0,
        },
        **extra,
    }


def target(host: str, status: str, events: dict[str, str], **diagnostics: str) -> dict[str, Any]:
    return {
        "deploymentTargetType": "InstanceTarget",
        "instanceTarget": {
            "deploymentId": "d-ABCDEF123",
            "targetId": host,
            "status": status,
            "lifecycleEvents": [
                {
                    "lifecycleEventName": name,
                    "status": event_status,
                    **({"diagnostics": diagnostics} if event_status == "Failed" else {}),
                }
                for name, event_status in events.items()
            ],
        },
    }


def text_of(renderable: Any) -> str:
    output = io.StringIO()
    Console(file=output, width=160, force_terminal=False).print(renderable)
    return output.getvalue()


def test_the_view_has_a_row_per_host_and_a_column_per_lifecycle_event() -> None:
    # Given two hosts, one halfway through its events
    snapshot = snapshot_from(
        deployment(),
        [
            target("web-2", "Pending", dict.fromkeys(HOOKS, "Pending")),
            target(
                "web-1",
                "InProgress",
                {**dict.fromkeys(HOOKS[:2], "Succeeded"), **dict.fromkeys(HOOKS[2:], "Pending")}
                | {"BeforeInstall": "InProgress"},
            ),
        ],
    )
    # When it is rendered
    lines = text_of(render(snapshot)).splitlines()
    # Then the heading names the deployment, its group and status
    assert lines[0].split() == ["d-ABCDEF123", "shop/web", "▶", "InProgress"]
    # And the header lists the events in CodeDeploy's order, then one row per host, sorted
    header = next(line for line in lines if "Host" in line)
    assert header.split() == ["Host", "Status", *HOOKS]
    rows = [line.split() for line in lines if line.lstrip().startswith("web-")]
    assert rows == [
        ["web-1", "▶", "InProgress", "✓", "✓", "▶", "·", "·"],
        ["web-2", "·", "Pending", "·", "·", "·", "·", "·"],
    ]
    # And the overview follows
    assert "Pending 1, InProgress 1, Succeeded 0, Failed 0, Skipped 0, Ready 0" in lines


def test_event_columns_follow_codedeploys_order_whatever_order_the_hosts_list_them() -> None:
    snapshot = snapshot_from(
        deployment(),
        [
            target("a", "Pending", {"ValidateService": "Pending", "Custom": "Pending"}),
            target("b", "Pending", {"BeforeInstall": "Pending", "ApplicationStop": "Pending"}),
        ],
    )
    assert event_columns(snapshot) == [
        "ApplicationStop",
        "BeforeInstall",
        "ValidateService",
        "Custom",
    ]


def test_a_deployment_without_targets_yet_says_it_is_waiting_for_them() -> None:
    text = text_of(render(snapshot_from(deployment("Created"), [])))
    assert "waiting for the deployment's targets" in text


def test_the_error_of_a_failed_deployment_is_shown_under_the_table() -> None:
    snapshot = snapshot_from(
        deployment("Failed", errorInformation={"code": "HEALTH_CONSTRAINTS", "message": "too few"}),
        [],
    )
    assert "HEALTH_CONSTRAINTS: too few" in text_of(render(snapshot))


def test_plain_progress_prints_each_change_once() -> None:
    # Given a first snapshot and a later one in which one event ended and another started
    first = snapshot_from(
        deployment(),
        [target("web-1", "InProgress", {"BeforeInstall": "InProgress", "Install": "Pending"})],
    )
    later = snapshot_from(
        deployment(),
        [target("web-1", "InProgress", {"BeforeInstall": "Succeeded", "Install": "InProgress"})],
    )
    # Then the first lists what is under way, and the later only the two events that changed
    assert progress_changes(None, first) == [
        "web-1 BeforeInstall InProgress",
        "web-1 InProgress",
        "d-ABCDEF123 InProgress (Pending 1, InProgress 1, Succeeded 0, Failed 0, Skipped 0, "
        "Ready 0)",
    ]
    assert progress_changes(first, later) == [
        "web-1 BeforeInstall Succeeded",
        "web-1 Install InProgress",
    ]
    # And an unchanged snapshot prints nothing
    assert progress_changes(later, later) == []


def test_a_failed_outcome_names_the_error_the_host_its_failing_event_and_its_log_tail() -> None:
    snapshot = snapshot_from(
        deployment(
            "Failed",
            errorInformation={"code": "HEALTH_CONSTRAINTS", "message": "Too many failed"},
            rollbackInfo={"rollbackDeploymentId": "d-ROLLBACK1"},
        ),
        [
            target(
                "web-1",
                "Failed",
                {"BeforeInstall": "Succeeded", "ValidateService": "Failed"},
                errorCode="ScriptFailed",
                scriptName="scripts/check.sh",
                message="Script at specified location: scripts/check.sh failed with exit code 1",
                logTail="\n".join(f"line {n}" for n in range(10)),
            ),
            target("web-2", "Skipped", {"BeforeInstall": "Skipped"}),
        ],
    )
    assert outcome_lines(snapshot) == [
        "d-ABCDEF123 Failed",
        "HEALTH_CONSTRAINTS: Too many failed",
        "web-1: ValidateService failed (ScriptFailed) in scripts/check.sh: Script at specified "
        "location: scripts/check.sh failed with exit code 1",
        *(f"    line {n}" for n in range(5, 10)),
        "rollback deployment: d-ROLLBACK1",
    ]


def test_a_succeeded_outcome_is_one_line() -> None:
    assert outcome_lines(snapshot_from(deployment("Succeeded"), [])) == ["d-ABCDEF123 Succeeded"]
