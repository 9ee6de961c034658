"""An EC2 blue/green deployment's passes and waits on moto's state table: the Server rollout run
once per pass (``blue_green_rollout``), with agents and load balancers played by the test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from functions.adapters.blue_green_items import blue_green_attribute
from functions.adapters.blue_green_records import BlueGreenRecords
from functions.adapters.deployment_records import DeploymentRecords
from functions.adapters.deployment_stops import DynamoDeploymentStops
from functions.adapters.instance_records import DynamoInstanceRecords
from functions.adapters.rollout_records import RolloutRecords
from functions.adapters.traffic_step_records import TrafficStepRecords
from rollwright.agent_protocol import BundleType, EventOutcome, EventReport, HostCommand, S3Revision
from rollwright.blue_green import blue_green_fleets, blue_green_options
from rollwright.blue_green_adoption import GreenFleet
from rollwright.blue_green_continue import BlueGreenContinues
from rollwright.blue_green_deployments import (
    BlueGreenDeployment,
    blue_green_plan,
    blue_green_rollback,
    blue_green_targets,
)
from rollwright.blue_green_plan import deployment_steps
from rollwright.blue_green_rollout import BlueGreenRollout
from rollwright.blue_green_targets import TargetInstances
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    BlueInstanceTermination,
    DeploymentReadyAction,
    DeploymentReadyOption,
    InstanceAction,
    TagFilter,
    TagFilterType,
)
from rollwright.deployment_plan import DeploymentSettings, HostLimits, plan_deployment
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import InvalidDeploymentWaitTypeException
from rollwright.instance_history import records_after
from rollwright.lifecycle import LifecycleEvent
from rollwright.revision_locations import BundleType as LocationBundleType
from rollwright.revision_locations import S3Location, revision_id
from rollwright.server_rollout import ServerRollout
from rollwright.traffic_control import TrafficState, TrafficTargets
from rollwright.traffic_steps import TrafficSteps
from tests.integration.state_table import state_table

__all__ = ["state_table"]

ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)
TARGETS = TrafficTargets(target_group_names=("web",))
BLUE = ("i-b1", "i-b2")
GREEN = ("i-g1", "i-g2")
NOW = 1_000_000.0
V2 = S3Location("bucket", "key.zip", LocationBundleType.ZIP)


@dataclass
class Balancers:
    registered: set[str] = field(default_factory=lambda: set(BLUE))

    def deregister(self, instance_id: str, targets: TrafficTargets) -> int:
        self.registered.discard(instance_id)
        return 0

    def register(self, instance_id: str, targets: TrafficTargets) -> None:
        self.registered.add(instance_id)

    def state(self, instance_id: str, targets: TrafficTargets) -> TrafficState:
        registered = instance_id in self.registered
        return TrafficState.REGISTERED if registered else TrafficState.DEREGISTERED


@dataclass
class Commands:
    sent: list[HostCommand] = field(default_factory=list)

    def send(self, command: HostCommand) -> None:
        self.sent.append(command)


@dataclass
class Tokens:
    answered: list[str] = field(default_factory=list)

    def succeed(self, token: str, output: Any) -> bool:
        self.answered.append(token)
        return True


@dataclass
class Terminations:
    terminated: list[str] = field(default_factory=list)

    def terminate(self, instance_ids: Any) -> None:
        self.terminated += list(instance_ids)


@dataclass
class Adoption:
    adopted: list[GreenFleet] = field(default_factory=list)

    def adopt(self, application_name: str, deployment_group_name: str, green: GreenFleet) -> None:
        self.adopted.append(green)


class World:
    def __init__(self, table: Any) -> None:
        self.table = table
        self.balancers = Balancers()
        self.commands = Commands()
        self.tokens = Tokens()
        self.blue = Terminations()
        self.records = RolloutRecords(table)
        self.server = ServerRollout(
            self.records,
            self.commands,
            self.tokens,
            TrafficSteps(TrafficStepRecords(table), self.balancers, sleep=lambda _: None),
        )
        self.blue_green_records = BlueGreenRecords(table)
        self.adoption = Adoption()
        self.blue_green = BlueGreenRollout(
            self.blue_green_records, self.blue, adoption=self.adoption
        )
        self.continues = BlueGreenContinues(self.blue_green_records, self.tokens)
        self.failing: Callable[[HostCommand, LifecycleEvent], bool] = lambda *_: False
        self.ran: list[tuple[str, LifecycleEvent]] = []

    def create(self, deployment: BlueGreenDeployment, deployment_id: str = "d-1") -> str:
        settings = DeploymentSettings(
            deployment_id=deployment_id,
            application_name="app",
            application_id="app-id",
            deployment_group_name="group",
            deployment_group_id="group-id",
            revision=S3Revision("bucket", "key.zip", BundleType.ZIP),
            deployment_config_name="CodeDeployDefault.OneAtATime",
            minimum_healthy_hosts=ONE_AT_A_TIME,
            limits=HostLimits(start_seconds=60, heartbeat_seconds=60, sweep_interval_seconds=5),
            load_balancers=TARGETS,
        )
        plan = blue_green_plan(
            plan_deployment(settings, blue_green_targets(deployment), create_time=NOW),
            deployment,
        )
        self.records.write_plan(
            plan,
            attributes={
                "blue_green": blue_green_attribute(deployment),
                "deployment_style": {"type": "BLUE_GREEN", "option": "WITH_TRAFFIC_CONTROL"},
            },
        )
        DeploymentRecords(self.table).transition(
            deployment_id, DeploymentStatus.CREATED, DeploymentStatus.IN_PROGRESS
        )
        return deployment_id

    def run(self, deployment_id: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run the workflow from ``blueGreenNext`` until it finishes or waits."""
        answer = self.blue_green.next_step(deployment_id, error or {"Error": ""})
        while answer["next"] == "Rollout":
            self.server.dispatch(deployment_id, f"token-{len(self.tokens.answered)}", now=NOW)
            self._agents(deployment_id)
            answer = self.blue_green.next_step(deployment_id, {"Error": "Rollwright.RolloutEnded"})
        if answer["next"] == "Wait":
            self.blue_green_records.store_wait_token(deployment_id, "wait-token")
        return answer

    def finish(self, deployment_id: str) -> DeploymentStatus:
        self.server.finish(deployment_id, error=None, now=NOW)
        return DeploymentStatus(self.records.deployment_item(deployment_id)["status"])

    def _agents(self, deployment_id: str) -> None:
        """Every command sent is run by its host (each event reported), until none is left."""
        while self.commands.sent:
            command = self.commands.sent.pop(0)
            for event in command.lifecycle_events:
                self.ran.append((command.host_id, event))
                failed = self.failing(command, event)
                outcome = EventOutcome.FAILED if failed else EventOutcome.SUCCEEDED
                self.server.on_event_report(
                    command.host_id,
                    EventReport(
                        command.command_id, deployment_id, command.host_id, event, outcome, at=NOW
                    ),
                    now=NOW,
                )
                if failed:
                    break

    def item(self, deployment_id: str) -> dict[str, Any]:
        item = self.records.deployment_item(deployment_id)
        assert item is not None
        return item


