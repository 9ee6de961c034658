"""The Lambda workflow's steps (``LambdaRollout``) on in-memory fakes: the plan, hooks started and
answered once, traffic steps (weight written before the alias moves), the end decided once and
carried out idempotently, and the alarms polled before the first hook and every traffic step."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rollwright.alarm_events import AlarmState
from rollwright.deployment_group_settings import AlarmConfiguration
from rollwright.deployment_status import DeploymentStatus
from rollwright.lambda_records import LambdaDeploymentRecord
from rollwright.lambda_rollout import DeploymentEndedError, LambdaRollout
from rollwright.lambda_traffic import TrafficFailure
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.revision_locations import AppSpecText, RevisionType
from tests.fakes.lambda_rollout import (
    FakeAlarms,
    FakeAlias,
    InMemoryLambdaStore,
    RecordingAnswers,
    RecordingBookkeeping,
    RecordingHooks,
    lambda_record,
)

DEPLOYMENT = "d-LAMBDA001"
BEFORE, ALLOW, AFTER = (
    LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
    LifecycleEvent.ALLOW_TRAFFIC,
    LifecycleEvent.AFTER_ALLOW_TRAFFIC,
)
ALARM = "errors-high"
WATCHING = AlarmConfiguration(enabled=True, ignore_poll_alarm_failure=False, alarm_names=(ALARM,))


class World:
    def __init__(self, **record: Any) -> None:
        self.store = InMemoryLambdaStore(lambda_record(DEPLOYMENT, **record))
        self.alias = FakeAlias()
        self.tasks = RecordingAnswers()
        self.hooks = RecordingHooks()
        self.alarms = FakeAlarms({ALARM: AlarmState.OK})
        self.books = RecordingBookkeeping()
        self.rollout = LambdaRollout(
            self.store,
            self.alias,
            tasks=self.tasks,
            hooks=self.hooks,
            groups=self.books,
            revisions=self.books,
            clock=lambda: 1000.0,
            alarms=self.alarms,
        )

    @property
    def record(self) -> LambdaDeploymentRecord:
        return self.store.records[DEPLOYMENT]

    def status(self, event: LifecycleEvent) -> LifecycleEventStatus:
        return self.record.events[event].status


HOOKS = {BEFORE: "CodeDeployHook_pre", AFTER: "CodeDeployHook_post"}


def test_the_plan_names_the_hook_timeout_and_the_first_step() -> None:
    world = World(hook_timeout_seconds=72)
    assert world.rollout.plan(DEPLOYMENT) == {
        "deploymentId": DEPLOYMENT,
        "hookTimeoutSeconds": 72,
        "step": 0,
    }


def test_a_hook_event_stores_its_token_and_starts_the_runner_once_per_step() -> None:
    world = World(hooks=HOOKS)
    world.rollout.hook(DEPLOYMENT, BEFORE, "token-1")
    assert world.hooks.started == [(DEPLOYMENT, BEFORE)]
    assert world.record.events[BEFORE].task_token == "token-1"
    assert world.status(BEFORE) is LifecycleEventStatus.IN_PROGRESS


def test_an_event_without_a_hook_function_succeeds_at_once() -> None:
    world = World()
    world.rollout.hook(DEPLOYMENT, BEFORE, "token-1")
    assert world.status(BEFORE) is LifecycleEventStatus.SUCCEEDED
    assert world.tasks.answers == [("token-1", "succeed", {"event": "BeforeAllowTraffic"})]
    assert world.hooks.started == []


def test_a_retried_hook_step_answers_its_new_token_from_the_stored_verdict() -> None:
    # Given a hook that already answered Failed
    world = World(hooks=HOOKS)
    world.rollout.hook(DEPLOYMENT, BEFORE, "token-1")
    world.rollout.answer(
        world.record, world.record.events[BEFORE], LifecycleEventStatus.FAILED, "no"
    )
    # When Step Functions retries the step with a new token
    world.rollout.hook(DEPLOYMENT, BEFORE, "token-2")
    # Then the new token is failed at once, and the runner is not started again
    assert world.tasks.answers[-1] == ("token-2", "HookFailed", "no")
    assert world.hooks.started == [(DEPLOYMENT, BEFORE)]


def test_a_hook_verdict_is_taken_once() -> None:
    world = World(hooks=HOOKS)
    world.rollout.hook(DEPLOYMENT, BEFORE, "token-1")
    event = world.record.events[BEFORE]
    assert world.rollout.answer(world.record, event, LifecycleEventStatus.SUCCEEDED, "ok")
    assert not world.rollout.answer(world.record, event, LifecycleEventStatus.FAILED, "late")
    assert world.status(BEFORE) is LifecycleEventStatus.SUCCEEDED
    assert world.tasks.answers == [("token-1", "succeed", {"event": "BeforeAllowTraffic"})]


def test_the_runner_invokes_a_hook_function_once_even_when_retried() -> None:
    world = World(hooks=HOOKS)
    world.rollout.hook(DEPLOYMENT, BEFORE, "token-1")
    first = world.rollout.run_hook(DEPLOYMENT, BEFORE, "https://api")
    again = world.rollout.run_hook(DEPLOYMENT, BEFORE, "https://api")
    assert first == {"invoked": True, "answered": True}
    assert again == {"invoked": False}
    assert len(world.hooks.invoked) == 1
    assert world.hooks.invoked[0][1]["LifecycleEventHookExecutionId"] == "exec-BeforeAllowTraffic"


def test_a_hook_function_that_raises_fails_its_event() -> None:
    world = World(hooks=HOOKS)
    world.hooks.function_error = "Unhandled"
    world.rollout.hook(DEPLOYMENT, BEFORE, "token-1")
    world.rollout.run_hook(DEPLOYMENT, BEFORE, "https://api")
    assert world.status(BEFORE) is LifecycleEventStatus.FAILED
    assert world.tasks.answers[-1][:2] == ("token-1", "HookFailed")
    assert "Unhandled" in world.tasks.answers[-1][2]


def test_a_traffic_step_writes_its_weight_then_moves_the_alias() -> None:
    world = World()
    answer = world.rollout.shift(DEPLOYMENT, 0)
    assert world.record.target_weight == Decimal("0.1")
    assert (world.alias.version, world.alias.weights) == ("1", {"2": 0.1})
    assert answer["step"] == 1
    assert answer["waitSeconds"] == 60
    assert answer["done"] is False
    last = world.rollout.shift(DEPLOYMENT, 1)
    assert last["done"] is True
    assert (world.alias.version, world.alias.weights) == ("2", {})
    assert world.status(ALLOW) is LifecycleEventStatus.SUCCEEDED


def test_a_stop_that_lands_during_a_step_finds_the_alias_put_back() -> None:
    # Given a step whose alias move is interleaved with a stop from outside
    world = World()
    stop_now = world.rollout

    original_route = world.alias.route

    def route_then_stopped(*args: Any, **kwargs: Any) -> None:
        original_route(*args, **kwargs)
        if world.record.outcome is None:
            stop_now.end_now(DEPLOYMENT, TrafficFailure.STOPPED)

    world.alias.route = route_then_stopped  # type: ignore[method-assign]
    # When the step runs, Then it ends, and the alias is back on the original version
    with pytest.raises(DeploymentEndedError):
        world.rollout.shift(DEPLOYMENT, 0)
    assert (world.alias.version, world.alias.weights) == ("1", {})
    assert world.record.status is DeploymentStatus.STOPPED


def test_a_step_after_the_end_moves_nothing() -> None:
    world = World()
    world.rollout.end_now(DEPLOYMENT, TrafficFailure.STOPPED)
    with pytest.raises(DeploymentEndedError):
        world.rollout.shift(DEPLOYMENT, 0)
    assert world.alias.routes == []


def test_the_finish_after_a_failed_hook_puts_traffic_back_and_is_idempotent() -> None:
    # Given all traffic on the target and a failed AfterAllowTraffic hook
    revision = AppSpecText(RevisionType.APPSPEC_CONTENT, "0" * 64, "{}")
    world = World(hooks=HOOKS, steps=(lambda_record().steps[-1],), revision=revision)
    world.rollout.shift(DEPLOYMENT, 0)
    world.rollout.hook(DEPLOYMENT, AFTER, "token-1")
    error = {"Error": "HookFailed", "Cause": "smoke test failed"}
    # When the workflow finishes, twice (a retry)
    first = world.rollout.finish(DEPLOYMENT, error)
    second = world.rollout.finish(DEPLOYMENT, error)
    # Then it failed once, with the hook's error, and the alias is back on version 1
    assert first == second
    assert first["status"] == "Failed"
    assert first["errorCode"] == "HOOK_EXECUTION_FAILURE"
    assert (world.alias.version, world.alias.weights) == ("1", {})
    assert world.store.released == [DEPLOYMENT]
    assert len(world.books.deployments) == 1


def test_an_end_before_any_traffic_step_leaves_the_alias_untouched() -> None:
    world = World()
    world.rollout.end_now(DEPLOYMENT, TrafficFailure.STOPPED)
    assert world.alias.routes == []
    assert world.record.status is DeploymentStatus.STOPPED


def test_the_first_outcome_wins() -> None:
    world = World()
    assert world.rollout.end_now(DEPLOYMENT, TrafficFailure.ALARM, detail=ALARM)
    assert not world.rollout.end_now(DEPLOYMENT, TrafficFailure.STOPPED)
    answer = world.rollout.finish(DEPLOYMENT, {"Error": "DeploymentEnded"})
    assert answer["errorCode"] == "ALARM_ACTIVE"


# --- alarms ---------------------------------------------------------------------------------------


def test_an_alarm_in_alarm_at_the_plan_stops_the_deployment_before_any_hook() -> None:
    world = World(hooks=HOOKS, alarms=WATCHING)
    world.alarms.current[ALARM] = AlarmState.ALARM
    with pytest.raises(DeploymentEndedError):
        world.rollout.plan(DEPLOYMENT)
    assert world.record.status is DeploymentStatus.STOPPED
    assert world.record.outcome is not None
    assert world.record.outcome.error_code == "ALARM_ACTIVE"
    assert ALARM in world.record.outcome.message
    assert world.alias.routes == []
    assert world.status(BEFORE) is LifecycleEventStatus.SKIPPED


def test_an_alarm_in_alarm_at_a_traffic_step_stops_it_and_puts_traffic_back() -> None:
    # Given a canary at 10 %
    world = World(alarms=WATCHING)
    world.rollout.shift(DEPLOYMENT, 0)
    # When the alarm fires during the bake, and the next step comes
    world.alarms.current[ALARM] = AlarmState.ALARM
    with pytest.raises(DeploymentEndedError):
        world.rollout.shift(DEPLOYMENT, 1)
    # Then the deployment is Stopped (ALARM_ACTIVE) and the alias back on version 1
    assert world.record.status is DeploymentStatus.STOPPED
    assert (world.alias.version, world.alias.weights) == ("1", {})
    assert world.alias.routes == [Decimal("0.1"), Decimal(0)]


def test_alarms_in_ok_let_the_steps_go_on() -> None:
    world = World(alarms=WATCHING)
    world.rollout.plan(DEPLOYMENT)
    world.rollout.shift(DEPLOYMENT, 0)
    assert world.alarms.reads == 2
    assert world.record.outcome is None


@pytest.mark.parametrize(("ignore", "stopped"), [(False, True), (True, False)])
def test_an_alarm_that_cannot_be_read_stops_the_deployment_unless_told_to_ignore_it(
    ignore: bool, stopped: bool
) -> None:
    world = World(alarms=AlarmConfiguration(True, ignore, (ALARM,)))
    world.alarms.failing = True
    if stopped:
        with pytest.raises(DeploymentEndedError):
            world.rollout.plan(DEPLOYMENT)
    else:
        world.rollout.plan(DEPLOYMENT)
    assert (world.record.status is DeploymentStatus.STOPPED) is stopped


def test_a_deployment_watching_no_alarm_never_reads_cloudwatch() -> None:
    world = World()
    world.rollout.plan(DEPLOYMENT)
    world.rollout.shift(DEPLOYMENT, 0)
    assert world.alarms.reads == 0
