"""What a group remembers of its hosts, and the deployment order it gives."""

from __future__ import annotations

from rollwright.deployment_plan import InstanceHistory
from rollwright.instance_history import (
    HostResult,
    InstanceRecord,
    order_history,
    records_after,
    up_to_date,
)
from rollwright.revision_locations import BundleType, S3Location, revision_id
from rollwright.rollout import InstanceHealth, InstanceStatus, RevisionHealth

V1 = S3Location("artifacts", "v1.zip", BundleType.ZIP)
V2 = S3Location("artifacts", "v2.zip", BundleType.ZIP)


def test_a_finished_deployment_records_its_hosts_results() -> None:
    known = {"a": InstanceRecord("a", "d-OLD000000", True, revision_id(V1))}
    results = [
        HostResult("a", InstanceStatus.FAILED),
        HostResult("b", InstanceStatus.SUCCEEDED),
        HostResult("c", InstanceStatus.SKIPPED),
        HostResult("d", InstanceStatus.FAILED),
    ]
    records = records_after("d-NEW000000", V2, results, known)
    assert records == [
        # failed: unhealthy, and still on the revision it had
        InstanceRecord("a", "d-NEW000000", False, revision_id(V1)),
        InstanceRecord("b", "d-NEW000000", True, revision_id(V2)),
        # never installed anything successfully
        InstanceRecord("d", "d-NEW000000", False, None),
    ]


def test_the_order_health_compares_with_the_groups_target_revision() -> None:
    records = {
        "a": InstanceRecord("a", "d-1", True, revision_id(V1)),
        "b": InstanceRecord("b", "d-1", True, revision_id(V2)),
        "c": InstanceRecord("c", "d-1", False, None),
    }
    assert order_history(records, V2) == {
        "a": InstanceHistory(InstanceHealth.HEALTHY, RevisionHealth.OLD),
        "b": InstanceHistory(InstanceHealth.HEALTHY, RevisionHealth.CURRENT),
        "c": InstanceHistory(InstanceHealth.UNHEALTHY, RevisionHealth.UNKNOWN),
    }
    # Without a target revision, nothing is current
    assert order_history(records, None)["b"].revision_health is RevisionHealth.OLD


def test_a_host_is_up_to_date_only_when_its_last_deployment_installed_the_revision() -> None:
    assert up_to_date(InstanceRecord("a", "d-1", True, revision_id(V1)), V1)
    assert not up_to_date(InstanceRecord("a", "d-1", True, revision_id(V1)), V2)
    assert not up_to_date(InstanceRecord("a", "d-1", False, revision_id(V1)), V1)
    assert not up_to_date(None, V1)


def test_a_blue_green_deployment_records_the_new_revision_on_green_only() -> None:
    # Given a blue instance on V1 and a green one never seen before
    known = {"blue": InstanceRecord("blue", "d-OLD000000", True, revision_id(V1))}
    results = [
        HostResult("blue", InstanceStatus.SUCCEEDED, "Blue"),
        HostResult("green", InstanceStatus.SUCCEEDED, "Green"),
    ]
    # When a blue/green deployment of V2 that succeeded on both is recorded
    records = records_after("d-NEW000000", V2, results, known)
    # Then blue is healthy and still on V1, green is on V2
    assert records == [
        InstanceRecord("blue", "d-NEW000000", True, revision_id(V1)),
        InstanceRecord("green", "d-NEW000000", True, revision_id(V2)),
    ]


def test_a_blue_green_rollback_leaves_every_instance_on_its_revision() -> None:
    # Given blue on V1 and green on V2 (installed by the deployment that failed)
    known = {
        "blue": InstanceRecord("blue", "d-OLD000000", True, revision_id(V1)),
        "green": InstanceRecord("green", "d-OLD000000", False, revision_id(V2)),
    }
    results = [
        HostResult("blue", InstanceStatus.SUCCEEDED, "Blue"),
        HostResult("green", InstanceStatus.SUCCEEDED, "Green"),
    ]
    # When its rollback (of V1: blue takes traffic back, green loses it) is recorded
    records = records_after("d-RB0000000", V1, results, known, rollback=True)
    # Then each keeps the revision it had
    assert [r.revision_id for r in records] == [revision_id(V1), revision_id(V2)]
