from functions.workflow.steps import begin
from rollwright.deployment_status import DeploymentStatus
from tests.fakes.deployment_status_store import InMemoryDeploymentStatusStore


def test_begin_moves_a_created_deployment_to_in_progress():
    # Given a created deployment
    store = InMemoryDeploymentStatusStore({"d-1": DeploymentStatus.CREATED})
    # When the workflow begins
    result = begin(store, "d-1")
    # Then it is in progress and the workflow goes on
    assert result == {"deploymentId": "d-1", "status": "InProgress"}
    assert store.statuses["d-1"] is DeploymentStatus.IN_PROGRESS


def test_begin_retried_after_success_writes_nothing_more():
    store = InMemoryDeploymentStatusStore({"d-1": DeploymentStatus.CREATED})
    begin(store, "d-1")
    result = begin(store, "d-1")
    assert result["status"] == "InProgress"
    assert store.writes == 1


def test_begin_fails_for_a_missing_deployment():
    result = begin(InMemoryDeploymentStatusStore(), "d-404")
    assert result == {
        "deploymentId": "d-404",
        "status": "Failed",
        "message": "Deployment d-404 does not exist.",
    }


def test_begin_sees_a_stop_that_races_its_write():
    # Given a created deployment that is stopped between the workflow's read and its write
    store = InMemoryDeploymentStatusStore({"d-1": DeploymentStatus.CREATED})

    def stop() -> None:
        store.statuses["d-1"] = DeploymentStatus.STOPPED

    store.before_write = stop
    # When the workflow begins
    result = begin(store, "d-1")
    # Then it reports the stop instead of overwriting it
    assert result["status"] == "Failed"
    assert store.statuses["d-1"] is DeploymentStatus.STOPPED