def deployment(**configuration: Any) -> BlueGreenDeployment:
    options = blue_green_options(BlueGreenConfiguration(**configuration))
    return BlueGreenDeployment(
        options,
        blue_green_fleets(BLUE, GREEN),
        deployment_steps(options),
        ready_wait_seconds=60,
        termination_wait_seconds=60,
    )


TERMINATE = BlueInstanceTermination(InstanceAction.TERMINATE, 60)


@pytest.fixture
def world(state_table) -> World:
    return World(state_table)


def test_a_deployment_installs_green_moves_traffic_and_waits_before_terminating_blue(world):
    # Given a blue/green deployment that terminates blue after a wait
    deployment_id = world.create(deployment(terminate_blue_instances=TERMINATE))
    # When it runs to its termination wait
    answer = world.run(deployment_id)
    # Then green installed and took traffic, blue lost it, and the wait began
    assert answer["next"] == "Wait"
    assert world.balancers.registered == set(GREEN)
    item = world.item(deployment_id)
    assert item["termination_wait_started"] is True
    green_events = [e for h, e in world.ran if h == "i-g1"]
    assert green_events[0] is LifecycleEvent.APPLICATION_STOP
    assert green_events[-2:] == [
        LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
        LifecycleEvent.AFTER_ALLOW_TRAFFIC,
    ]
    assert [e for h, e in world.ran if h == "i-b1"] == [
        LifecycleEvent.BEFORE_BLOCK_TRAFFIC,
        LifecycleEvent.AFTER_BLOCK_TRAFFIC,
    ]
    # And each pass's commands have ids of their own
    # When ContinueDeployment(TERMINATION_WAIT) ends the wait
    world.continues.continue_deployment(deployment_id, "TERMINATION_WAIT")
    answer = world.run(deployment_id)
    # Then blue is terminated and the deployment succeeds with every instance counted
    assert answer["next"] == "Finish"
    assert world.blue.terminated == list(BLUE)
    assert world.finish(deployment_id) is DeploymentStatus.SUCCEEDED
    item = world.item(deployment_id)
    assert int(item["succeeded"]) + int(item["overview_carried"]["Succeeded"]) == 4


