from functions.adapters.deployment_records import DeploymentRecords, deployment_key
from rollwright.deployment_status import DeploymentStatus
from tests.integration.state_table import state_table

__all__ = ["state_table"]


def test_status_of_a_missing_deployment_is_none(state_table):
    assert DeploymentRecords(state_table).status_of("d-404") is None


def test_transition_moves_the_status_when_it_is_current(state_table):
    state_table.put_item(Item={**deployment_key("d-1"), "status": "Created"})
    records = DeploymentRecords(state_table)
    assert records.transition("d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS)
    assert records.status_of("d-1") is DeploymentStatus.IN_PROGRESS


def test_transition_refuses_when_the_status_moved_meanwhile(state_table):
    state_table.put_item(Item={**deployment_key("d-1"), "status": "Stopped"})
    records = DeploymentRecords(state_table)
    assert not records.transition("d-1", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS)
    assert records.status_of("d-1") is DeploymentStatus.STOPPED


def test_transition_never_creates_a_deployment(state_table):
    records = DeploymentRecords(state_table)
    assert not records.transition("d-9", DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS)
    assert records.status_of("d-9") is None
