"""The ECS deployment adapters on moto: task sets (ECS), listener weights (ELBv2) and the ECS
deployment record (DynamoDB)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest

from devstack.ecs_world import EcsWorld, build_ecs_world
from functions.adapters.ecs_deployment_records import DynamoEcsDeployments
from functions.adapters.ecs_task_sets import EcsTaskSets
from functions.adapters.listener_weights import ElbListenerWeights
from rollwright.applications import ComputePlatform
from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    BlueInstanceTermination,
    DeploymentOption,
    DeploymentReadyAction,
    DeploymentReadyOption,
    DeploymentStyle,
    DeploymentType,
    InstanceAction,
    LoadBalancerInfo,
    TargetGroupPair,
)
from rollwright.deployment_records import DeploymentChoices
from rollwright.deployment_status import DeploymentStatus
from rollwright.ecs_appspec import EcsAppSpec, EcsHook
from rollwright.ecs_records import (
    EcsDeploymentRecord,
    EcsTraffic,
    NewEcsDeployment,
    NewEcsTarget,
)
from rollwright.errors import DeploymentLimitExceededException
from rollwright.lambda_traffic import TrafficStep
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.revision_locations import AppSpecText, RevisionType
from rollwright.traffic_records import TrafficOutcome
from tests.integration.state_table import state_table

__all__ = ["state_table"]

REGION = "us-east-1"
NOW = datetime(2026, 11, 28, tzinfo=UTC).timestamp()


@pytest.fixture
def world(state_table: Any) -> tuple[EcsWorld, Any, Any, Any]:
    ec2, elbv2, ecs = (boto3.client(name, region_name=REGION) for name in ("ec2", "elbv2", "ecs"))
    return build_ecs_world(ec2, elbv2, ecs), ecs, elbv2, state_table


def new_deployment(
    world: EcsWorld, deployment_id: str = "d-ABCDEFGHI", **kw: Any
) -> NewEcsDeployment:
    text = "version: 0.0"
    return NewEcsDeployment(
        deployment_id=deployment_id,
        application_name="app",
        application_id="app-id",
        deployment_group_name="group",
        deployment_group_id="group-id",
        deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
        choices=DeploymentChoices(
            compute_platform=ComputePlatform.ECS,
            revision=AppSpecText(
                RevisionType.APPSPEC_CONTENT, hashlib.sha256(text.encode()).hexdigest(), text
            ),
            deployment_style=DeploymentStyle(
                DeploymentType.BLUE_GREEN, DeploymentOption.WITH_TRAFFIC_CONTROL
            ),
        ),
        appspec=EcsAppSpec(
            world.new_task_definition, "web", 80, hooks={EcsHook.AFTER_INSTALL: "CodeDeployHook_x"}
        ),
        target=NewEcsTarget(
            cluster=world.cluster,
            service=world.service,
            original_task_set=world.original_task_set,
            traffic=EcsTraffic(
                world.blue_target_group,
                world.green_target_group,
                world.prod_listener,
                world.test_listener,
            ),
            termination_wait_seconds=3,
        ),
        steps=(TrafficStep(Decimal("0.1"), 60), TrafficStep(Decimal(1), 0)),
        hook_timeout_seconds=36,
        wait_scale=0.01,
        execution_ids={EcsHook.AFTER_INSTALL: "execution-1"},
        create_time=NOW,
        request_key=f"key-{deployment_id}",
        **kw,
    )


def created_record(world: EcsWorld, table: Any) -> EcsDeploymentRecord:
    store = DynamoEcsDeployments(table)
    store.create(new_deployment(world))
    record = store.find("d-ABCDEFGHI")
    assert record is not None
    return record


def test_a_replacement_task_set_is_created_on_the_target_group_given(world: Any) -> None:
    ecs_world, ecs, _, table = world
    record = created_record(ecs_world, table)
    task_sets = EcsTaskSets(ecs)

    arn = task_sets.create_task_set(
        record, target_group=ecs_world.green_target_group, scale_percent=100.0
    )

    service = task_sets.service(ecs_world.cluster, ecs_world.service)
    assert service is not None
    created = next(t for t in service.task_sets if t.arn == arn)
    assert created.target_groups == (ecs_world.green_target_group,)
    assert created.task_definition == ecs_world.new_task_definition
    assert service.primary is not None
    assert service.primary.arn == ecs_world.original_task_set


def test_creating_the_replacement_again_finds_the_first_one(world: Any) -> None:
    ecs_world, ecs, _, table = world
    record = created_record(ecs_world, table)
    task_sets = EcsTaskSets(ecs)

    first = task_sets.create_task_set(
        record, target_group=ecs_world.green_target_group, scale_percent=100.0
    )
    second = task_sets.create_task_set(
        record, target_group=ecs_world.green_target_group, scale_percent=100.0
    )

    assert first == second


def test_the_replacement_becomes_primary_and_the_original_is_deleted(world: Any) -> None:
    ecs_world, ecs, _, table = world
    record = created_record(ecs_world, table)
    task_sets = EcsTaskSets(ecs)
    replacement = task_sets.create_task_set(
        record, target_group=ecs_world.green_target_group, scale_percent=100.0
    )

    task_sets.make_primary(ecs_world.cluster, ecs_world.service, replacement)
    task_sets.delete_task_set(ecs_world.cluster, ecs_world.service, ecs_world.original_task_set)
    task_sets.delete_task_set(ecs_world.cluster, ecs_world.service, ecs_world.original_task_set)

    service = task_sets.service(ecs_world.cluster, ecs_world.service)
    assert service is not None
    assert [(t.arn, t.status) for t in service.task_sets] == [(replacement, "PRIMARY")]


def test_a_task_definition_lists_its_containers_and_ports(world: Any) -> None:
    ecs_world, ecs, _, _ = world

    definition = EcsTaskSets(ecs).task_definition(ecs_world.new_task_definition)

    assert definition is not None
    assert [(c.name, c.container_ports) for c in definition.containers] == [("web", (80,))]
    assert EcsTaskSets(ecs).task_definition("missing:7") is None


def test_a_missing_service_is_none(world: Any) -> None:
    ecs_world, ecs, _, _ = world

    assert EcsTaskSets(ecs).service(ecs_world.cluster, "missing") is None
    assert EcsTaskSets(ecs).service("missing", "missing") is None


def test_listener_weights_are_set_and_read_back(world: Any) -> None:
    ecs_world, _, elbv2, _ = world
    listeners = ElbListenerWeights(elbv2)

    listeners.forward(
        ecs_world.prod_listener, {ecs_world.blue_target_group: 70, ecs_world.green_target_group: 30}
    )

    assert listeners.weights(ecs_world.prod_listener) == {
        ecs_world.blue_target_group: 70,
        ecs_world.green_target_group: 30,
    }
    assert listeners.weights(ecs_world.test_listener) == {ecs_world.blue_target_group: 1}


def test_target_groups_are_found_by_name_and_missing_ones_left_out(world: Any) -> None:
    ecs_world, _, elbv2, _ = world

    found = ElbListenerWeights(elbv2).target_group_arns((ecs_world.blue_name, "missing"))

    assert found == {ecs_world.blue_name: ecs_world.blue_target_group}


def test_a_listener_that_does_not_exist_is_reported(world: Any) -> None:
    ecs_world, _, elbv2, _ = world
    listeners = ElbListenerWeights(elbv2)

    assert listeners.listener_exists(ecs_world.prod_listener)
    assert not listeners.listener_exists(ecs_world.prod_listener[:-4] + "0000")


def test_the_deployment_record_reads_back_as_written(world: Any) -> None:
    ecs_world, _, _, table = world
    store = DynamoEcsDeployments(table)

    store.create(new_deployment(ecs_world))

    record = store.find("d-ABCDEFGHI")
    assert record is not None
    assert record.status is DeploymentStatus.CREATED
    assert record.target_id == f"{ecs_world.cluster}:{ecs_world.service}"
    assert record.traffic is not None
    assert record.traffic.test_listener == ecs_world.test_listener
    assert record.events[LifecycleEvent.AFTER_INSTALL].execution_id == "execution-1"
    assert record.appspec.task_definition == ecs_world.new_task_definition
    assert store.compute_platform("d-ABCDEFGHI") is ComputePlatform.ECS


def test_a_second_deployment_to_the_busy_group_is_refused(world: Any) -> None:
    ecs_world, _, _, table = world
    store = DynamoEcsDeployments(table)
    store.create(new_deployment(ecs_world))

    with pytest.raises(DeploymentLimitExceededException):
        store.create(new_deployment(ecs_world, "d-BCDEFGHIJ"))


def test_nothing_moves_once_the_outcome_is_decided(world: Any) -> None:
    ecs_world, _, _, table = world
    store = DynamoEcsDeployments(table)
    store.create(new_deployment(ecs_world))
    outcome = TrafficOutcome(DeploymentStatus.STOPPED, "MANUAL_STOP", "stopped")
    table.update_item(
        Key={"pk": "DEPLOYMENT#d-ABCDEFGHI", "sk": "DEPLOYMENT"},
        UpdateExpression="SET #s = :running",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":running": "InProgress"},
    )

    assert store.decide("d-ABCDEFGHI", outcome, now=NOW)
    assert not store.decide("d-ABCDEFGHI", outcome, now=NOW)
    assert not store.record_weight("d-ABCDEFGHI", Decimal("0.1"), last=False, now=NOW)
    assert not store.record_replacement("d-ABCDEFGHI", "arn:x", now=NOW)
    assert store.close("d-ABCDEFGHI", outcome, now=NOW)

    record = store.find("d-ABCDEFGHI")
    assert record is not None
    assert record.status is DeploymentStatus.STOPPED
    assert record.events[LifecycleEvent.INSTALL].status is LifecycleEventStatus.SKIPPED


def test_the_termination_wait_token_is_taken_once(world: Any) -> None:
    ecs_world, _, _, table = world
    store = DynamoEcsDeployments(table)
    store.create(new_deployment(ecs_world))

    assert store.take_waiting_token("d-ABCDEFGHI") is None
    assert store.start_waiting("d-ABCDEFGHI", "token-1", now=NOW)
    assert store.take_waiting_token("d-ABCDEFGHI") == "token-1"
    assert store.take_waiting_token("d-ABCDEFGHI") is None
    record = store.find("d-ABCDEFGHI")
    assert record is not None
    assert record.promoted


def _in_progress(table: Any) -> None:
    table.update_item(
        Key={"pk": "DEPLOYMENT#d-ABCDEFGHI", "sk": "DEPLOYMENT"},
        UpdateExpression="SET #s = :running",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":running": "InProgress"},
    )


def test_the_ready_wait_makes_the_deployment_ready_and_its_token_is_taken_once(
    world: Any,
) -> None:
    ecs_world, _, _, table = world
    store = DynamoEcsDeployments(table)
    store.create(new_deployment(ecs_world))
    _in_progress(table)

    assert store.take_ready_token("d-ABCDEFGHI", now=NOW) is None
    assert store.start_ready_wait("d-ABCDEFGHI", "ready-1", now=NOW)
    waiting = store.find("d-ABCDEFGHI")
    assert store.take_ready_token("d-ABCDEFGHI", now=NOW) == "ready-1"
    assert store.take_ready_token("d-ABCDEFGHI", now=NOW) is None

    assert waiting is not None
    assert waiting.status is DeploymentStatus.READY
    after = store.find("d-ABCDEFGHI")
    assert after is not None
    assert after.status is DeploymentStatus.IN_PROGRESS


def test_a_ready_deployment_can_be_stopped(world: Any) -> None:
    ecs_world, _, _, table = world
    store = DynamoEcsDeployments(table)
    store.create(new_deployment(ecs_world))
    _in_progress(table)
    store.start_ready_wait("d-ABCDEFGHI", "ready-1", now=NOW)
    outcome = TrafficOutcome(DeploymentStatus.STOPPED, "MANUAL_STOP", "stopped")

    assert store.decide("d-ABCDEFGHI", outcome, now=NOW)
    assert store.take_ready_token("d-ABCDEFGHI", now=NOW) is None
    assert store.close("d-ABCDEFGHI", outcome, now=NOW)

    record = store.find("d-ABCDEFGHI")
    assert record is not None
    assert record.status is DeploymentStatus.STOPPED


def test_the_termination_wait_started_is_on_the_deployment_item(world: Any) -> None:
    ecs_world, _, _, table = world
    store = DynamoEcsDeployments(table)
    store.create(new_deployment(ecs_world))
    key = {"pk": "DEPLOYMENT#d-ABCDEFGHI", "sk": "DEPLOYMENT"}
    before = table.get_item(Key=key)["Item"].get("termination_wait_started")

    store.start_waiting("d-ABCDEFGHI", "token-1", now=NOW)

    assert not before
    assert table.get_item(Key=key)["Item"]["termination_wait_started"] is True


def test_the_groups_blue_green_and_load_balancer_info_read_back(world: Any) -> None:
    ecs_world, _, _, table = world
    store = DynamoEcsDeployments(table)
    blue_green = BlueGreenConfiguration(
        BlueInstanceTermination(InstanceAction.TERMINATE, 5),
        DeploymentReadyOption(DeploymentReadyAction.STOP_DEPLOYMENT, 30),
    )
    load_balancers = LoadBalancerInfo(
        target_group_pairs=(TargetGroupPair(("blue", "green"), (ecs_world.prod_listener,), None),)
    )
    deployment = new_deployment(ecs_world)
    target = dataclasses.replace(
        deployment.target,
        blue_green_configuration=blue_green,
        load_balancer_info=load_balancers,
        ready_wait_minutes=30,
        ready_wait_seconds=18,
    )

    store.create(dataclasses.replace(deployment, target=target))

    record = store.find("d-ABCDEFGHI")
    assert record is not None
    assert record.blue_green_configuration == blue_green
    assert record.load_balancer_info == load_balancers
    assert (record.ready_wait_minutes, record.ready_wait_seconds) == (30, 18)
