"""Rollback: when a deployment that ended badly is rolled back, and to which revision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollwright.deployment_group_history import DeploymentGroupHistory, LastDeployment
from rollwright.deployment_group_settings import AutoRollbackConfiguration, AutoRollbackEvent
from rollwright.deployment_status import DeploymentStatus
from rollwright.revision_locations import BundleType, S3Location
from rollwright.rollback import (
    ROLLBACK_CREATOR,
    DeploymentEnding,
    NoRollback,
    NoRollbackReason,
    RollbackDeployment,
    decide_rollback,
)

T0 = datetime(2026, 11, 27, tzinfo=UTC)
GOOD = S3Location("artifacts", "app-v1.zip", BundleType.ZIP)
BAD = S3Location("artifacts", "app-v2.zip", BundleType.ZIP)
ON_FAILURE = AutoRollbackConfiguration(True, (AutoRollbackEvent.DEPLOYMENT_FAILURE,))
EVERY_EVENT = AutoRollbackConfiguration(True, tuple(AutoRollbackEvent))


def succeeded(deployment_id: str, minutes: int) -> LastDeployment:
    return LastDeployment(
        deployment_id, DeploymentStatus.SUCCEEDED, T0 + timedelta(minutes=minutes)
    )


HISTORY = DeploymentGroupHistory().with_deployment(succeeded("d-GOOD00001", 0), GOOD)


def decide(**overrides):
    arguments = {
        "deployment_id": "d-BAD000001",
        "creator": "user",
        "ending": DeploymentEnding.FAILED,
        "auto_rollback": ON_FAILURE,
        "history": HISTORY,
        "failed_hosts": ("web-2", "web-1", "web-2"),
    } | overrides
    return decide_rollback(**arguments)


def test_a_failed_deployment_rolls_back_to_the_last_good_revision():
    decision = decide()
    assert decision == RollbackDeployment(
        revision=GOOD,
        last_good_deployment_id="d-GOOD00001",
        rollback_triggering_deployment_id="d-BAD000001",
        first_hosts=("web-1", "web-2"),
        message=decision.message,
        creator=ROLLBACK_CREATOR,
    )
    assert "d-GOOD00001" in decision.message


def test_without_an_earlier_good_revision_there_is_no_rollback_and_it_says_why():
    decision = decide(history=DeploymentGroupHistory())
    assert isinstance(decision, NoRollback)
    assert decision.reason is NoRollbackReason.NO_EARLIER_GOOD_REVISION
    assert "no earlier successful deployment" in decision.message


@pytest.mark.parametrize(
    ("auto_rollback", "reason"),
    [
        (None, NoRollbackReason.NOT_ENABLED),
        (AutoRollbackConfiguration(False, tuple(AutoRollbackEvent)), NoRollbackReason.NOT_ENABLED),
        (
            AutoRollbackConfiguration(True, (AutoRollbackEvent.DEPLOYMENT_STOP_ON_ALARM,)),
            NoRollbackReason.EVENT_NOT_CONFIGURED,
        ),
    ],
)
def test_a_failure_is_rolled_back_only_when_configured_for_it(auto_rollback, reason):
    decision = decide(auto_rollback=auto_rollback)
    assert isinstance(decision, NoRollback)
    assert decision.reason is reason


@pytest.mark.parametrize(
    ("ending", "event"),
    [
        (DeploymentEnding.STOPPED_ON_ALARM, AutoRollbackEvent.DEPLOYMENT_STOP_ON_ALARM),
        (DeploymentEnding.STOPPED_ON_REQUEST, AutoRollbackEvent.DEPLOYMENT_STOP_ON_REQUEST),
    ],
)
def test_a_stop_is_rolled_back_when_its_event_is_configured(ending, event):
    configured = AutoRollbackConfiguration(True, (event,))
    assert isinstance(decide(ending=ending, auto_rollback=configured), RollbackDeployment)
    assert isinstance(decide(ending=ending, auto_rollback=ON_FAILURE), NoRollback)


def test_stop_deployment_with_auto_rollback_enabled_rolls_back_whatever_the_configuration():
    decision = decide(
        ending=DeploymentEnding.STOPPED_ON_REQUEST, auto_rollback=None, stop_rollback=True
    )
    assert isinstance(decision, RollbackDeployment)


def test_stop_deployment_without_auto_rollback_does_not_roll_back():
    decision = decide(
        ending=DeploymentEnding.STOPPED_ON_REQUEST, auto_rollback=EVERY_EVENT, stop_rollback=False
    )
    assert isinstance(decision, NoRollback)
    assert decision.reason is NoRollbackReason.STOPPED_WITHOUT_ROLLBACK


def test_a_rollback_is_not_rolled_back():
    decision = decide(creator=ROLLBACK_CREATOR)
    assert isinstance(decision, NoRollback)
    assert decision.reason is NoRollbackReason.ROLLBACK_NOT_ROLLED_BACK


@pytest.mark.parametrize("creator", ["autoscaling", "autoscalingTermination"])
def test_a_failed_auto_scaling_launch_or_termination_deployment_is_not_rolled_back(creator):
    # Given a group with a good revision and rollback on failure
    # When a launch (creator autoscaling) or termination deployment fails
    decision = decide(creator=creator)
    # Then no group-wide rollback
    assert isinstance(decision, NoRollback)
    assert decision.reason is NoRollbackReason.AUTO_SCALING_LAUNCH


revisions = st.builds(
    S3Location,
    st.just("artifacts"),
    st.sampled_from(["a.zip", "b.zip", "c.zip"]),
    st.just(BundleType.ZIP),
)


@given(
    outcomes=st.lists(
        st.tuples(
            st.sampled_from([DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED]), revisions
        ),
        min_size=1,
        max_size=8,
    )
)
def test_a_rollback_targets_the_revision_of_the_last_successful_deployment(outcomes):
    # Given a group's history of deployments, in order
    history = DeploymentGroupHistory()
    last_good = None
    for n, (status, revision) in enumerate(outcomes):
        deployment = LastDeployment(f"d-{n:09d}", status, T0 + timedelta(minutes=n))
        history = history.with_deployment(deployment, revision)
        if status is DeploymentStatus.SUCCEEDED:
            last_good = (deployment.deployment_id, revision)
    # When a new deployment fails
    decision = decide(history=history, deployment_id="d-NEW000000")
    # Then it rolls back to the last successful revision, or explains there is none
    if last_good is None:
        assert isinstance(decision, NoRollback)
    else:
        assert isinstance(decision, RollbackDeployment)
        assert (decision.last_good_deployment_id, decision.revision) == last_good


def test_a_success_recorded_after_the_next_deployment_was_created_is_the_last_successful_one():
    # Given a deployment that succeeded, and the next one created before its success is recorded
    first = LastDeployment("d-FIRST0001", DeploymentStatus.CREATED, T0)
    history = DeploymentGroupHistory().with_deployment(first, GOOD)
    following = LastDeployment("d-NEXT00001", DeploymentStatus.CREATED, T0 + timedelta(minutes=1))
    history = history.with_deployment(following, None)
    # When the first one's success is recorded late
    succeeded_late = LastDeployment("d-FIRST0001", DeploymentStatus.SUCCEEDED, T0, T0)
    history = history.with_deployment(succeeded_late, GOOD)
    # Then it is the last successful deployment and its revision the target revision, and the
    # later one stays the last attempted
    assert history.last_successful_deployment == succeeded_late
    assert history.target_revision == GOOD
    assert history.last_attempted_deployment == following
    # and a failure of the later one rolls back to it
    decision = decide(history=history, deployment_id="d-NEXT00001")
    assert isinstance(decision, RollbackDeployment)
    assert decision.last_good_deployment_id == "d-FIRST0001"


def test_a_late_success_does_not_replace_a_later_successful_deployment():
    older = LastDeployment("d-OLDER0001", DeploymentStatus.SUCCEEDED, T0, T0)
    newer = LastDeployment("d-NEWER0001", DeploymentStatus.SUCCEEDED, T0 + timedelta(minutes=1))
    history = DeploymentGroupHistory().with_deployment(newer, GOOD)
    assert history.with_deployment(older, None) == history