def test_a_succeeded_deployment_hands_its_recorded_target_instances_to_the_group(world):
    # Given a KEEP_ALIVE deployment whose green instances an ec2TagSet selected
    green = TargetInstances(
        tag_set=((TagFilter("color", "green", TagFilterType.KEY_AND_VALUE),),),
        auto_scaling_groups=("green-asg",),
    )
    deployment_id = world.create(replace(deployment(), target_instances=green))
    # When it runs to its end
    assert world.run(deployment_id)["next"] == "Finish"
    # Then the group adopts the targetInstances read back from the deployment item
    assert world.adoption.adopted == [green]
    assert world.finish(deployment_id) is DeploymentStatus.SUCCEEDED


def test_the_ready_wait_makes_the_deployment_ready_until_continued(world):
    ready = DeploymentReadyOption(DeploymentReadyAction.STOP_DEPLOYMENT, 60)
    deployment_id = world.create(deployment(deployment_ready=ready))
    answer = world.run(deployment_id)
    assert answer == {**answer, "next": "Wait", "waitSeconds": 60}
    item = world.item(deployment_id)
    assert item["status"] == "Ready"
    assert dict(item["overview_carried"]) == {"Ready": 2, "Pending": 2}
    assert world.balancers.registered == set(BLUE)
    with pytest.raises(InvalidDeploymentWaitTypeException):
        world.continues.continue_deployment(deployment_id, "TERMINATION_WAIT")
    world.continues.continue_deployment(deployment_id, "READY_WAIT")
    assert world.run(deployment_id)["next"] == "Finish"
    assert world.balancers.registered == set(GREEN)
    assert world.blue.terminated == []  # KEEP_ALIVE
    assert world.finish(deployment_id) is DeploymentStatus.SUCCEEDED


def test_a_ready_wait_that_times_out_ends_the_deployment_stopped(world):
    ready = DeploymentReadyOption(DeploymentReadyAction.STOP_DEPLOYMENT, 1)
    deployment_id = world.create(deployment(deployment_ready=ready))
    assert world.run(deployment_id)["next"] == "Wait"
    assert world.run(deployment_id, {"Error": "States.Timeout"})["next"] == "Finish"
    assert world.finish(deployment_id) is DeploymentStatus.STOPPED
    assert world.item(deployment_id)["error_information"]["code"] == "TIMEOUT"
    assert world.balancers.registered == set(BLUE)


def test_a_failed_green_install_fails_before_any_traffic_moves(world):
    world.failing = lambda command, event: event is LifecycleEvent.VALIDATE_SERVICE
    deployment_id = world.create(deployment(terminate_blue_instances=TERMINATE))
    assert world.run(deployment_id)["next"] == "Finish"
    assert world.finish(deployment_id) is DeploymentStatus.FAILED
    assert world.balancers.registered == set(BLUE)
    assert world.blue.terminated == []
    assert not [e for h, e in world.ran if h in BLUE]


def test_a_rollback_registers_blue_again_and_deregisters_green(world):
    # Given a deployment that failed after rerouting (blue deregistered, green registered)
    world.balancers.registered = set(GREEN)
    options = blue_green_options(BlueGreenConfiguration())
    rollback = world.create(blue_green_rollback(options, blue_green_fleets(BLUE, GREEN)), "d-2")
    # When its rollback runs
    assert world.run(rollback)["next"] == "Finish"
    # Then traffic is back on blue and green is out
    assert world.balancers.registered == set(BLUE)
    assert [e for h, e in world.ran if h == "i-b1"] == [
        LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
        LifecycleEvent.AFTER_ALLOW_TRAFFIC,
    ]
    assert [e for h, e in world.ran if h == "i-g1"] == [
        LifecycleEvent.BEFORE_BLOCK_TRAFFIC,
        LifecycleEvent.AFTER_BLOCK_TRAFFIC,
    ]
    assert world.finish(rollback) is DeploymentStatus.SUCCEEDED


