"""The Server workflow's wait for the hosts (``steps.rollout_wait``): every wait begins."""

from __future__ import annotations

from typing import Any

from functions.workflow.steps import rollout_wait
from rollwright.deployment_status import DeploymentStatus
from rollwright.workflow_answers import BLUE_GREEN_ERROR, START_FAILED_ERROR
from tests.fakes.deployment_status_store import InMemoryDeploymentStatusStore


class FailedWaits:
    def __init__(self) -> None:
        self.failures: list[tuple[str, str, str]] = []

    def fail(self, token: str, error: str, cause: str) -> bool:
        self.failures.append((token, error, cause))
        return True


class Dispatches:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return {"deploymentId": "d-1", "dispatched": True}


def _wait(
    store: InMemoryDeploymentStatusStore, *, blue_green_before_first_pass: bool = False
) -> tuple[dict[str, Any], FailedWaits, Dispatches]:
    tokens, dispatch = FailedWaits(), Dispatches()
    answer = rollout_wait(
        store,
        "d-1",
        "token-1",
        tokens=tokens,
        before_first_pass=lambda: blue_green_before_first_pass,
        dispatch=dispatch,
    )
    return answer, tokens, dispatch


def test_the_first_wait_begins_a_created_deployment_and_dispatches_it():
    # Given a created in-place deployment
    store = InMemoryDeploymentStatusStore({"d-1": DeploymentStatus.CREATED})
    # When the workflow's first wait runs its step
    answer, tokens, dispatch = _wait(store)
    # Then the deployment is in progress, its first window dispatched, and the token kept
    assert store.statuses["d-1"] is DeploymentStatus.IN_PROGRESS
    assert (answer["dispatched"], dispatch.calls, tokens.failures) == (True, 1, [])


def test_a_wait_after_a_sweep_only_dispatches_a_deployment_under_way():
    # Given a deployment the first wait began
    store = InMemoryDeploymentStatusStore({"d-1": DeploymentStatus.IN_PROGRESS})
    # When a later wait runs its step
    _, tokens, dispatch = _wait(store)
    # Then nothing is written again; the wait keeps its new token through dispatch
    assert (store.writes, dispatch.calls, tokens.failures) == (0, 1, [])


def test_a_deployment_that_cannot_start_fails_the_wait_by_name_with_the_reason():
    # Given a deployment stopped before its workflow began
    store = InMemoryDeploymentStatusStore({"d-1": DeploymentStatus.STOPPED})
    # When the first wait runs its step
    answer, tokens, dispatch = _wait(store)
    # Then the wait fails with DeploymentStartFailed and the reason, and nothing is dispatched
    reason = "Deployment d-1 is Stopped and cannot start."
    assert tokens.failures == [("token-1", START_FAILED_ERROR, reason)]
    assert (answer["status"], dispatch.calls) == ("Failed", 0)


def test_a_blue_green_deployment_before_its_first_pass_fails_the_wait_to_its_steps():
    # Given a created blue/green deployment
    store = InMemoryDeploymentStatusStore({"d-1": DeploymentStatus.CREATED})
    # When the first wait runs its step
    answer, tokens, dispatch = _wait(store, blue_green_before_first_pass=True)
    # Then it began, and the wait fails by the blue/green name without dispatching any host
    assert store.statuses["d-1"] is DeploymentStatus.IN_PROGRESS
    assert [(token, error) for token, error, _ in tokens.failures] == [
        ("token-1", BLUE_GREEN_ERROR)
    ]
    assert (answer["blueGreen"], dispatch.calls) == (True, 0)


def test_a_late_step_of_a_wait_left_behind_changes_nothing_in_the_ready_wait():
    # Given a blue/green deployment in its ready wait
    store = InMemoryDeploymentStatusStore({"d-1": DeploymentStatus.READY})
    # When the step of a wait that timed out long ago runs only now
    answer, tokens, dispatch = _wait(store)
    # Then the deployment stays Ready: nothing begun, dispatched or answered
    assert store.statuses["d-1"] is DeploymentStatus.READY
    assert (answer["late"], dispatch.calls, tokens.failures) == (True, 0, [])
