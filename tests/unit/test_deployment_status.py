from hypothesis import given
from hypothesis import strategies as st

from rollwright.deployment_status import DeploymentStatus, can_transition, decide_start

statuses = st.sampled_from(list(DeploymentStatus))


@given(current=statuses, target=statuses)
def test_a_finished_deployment_never_changes_status(current, target):
    # Given a deployment that has ended
    if not current.is_terminal:
        return
    # Then no transition leaves it
    assert not can_transition(current, target)


@given(status=statuses)
def test_no_status_transitions_to_itself(status):
    assert not can_transition(status, status)


def test_the_statuses_are_codedeploys():
    assert {s.value for s in DeploymentStatus} == {
        "Created",
        "Queued",
        "InProgress",
        "Baking",
        "Succeeded",
        "Failed",
        "Stopped",
        "Ready",
    }


def test_a_created_deployment_starts_with_a_write():
    decision = decide_start("d-AAAAAAAAA", DeploymentStatus.CREATED)
    assert decision.proceed
    assert decision.write


def test_a_queued_deployment_starts_with_a_write():
    assert decide_start("d-AAAAAAAAA", DeploymentStatus.QUEUED).write


def test_a_retried_start_proceeds_without_writing():
    decision = decide_start("d-AAAAAAAAA", DeploymentStatus.IN_PROGRESS)
    assert decision.proceed
    assert not decision.write


def test_a_missing_deployment_does_not_start():
    decision = decide_start("d-AAAAAAAAA", None)
    assert not decision.proceed
    assert decision.message == "Deployment d-AAAAAAAAA does not exist."


def test_a_stopped_deployment_does_not_start():
    decision = decide_start("d-AAAAAAAAA", DeploymentStatus.STOPPED)
    assert not decision.proceed
    assert "Stopped" in decision.message