def test_a_stop_during_the_ready_wait_ends_the_wait_and_the_deployment_stopped(world):
    # Given a deployment in its ready wait
    ready = DeploymentReadyOption(DeploymentReadyAction.STOP_DEPLOYMENT, 60)
    deployment_id = world.create(deployment(deployment_ready=ready))
    assert world.run(deployment_id)["next"] == "Wait"
    # When StopDeployment is recorded (the Server stop: the rollout settles it)
    stops = DynamoDeploymentStops(world.table)
    assert stops.request_stop(deployment_id, auto_rollback_enabled=False, now=NOW) == 0
    world.server.settle_stop(deployment_id, now=NOW)
    # Then the wait is answered, and the deployment ends Stopped with traffic still on blue
    assert world.tokens.answered[-1] == "wait-token"
    assert world.run(deployment_id)["next"] == "Finish"
    assert world.finish(deployment_id) is DeploymentStatus.STOPPED
    assert world.item(deployment_id)["error_information"]["code"] == "MANUAL_STOP"
    assert world.balancers.registered == set(BLUE)


def test_the_sweep_of_a_pass_never_starts_an_instance_waiting_for_a_later_pass(world):
    # Given a rollback whose first pass gives traffic back to blue, OneAtATime
    world.balancers.registered = set(GREEN)
    options = blue_green_options(BlueGreenConfiguration())
    rollback = world.create(blue_green_rollback(options, blue_green_fleets(BLUE, GREEN)), "d-3")
    assert world.blue_green.next_step(rollback, {"Error": ""})["next"] == "Rollout"
    world.server.dispatch(rollback, "token", now=NOW)
    # When the sweep looks at the deployment while the first blue instance runs
    world.server.sweep(rollback, now=NOW + 1)
    # Then only blue instances were given commands; green waits for its own pass
    assert {command.host_id for command in world.commands.sent} == {"i-b1"}


def test_provisioning_keeps_the_time_it_began(world):
    deployment_id = world.create(deployment())
    records = world.blue_green_records
    assert records.provisioning_since(deployment_id, NOW) == NOW
    assert records.provisioning_since(deployment_id, NOW + 60) == NOW


def test_a_stop_between_two_passes_is_accepted_and_ends_the_deployment_stopped(world):
    # Given a deployment whose green install pass has just succeeded, the next pass not begun
    deployment_id = world.create(deployment(terminate_blue_instances=TERMINATE))
    assert world.blue_green.next_step(deployment_id, {"Error": ""})["next"] == "Rollout"
    world.server.dispatch(deployment_id, "token", now=NOW)
    world._agents(deployment_id)
    assert world.item(deployment_id)["outcome"]["status"] == "Succeeded"
    # When StopDeployment is recorded in that moment
    stops = DynamoDeploymentStops(world.table)
    # Then it is accepted (nothing in progress), not answered as already completed
    assert stops.request_stop(deployment_id, auto_rollback_enabled=False, now=NOW) == 0
    # And the next step ends the deployment Stopped without moving any traffic
    answer = world.blue_green.next_step(deployment_id, {"Error": "Rollwright.RolloutEnded"})
    assert answer["next"] == "Finish"
    assert world.finish(deployment_id) is DeploymentStatus.STOPPED
    assert world.item(deployment_id)["error_information"]["code"] == "MANUAL_STOP"
    assert world.balancers.registered == set(BLUE)


def test_a_stop_after_the_deployment_ended_is_still_refused(world):
    # Given a deployment whose last step has recorded its success (finish not yet run)
    ready = DeploymentReadyOption(DeploymentReadyAction.CONTINUE_DEPLOYMENT, 0)
    deployment_id = world.create(deployment(deployment_ready=ready))
    assert world.run(deployment_id)["next"] == "Finish"
    # When StopDeployment is recorded / Then it is refused (None: not active)
    stops = DynamoDeploymentStops(world.table)
    assert stops.request_stop(deployment_id, auto_rollback_enabled=False, now=NOW) is None
    assert world.finish(deployment_id) is DeploymentStatus.SUCCEEDED


def test_the_finish_bookkeeping_reads_each_instances_label(world):
    # Given a blue/green deployment that ran to its end
    ready = DeploymentReadyOption(DeploymentReadyAction.CONTINUE_DEPLOYMENT, 0)
    deployment_id = world.create(deployment(deployment_ready=ready))
    assert world.run(deployment_id)["next"] == "Finish"
    assert world.finish(deployment_id) is DeploymentStatus.SUCCEEDED
    # When the group's instance records are made from its targets
    results = DynamoInstanceRecords(world.table).host_results(deployment_id)
    records = records_after(deployment_id, V2, results, {})
    # Then green is on the deployed revision and blue's revision stays unknown
    revisions = {record.host_id: record.revision_id for record in records}
    assert revisions == {
        **dict.fromkeys(GREEN, revision_id(V2)),
        **dict.fromkeys(BLUE, None),
    }
