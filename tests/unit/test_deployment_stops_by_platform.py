"""StopDeployment and alarm stops go to the deployment's own platform (``PlatformStops``): Lambda
(and ECS) stop at once and are then rolled back or told why not; Server deployments stop as
before."""

from __future__ import annotations

import pytest

from rollwright.applications import ComputePlatform
from rollwright.deployment_status import DeploymentStatus
from rollwright.deployment_stops import DeploymentStops, StopAnswer, StopStatus
from rollwright.errors import DeploymentDoesNotExistException
from tests.fakes.deployment_stops import InMemoryStopStore, RecordingRollout

LAMBDA_ID = "d-LAMBDA001"
SERVER_ID = "d-SERVER001"


class RecordingPlatformStops:
    def __init__(self) -> None:
        self.stops: list[tuple[str, bool]] = []
        self.alarms: list[tuple[str, str]] = []
        self.active = True

    def stop(self, deployment_id: str, *, auto_rollback_enabled: bool) -> StopAnswer:
        self.stops.append((deployment_id, auto_rollback_enabled))
        return StopAnswer(StopStatus.SUCCEEDED, "traffic back")

    def stop_on_alarm(self, deployment_id: str, alarm: str) -> bool:
        self.alarms.append((deployment_id, alarm))
        return self.active


class RecordingRollbacks:
    def __init__(self) -> None:
        self.after: list[tuple[str, bool | None]] = []

    def after_end(self, deployment_id: str, *, stop_rollback: bool | None = None) -> object:
        self.after.append((deployment_id, stop_rollback))
        return None


class World:
    def __init__(self) -> None:
        self.store = InMemoryStopStore()
        for deployment_id in (LAMBDA_ID, SERVER_ID):
            self.store.statuses[deployment_id] = DeploymentStatus.IN_PROGRESS
        self.store.platforms[LAMBDA_ID] = ComputePlatform.LAMBDA
        self.rollout = RecordingRollout()
        self.lambdas = RecordingPlatformStops()
        self.rollbacks = RecordingRollbacks()
        self.stops = DeploymentStops(
            self.store,
            self.rollout,
            clock=lambda: 0.0,
            platforms={ComputePlatform.LAMBDA: self.lambdas},
            rollbacks=self.rollbacks,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_stop_deployment_of_a_lambda_deployment_goes_to_the_lambda_stops(world: World) -> None:
    answer = world.stops.stop(LAMBDA_ID, auto_rollback_enabled=True)
    assert answer == StopAnswer(StopStatus.SUCCEEDED, "traffic back")
    assert world.lambdas.stops == [(LAMBDA_ID, True)]
    # and its rollback is decided with the stop's autoRollbackEnabled
    assert world.rollbacks.after == [(LAMBDA_ID, True)]
    # and the Server path recorded nothing
    assert world.store.stops == {}


def test_an_alarm_stop_of_a_lambda_deployment_goes_to_the_lambda_stops(world: World) -> None:
    assert world.stops.stop_on_alarm(LAMBDA_ID, "errors")
    assert world.lambdas.alarms == [(LAMBDA_ID, "errors")]
    assert world.rollbacks.after == [(LAMBDA_ID, None)]
    assert world.store.alarms == {}


def test_an_alarm_stop_of_an_ended_lambda_deployment_decides_no_rollback(world: World) -> None:
    world.lambdas.active = False
    assert not world.stops.stop_on_alarm(LAMBDA_ID, "errors")
    assert world.rollbacks.after == []


def test_server_deployments_still_stop_through_their_rollout(world: World) -> None:
    assert world.stops.stop_on_alarm(SERVER_ID, "errors")
    assert world.store.alarms == {SERVER_ID: "errors"}
    assert world.rollout.settled == [SERVER_ID]
    assert world.lambdas.alarms == []
    assert world.rollbacks.after == []


def test_a_stop_of_an_unknown_deployment_is_refused(world: World) -> None:
    with pytest.raises(DeploymentDoesNotExistException):
        world.stops.stop("d-NOSUCH000", auto_rollback_enabled=False)
    assert not world.stops.stop_on_alarm("d-NOSUCH000", "errors")
