"""Lambda deployments in the state table (``DynamoLambdaDeployments``) on moto: the create
transaction (claim, watch items, idempotency), and the conditional writes the rollout relies on
(the first outcome wins, a hook's verdict is taken once, nothing moves after the end)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from functions.adapters.alarm_watchers import watchers
from functions.adapters.lambda_deployment_records import DynamoLambdaDeployments
from rollwright.account_region import AccountRegion
from rollwright.applications import ComputePlatform
from rollwright.deployment_group_settings import (
    AlarmConfiguration,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
)
from rollwright.deployment_records import DeploymentChoices
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import (
    DeploymentLimitExceededException,
    InvalidLifecycleEventHookExecutionIdException,
)
from rollwright.lambda_appspec import LambdaAppSpec, TrafficHook
from rollwright.lambda_deployments import LambdaDeployments
from rollwright.lambda_records import LambdaOutcome, NewLambdaDeployment
from rollwright.lambda_traffic import TrafficStep
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.revision_locations import AppSpecText, RevisionType
from tests.integration.state_table import state_table

__all__ = ["state_table"]

NOW = 1_800_000_000.0
ALARMS = AlarmConfiguration(enabled=True, ignore_poll_alarm_failure=False, alarm_names=("a", "b"))
STOPPED = LambdaOutcome(DeploymentStatus.STOPPED, "MANUAL_STOP", "stopped")
FAILED = LambdaOutcome(DeploymentStatus.FAILED, "HOOK_EXECUTION_FAILURE", "hook failed")
BEFORE, ALLOW = LifecycleEvent.BEFORE_ALLOW_TRAFFIC, LifecycleEvent.ALLOW_TRAFFIC


def _new(deployment_id: str = "d-LAMBDA001", **changes: Any) -> NewLambdaDeployment:
    content = '{"version": 0.0}'
    deployment = NewLambdaDeployment(
        deployment_id=deployment_id,
        application_name="app",
        application_id="app-id",
        deployment_group_name="group",
        deployment_group_id="group-id",
        deployment_config_name="CodeDeployDefault.LambdaCanary10Percent5Minutes",
        choices=DeploymentChoices(
            compute_platform=ComputePlatform.LAMBDA,
            revision=AppSpecText(RevisionType.APPSPEC_CONTENT, "0" * 64, content),
            deployment_style=DeploymentStyle(
                DeploymentType.BLUE_GREEN, DeploymentOption.WITH_TRAFFIC_CONTROL
            ),
            alarm_configuration=ALARMS,
        ),
        appspec=LambdaAppSpec(
            "fn", "live", "1", "2", {TrafficHook.BEFORE_ALLOW_TRAFFIC: "CodeDeployHook_pre"}
        ),
        target=None,
        steps=(TrafficStep(Decimal("0.1"), 300), TrafficStep(Decimal(1), 0)),
        hook_timeout_seconds=3600,
        wait_scale=1.0,
        execution_ids={TrafficHook.BEFORE_ALLOW_TRAFFIC: "exec-1"},
        create_time=NOW,
        request_key=f"key-{deployment_id}",
    )
    return replace(deployment, **changes)


@pytest.fixture
def store(state_table: Any) -> DynamoLambdaDeployments:
    return DynamoLambdaDeployments(state_table)


@pytest.fixture
def created(store: DynamoLambdaDeployments) -> str:
    deployment_id, new = store.create(_new())
    assert new
    return deployment_id


def _claim(state_table: Any) -> dict[str, Any] | None:
    item: dict[str, Any] | None = state_table.get_item(
        Key={"pk": "ACTIVE_DEPLOYMENT#group-id", "sk": "ACTIVE_DEPLOYMENT"}
    ).get("Item")
    return item


def test_create_claims_the_group_and_makes_the_deployment_a_watcher_of_its_alarms(
    store, state_table, created
) -> None:
    claim = _claim(state_table)
    assert claim is not None
    assert claim["deployment_id"] == created
    assert watchers(state_table, "a") == [created]
    assert watchers(state_table, "b") == [created]
    record = store.find(created)
    assert record is not None
    assert record.alarms == ALARMS
    assert record.steps == (TrafficStep(Decimal("0.1"), 300), TrafficStep(Decimal(1), 0))
    assert record.events[BEFORE].execution_id == "exec-1"
    assert record.events[BEFORE].hook_function == "CodeDeployHook_pre"


def test_a_second_deployment_to_a_busy_group_is_refused_and_writes_nothing(
    store, state_table, created
) -> None:
    with pytest.raises(DeploymentLimitExceededException, match=created):
        store.create(_new("d-LAMBDA002"))
    assert store.find("d-LAMBDA002") is None
    assert watchers(state_table, "a") == [created]


def test_the_same_request_again_is_answered_with_the_earlier_deployment(store, created) -> None:
    assert store.create(replace(_new("d-LAMBDA002"), request_key=f"key-{created}")) == (
        created,
        False,
    )


def test_a_deployment_ended_at_creation_claims_nothing_and_watches_nothing(
    store, state_table
) -> None:
    ended = LambdaOutcome(DeploymentStatus.FAILED, "INVALID_LAMBDA_FUNCTION", "no such function")
    deployment_id, _ = store.create(_new(ended=ended))
    record = store.find(deployment_id)
    assert record is not None
    assert record.status is DeploymentStatus.FAILED
    assert _claim(state_table) is None
    assert watchers(state_table, "a") == []


def test_the_first_outcome_wins(store, created) -> None:
    assert store.decide(created, STOPPED, now=NOW)
    assert not store.decide(created, FAILED, now=NOW)
    record = store.find(created)
    assert record is not None
    assert record.outcome == STOPPED


def test_no_weight_is_recorded_once_the_deployment_has_an_outcome(store, created) -> None:
    assert store.record_weight(created, Decimal("0.1"), last=False, now=NOW)
    store.decide(created, STOPPED, now=NOW)
    assert not store.record_weight(created, Decimal(1), last=True, now=NOW)
    record = store.find(created)
    assert record is not None
    assert record.target_weight == Decimal("0.1")


def test_a_hook_is_answered_once_and_invoked_once(store, created) -> None:
    assert store.start_event(created, BEFORE, token="token", now=NOW)
    assert store.mark_invoked(created, BEFORE)
    assert not store.mark_invoked(created, BEFORE)
    ok = LifecycleEventStatus.SUCCEEDED
    assert store.answer_event(created, BEFORE, ok, message="ok", now=NOW)
    assert not store.answer_event(
        created, BEFORE, LifecycleEventStatus.FAILED, message="late", now=NOW
    )
    record = store.find(created)
    assert record is not None
    assert record.events[BEFORE].status is LifecycleEventStatus.SUCCEEDED
    assert record.events[BEFORE].task_token == "token"


def test_no_event_starts_once_the_deployment_has_an_outcome(store, created) -> None:
    store.decide(created, STOPPED, now=NOW)
    assert not store.start_event(created, BEFORE, token="token", now=NOW)


def test_close_ends_the_events_releases_the_group_and_happens_once(
    store, state_table, created
) -> None:
    store.start_event(created, BEFORE, token=None, now=NOW)
    store.record_weight(created, Decimal("0.1"), last=False, now=NOW)
    store.decide(created, FAILED, now=NOW)
    assert store.close(created, FAILED, now=NOW + 1)
    assert not store.close(created, FAILED, now=NOW + 2)
    record = store.find(created)
    assert record is not None
    assert record.status is DeploymentStatus.FAILED
    assert record.target_weight == Decimal(0)
    assert record.events[BEFORE].status is LifecycleEventStatus.FAILED
    assert record.events[ALLOW].status is LifecycleEventStatus.FAILED
    assert record.events[LifecycleEvent.AFTER_ALLOW_TRAFFIC].status is LifecycleEventStatus.SKIPPED
    assert _claim(state_table) is None


class _NoVerdicts:
    """The rollout a refused verdict must never reach."""

    def answer(self, *args: Any, **kwargs: Any) -> bool:
        pytest.fail("no verdict may be taken")


def test_a_verdict_for_an_unknown_hook_execution_id_is_refused(store, created) -> None:
    # Given the deployment's BeforeAllowTraffic hook running
    store.start_event(created, BEFORE, token="token", now=NOW)
    deployments = LambdaDeployments(
        store,
        functions=None,  # type: ignore[arg-type]
        appspec_objects=None,  # type: ignore[arg-type]
        workflows=None,  # type: ignore[arg-type]
        rollout=_NoVerdicts,  # type: ignore[arg-type]
        account_region=AccountRegion("aws", "us-east-1", "123456789012"),
    )
    # When a verdict names an execution id it does not have, Then it is refused
    with pytest.raises(InvalidLifecycleEventHookExecutionIdException):
        deployments.put_hook_status(created, "exec-unknown", "Succeeded")
    record = store.find(created)
    assert record is not None
    assert record.events[BEFORE].status is LifecycleEventStatus.IN_PROGRESS
