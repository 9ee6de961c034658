"""Deployments in the state table on moto: the active-deployment condition, idempotent retries,
the final status releasing the group, listing newest first, targets read back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from functions.adapters.alarm_watchers import watchers
from functions.adapters.deployment_store import DynamoDeploymentStore
from functions.adapters.instance_records import DynamoInstanceRecords
from functions.adapters.rollout_records import RolloutRecords
from rollwright.agent_protocol import BundleType, S3Revision
from rollwright.applications import ComputePlatform
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_group_settings import (
    AlarmConfiguration,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
)
from rollwright.deployment_plan import DeploymentSettings, plan_deployment
from rollwright.deployment_records import (
    DeploymentChoices,
    DeploymentError,
    DeploymentQuery,
    NewDeployment,
    RelatedDeployments,
    RollbackInfo,
)
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import DeploymentLimitExceededException
from rollwright.instance_history import HostResult, InstanceRecord
from rollwright.revision_locations import BundleType as LocationBundleType
from rollwright.revision_locations import S3Location
from rollwright.rollout import InstanceStatus
from rollwright.rollout_store import FinalStatus
from rollwright.target_selection import DeploymentTarget, TargetKind
from tests.integration.state_table import state_table

__all__ = ["state_table"]

ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)
CHOICES = DeploymentChoices(
    compute_platform=ComputePlatform.SERVER,
    revision=S3Location("bucket", "web.zip", LocationBundleType.ZIP),
    deployment_style=DeploymentStyle(
        DeploymentType.IN_PLACE, DeploymentOption.WITHOUT_TRAFFIC_CONTROL
    ),
)


def _new(
    deployment_id: str, *, key: str, hosts: int = 2, created: float = 1_000.0
) -> NewDeployment:
    plan = plan_deployment(
        DeploymentSettings(
            deployment_id=deployment_id,
            application_name="shop",
            application_id="app-id",
            deployment_group_name="web",
            deployment_group_id="group-id",
            revision=S3Revision("bucket", "web.zip", BundleType.ZIP),
            deployment_config_name="CodeDeployDefault.OneAtATime",
            minimum_healthy_hosts=ONE_AT_A_TIME,
        ),
        [DeploymentTarget(f"host-{i}", f"host.{i}", TargetKind.ON_PREMISES) for i in range(hosts)],
        create_time=created,
    )
    ended = None if hosts else DeploymentError("NO_INSTANCES", "No instances.")
    return NewDeployment(plan, CHOICES, key, ended)


@pytest.fixture
def store(state_table: Any) -> DynamoDeploymentStore:
    return DynamoDeploymentStore(state_table)


def test_a_second_deployment_to_the_group_is_refused_naming_the_active_one(
    store: DynamoDeploymentStore,
) -> None:
    # Given an active deployment of the group
    store.create(_new("d-AAAAAAAAA", key="one"))
    # When another deployment of the group is written
    with pytest.raises(DeploymentLimitExceededException, match="d-AAAAAAAAA"):
        store.create(_new("d-BBBBBBBBB", key="two", created=2_000.0))
    # Then nothing of it was written
    assert store.find("d-BBBBBBBBB") is None


def test_the_final_status_releases_the_group_for_the_next_deployment(
    store: DynamoDeploymentStore, state_table: Any
) -> None:
    store.create(_new("d-AAAAAAAAA", key="one"))
    records = RolloutRecords(state_table)
    # Given the workflow began and finished the deployment
    state_table.update_item(
        Key={"pk": "DEPLOYMENT#d-AAAAAAAAA", "sk": "DEPLOYMENT"},
        UpdateExpression="SET #s = :p",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": "InProgress"},
    )
    assert records.finish("d-AAAAAAAAA", FinalStatus(DeploymentStatus.SUCCEEDED), now=1_500.0)
    # When the next deployment is written, it is accepted
    created = store.create(_new("d-BBBBBBBBB", key="two", created=2_000.0))
    assert created.new
    # And the listing shows both, newest first
    listed = store.deployments_after(DeploymentQuery("group-id"), None, 10)
    assert [i for i, _ in listed] == ["d-BBBBBBBBB", "d-AAAAAAAAA"]
    succeeded = DeploymentQuery("group-id", statuses=frozenset({DeploymentStatus.SUCCEEDED}))
    assert [i for i, _ in store.deployments_after(succeeded, None, 10)] == ["d-AAAAAAAAA"]


def test_a_retried_request_answers_the_deployment_it_created(store: DynamoDeploymentStore) -> None:
    first = store.create(_new("d-AAAAAAAAA", key="same"))
    again = store.create(_new("d-CCCCCCCCC", key="same", created=1_001.0))
    assert (again.deployment_id, again.new) == (first.deployment_id, False)
    assert store.find("d-CCCCCCCCC") is None


def test_a_deployment_without_instances_is_failed_and_holds_no_group(
    store: DynamoDeploymentStore,
) -> None:
    store.create(_new("d-AAAAAAAAA", key="one", hosts=0))
    found = store.find("d-AAAAAAAAA")
    assert found is not None
    assert found.status is DeploymentStatus.FAILED
    assert found.error == DeploymentError("NO_INSTANCES", "No instances.")
    assert store.create(_new("d-BBBBBBBBB", key="two")).new


def test_targets_are_read_back_pending_with_their_lifecycle_events(
    store: DynamoDeploymentStore,
) -> None:
    store.create(_new("d-AAAAAAAAA", key="one", hosts=3))
    targets = store.targets_after("d-AAAAAAAAA", frozenset(), None, 2)
    assert [t.host_id for t in targets] == ["host-0", "host-1"]
    rest = store.targets_after("d-AAAAAAAAA", frozenset(), "host-1", 10)
    assert [t.instance_name for t in rest] == ["host.2"]
    assert store.targets_after("d-AAAAAAAAA", frozenset({InstanceStatus.FAILED}), None, 10) == []
    found = store.find_targets("d-AAAAAAAAA", ["host-1", "host-9"])
    assert list(found) == ["host-1"]
    assert found["host-1"].lifecycle_events[0].name.value == "ApplicationStop"
    assert {e.status.value for e in found["host-1"].lifecycle_events} == {"Pending"}


def test_rollback_links_are_written_once_and_read_back(store: DynamoDeploymentStore) -> None:
    # Given a rollback deployment, which names the deployment it rolls back from its creation
    rollback = _new("d-RRRRRRRRR", key="rollback")
    store.create(
        NewDeployment(
            rollback.plan,
            replace(
                CHOICES,
                rollback_triggering_deployment_id="d-FFFFFFFFF",
                previous_revision=S3Location("bucket", "old.zip", LocationBundleType.ZIP),
            ),
            "rollback",
        )
    )
    found = store.find("d-RRRRRRRRR")
    assert found is not None
    assert found.rollback_info == RollbackInfo(rollback_triggering_deployment_id="d-FFFFFFFFF")
    assert found.choices.previous_revision == S3Location(
        "bucket", "old.zip", LocationBundleType.ZIP
    )
    # When the failed deployment is linked to it, twice
    failed = RollbackInfo(rollback_deployment_id="d-RRRRRRRRR", rollback_message="rolled back")
    store.create(_new("d-FFFFFFFFF", key="failed", hosts=0))
    assert store.record_rollback("d-FFFFFFFFF", failed)
    assert not store.record_rollback("d-FFFFFFFFF", RollbackInfo(rollback_message="other"))
    # Then the first link stays; a rollback is not linked to a rollback of its own
    assert store.find("d-FFFFFFFFF").rollback_info == failed  # type: ignore[union-attr]
    assert not store.record_rollback("d-RRRRRRRRR", RollbackInfo(rollback_message="no"))
    assert not store.record_rollback("d-NOTTHERE", failed)


def test_auto_update_links_are_written_both_ways_and_once(store: DynamoDeploymentStore) -> None:
    # Given a deployment and the auto-update its end started (in other groups: both may run)
    store.create(_new("d-ROOT00001", key="root", hosts=0))
    store.create(_new("d-AUTOUPDT1", key="update", hosts=0))
    # When they are linked, twice (a retried finish step)
    store.record_auto_update("d-ROOT00001", "d-AUTOUPDT1")
    store.record_auto_update("d-ROOT00001", "d-AUTOUPDT1")
    # Then each names the other, and the auto-update is listed once
    assert store.find("d-ROOT00001").related == RelatedDeployments(  # type: ignore[union-attr]
        auto_update_deployment_ids=("d-AUTOUPDT1",)
    )
    assert store.find("d-AUTOUPDT1").related == RelatedDeployments(  # type: ignore[union-attr]
        auto_update_root_deployment_id="d-ROOT00001"
    )


def test_instance_records_round_trip_per_group(state_table: Any) -> None:
    records = DynamoInstanceRecords(state_table)
    written = [
        InstanceRecord(f"host-{i}", "d-AAAAAAAAA", i % 2 == 0, None if i == 3 else "ab" * 32)
        for i in range(30)  # more than one BatchWriteItem
    ]
    records.write("group-id", written)
    records.write("other-group", written[:1])
    assert records.records("group-id") == {r.host_id: r for r in written}
    assert list(records.records("other-group")) == ["host-0"]
    assert DynamoDeploymentStore(state_table).instance_records("nobody") == {}


def test_host_results_read_each_targets_status(
    store: DynamoDeploymentStore, state_table: Any
) -> None:
    store.create(_new("d-AAAAAAAAA", key="one", hosts=3))
    results = DynamoInstanceRecords(state_table).host_results("d-AAAAAAAAA")
    assert sorted(results, key=lambda r: r.host_id) == [
        HostResult(f"host-{i}", InstanceStatus.PENDING) for i in range(3)
    ]


def test_a_deployment_watching_alarms_is_found_from_each_alarm(
    store: DynamoDeploymentStore, state_table: Any
) -> None:
    watched = replace(
        CHOICES, alarm_configuration=AlarmConfiguration(True, False, ("errors", "latency"))
    )
    new = _new("d-AAAAAAAAA", key="one")
    store.create(NewDeployment(new.plan, watched, "one"))
    assert watchers(state_table, "errors") == ["d-AAAAAAAAA"]
    assert watchers(state_table, "latency") == ["d-AAAAAAAAA"]
    assert watchers(state_table, "other") == []
    found = store.find("d-AAAAAAAAA")
    assert found is not None
    assert found.choices.alarm_configuration == watched.alarm_configuration
