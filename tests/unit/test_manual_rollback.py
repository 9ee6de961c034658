"""What `rollwright rollback` deploys: the group's last good revision, or the one before it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from rollwright.cli_deployments import lambda_rollback_revision, rollback_revision
from rollwright.cli_errors import CliError
from rollwright.lambda_appspec import parse_lambda_appspec

V1 = {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "v1.zip", "bundleType": "zip"}}
V0 = {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "v0.zip", "bundleType": "zip"}}


def _group(attempted: str | None, status: str = "Failed", good: str | None = "d-GOOD00000"):
    group: dict[str, Any] = {}
    if attempted is not None:
        group["lastAttemptedDeployment"] = {"deploymentId": attempted, "status": status}
    if good is not None:
        group["lastSuccessfulDeployment"] = {"deploymentId": good, "status": "Succeeded"}
        group["targetRevision"] = V1
    return group


def test_after_a_failure_the_last_good_revision_goes_back() -> None:
    revision, reason = rollback_revision(_group("d-BAD000000"), None)
    assert revision == V1
    assert "d-BAD000000 ended Failed" in reason
    assert "d-GOOD00000" in reason


def test_after_a_success_the_revision_before_it_goes_back() -> None:
    group = _group("d-GOOD00000", "Succeeded")
    assert rollback_revision(group, V0)[0] == V0
    with pytest.raises(CliError, match="nothing to roll back to"):
        rollback_revision(group, None)


@pytest.mark.parametrize(
    ("group", "message"),
    [
        (_group("d-RUN000000", "InProgress"), "still InProgress"),
        (_group("d-BAD000000", good=None), "no successful deployment"),
        ({}, "no successful deployment"),
    ],
)
def test_a_rollback_is_refused_when_there_is_nothing_to_roll_back_to(
    group: dict[str, Any], message: str
) -> None:
    with pytest.raises(CliError, match=message):
        rollback_revision(group, V0)


# --- Lambda groups --------------------------------------------------------------------------------

LAMBDA_APPSPEC = """\
version: 0.0
Resources:
  - app:
      Type: AWS::Lambda::Function
      Properties: {Name: fn, Alias: live, CurrentVersion: "3", TargetVersion: "4"}
Hooks:
  - BeforeAllowTraffic: CodeDeployHook_check
"""


def _lambda_group(status: str) -> dict[str, Any]:
    attempted = "d-GOOD00000" if status == "Succeeded" else "d-BAD000000"
    return {
        "computePlatform": "Lambda",
        "lastAttemptedDeployment": {"deploymentId": attempted, "status": status},
        "lastSuccessfulDeployment": {"deploymentId": "d-GOOD00000", "status": "Succeeded"},
    }


def test_a_lambda_rollback_shifts_the_alias_back_to_the_version_before_the_last_deployment():
    # Given a Lambda group whose last deployment moved fn:live from version 3 to 4
    last_good = {
        "revisionType": "AppSpecContent",
        "appSpecContent": {"content": LAMBDA_APPSPEC, "sha256": "x"},
    }
    # When a manual rollback is asked for
    revision, reason = lambda_rollback_revision(_lambda_group("Succeeded"), last_good)
    # Then it deploys the AppSpec with the versions swapped, the hooks kept
    content = revision["appSpecContent"]["content"]
    spec = parse_lambda_appspec(content)
    assert (spec.function_name, spec.alias) == ("fn", "live")
    assert (spec.current_version, spec.target_version) == ("4", "3")
    assert {hook.value: name for hook, name in spec.hooks.items()} == {
        "BeforeAllowTraffic": "CodeDeployHook_check"
    }
    assert revision["appSpecContent"]["sha256"] == hashlib.sha256(content.encode()).hexdigest()
    assert "from version 4 to version 3" in reason


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_a_lambda_rollback_after_a_failed_deployment_says_its_traffic_already_went_back(
    status: str,
) -> None:
    with pytest.raises(CliError, match="nothing to roll back"):
        lambda_rollback_revision(_lambda_group(status), None)


def test_a_lambda_rollback_while_a_deployment_runs_asks_to_stop_it_first() -> None:
    with pytest.raises(CliError, match="stop it first"):
        lambda_rollback_revision(_lambda_group("InProgress"), None)


def test_a_lambda_rollback_of_an_appspec_in_s3_says_what_to_deploy() -> None:
    in_s3 = {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "a.yaml"}}
    with pytest.raises(CliError, match="swapped"):
        lambda_rollback_revision(_lambda_group("Succeeded"), in_s3)
