"""What `rollwright rollback` deploys: the group's last good revision, or the one before it."""

from __future__ import annotations

from typing import Any

import pytest

from rollwright.cli_deployments import rollback_revision
from rollwright.cli_errors import CliError

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
