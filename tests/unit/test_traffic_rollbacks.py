"""A Lambda deployment's rollback is its traffic shifted back (`docs/decisions.md`):
``rollbackInfo`` says so when the configuration asked for a rollback; no deployment is created."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rollwright.applications import ComputePlatform
from rollwright.deployment_records import DeploymentError
from rollwright.deployment_rollbacks import TRAFFIC_ROLLBACK_MESSAGE
from rollwright.deployment_status import DeploymentStatus
from tests.unit.test_deployment_rollbacks import Rollbacks

ALARM_STOP = DeploymentError("ALARM_ACTIVE", "The deployment was stopped because of an alarm: x.")
MANUAL_STOP = DeploymentError("MANUAL_STOP", "stopped")


@pytest.fixture
def rb() -> Rollbacks:
    return Rollbacks()


def _lambda_deployment(rb: Rollbacks, **request: object) -> str:
    """A deployment of the group, stored as a Lambda one (what the rollback decision reads)."""
    deployment_id = rb.world.deploy(**request)
    stored = rb.world.store.deployments[deployment_id]
    choices = replace(stored.choices, compute_platform=ComputePlatform.LAMBDA)
    rb.world.store.deployments[deployment_id] = replace(stored, choices=choices)
    return deployment_id


def _deployments(rb: Rollbacks) -> int:
    return len(rb.world.store.deployments)


def test_a_failed_lambda_deployment_is_rolled_back_by_its_traffic_shift_not_a_new_deployment(
    rb: Rollbacks,
) -> None:
    # Given a Lambda deployment whose configuration rolls back on failure, after a good one
    good = _lambda_deployment(rb)
    rb.end(good, DeploymentStatus.SUCCEEDED)
    bad = _lambda_deployment(
        rb, autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}
    )
    rb.end(bad, DeploymentStatus.FAILED)
    before = _deployments(rb)

    # When the finish step decides its rollback
    info = rb.rollbacks.after_end(bad)

    # Then no rollback deployment is created, and its rollbackInfo says the traffic went back
    assert info is not None
    assert info.rollback_deployment_id is None
    assert _deployments(rb) == before
    assert rb.info(bad)["rollbackInfo"] == {"rollbackMessage": TRAFFIC_ROLLBACK_MESSAGE}


def test_a_failed_lambda_deployment_without_auto_rollback_has_no_rollback_info(
    rb: Rollbacks,
) -> None:
    bad = _lambda_deployment(rb)
    rb.end(bad, DeploymentStatus.FAILED)
    assert rb.rollbacks.after_end(bad) is None
    assert "rollbackInfo" not in rb.info(bad)


@pytest.mark.parametrize(("asked", "rolled_back"), [(True, True), (False, False)])
def test_stop_deployment_auto_rollback_enabled_decides_a_stopped_lambda_deployments_rollback(
    rb: Rollbacks, asked: bool, rolled_back: bool
) -> None:
    # Given a Lambda deployment stopped by StopDeployment (its group configures no rollback)
    stopped = _lambda_deployment(rb)
    rb.end(stopped, DeploymentStatus.STOPPED, error=MANUAL_STOP)

    # When the stop decides with autoRollbackEnabled
    info = rb.rollbacks.after_end(stopped, stop_rollback=asked)

    # Then the traffic shift back counts as the rollback only when it was asked for
    assert (info is not None and info.rollback_message == TRAFFIC_ROLLBACK_MESSAGE) is rolled_back


@pytest.mark.parametrize(
    ("events", "rolled_back"),
    [(["DEPLOYMENT_STOP_ON_ALARM"], True), (["DEPLOYMENT_FAILURE"], False)],
)
def test_an_alarm_stopped_lambda_deployment_is_rolled_back_when_stop_on_alarm_is_configured(
    rb: Rollbacks, events: list[str], rolled_back: bool
) -> None:
    stopped = _lambda_deployment(rb, autoRollbackConfiguration={"enabled": True, "events": events})
    rb.end(stopped, DeploymentStatus.STOPPED, error=ALARM_STOP)
    info = rb.rollbacks.after_end(stopped)
    assert (info is not None and info.rollback_message == TRAFFIC_ROLLBACK_MESSAGE) is rolled_back
    assert info is None or info.rollback_deployment_id is None
