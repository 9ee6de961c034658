"""What a deployment group remembers of each of its hosts, for the next deployment's order.

CodeDeploy deploys unhealthy instances first (the last deployment failed on them), then those
whose revision is unknown, then those on an old revision, and those already on the group's
target revision last (reference §3, "Ordering"). ``updateOutdatedInstancesOnly`` leaves out the
hosts that already run the revision being deployed. Both need, per group and host, the result
of the host's last deployment and the revision it last installed successfully: an
``InstanceRecord``, written when a deployment finishes (``records_after``) and read when the next
one is created (``order_history``, ``up_to_date``).

Revisions are compared by ``revision_id`` (the location's stable hash), so a record stays small.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rollwright.blue_green import InstanceLabel
from rollwright.deployment_plan import InstanceHistory
from rollwright.revision_locations import RevisionLocation, revision_id
from rollwright.rollout import InstanceHealth, InstanceStatus, RevisionHealth

GREEN_LABEL = InstanceLabel.GREEN.value


@dataclass(frozen=True)
class InstanceRecord:
    """A host of a deployment group after its last deployment that reached it."""

    host_id: str
    last_deployment_id: str
    healthy: bool  # the host's part of that deployment succeeded
    revision_id: str | None  # the revision it last installed successfully; None if never


@dataclass(frozen=True)
class HostResult:
    """How a host ended in a finished deployment; ``instance_label`` is its blue/green label
    (``Blue``/``Green``), None in an in-place deployment."""

    host_id: str
    status: InstanceStatus
    instance_label: str | None = None


def records_after(
    deployment_id: str,
    revision: RevisionLocation,
    results: Iterable[HostResult],
    known: Mapping[str, InstanceRecord],
    *,
    rollback: bool = False,
) -> list[InstanceRecord]:
    """The records a finished deployment leaves: a host that succeeded is healthy on the
    deployment's revision; one that failed is unhealthy and keeps the revision it had. A host
    the deployment skipped (never started) or left unfinished is not touched.

    In an EC2 blue/green deployment only green instances install the revision: a blue instance
    (its traffic blocked) keeps the revision it had, healthy if its part succeeded. A blue/green
    ``rollback`` installs nothing (blue takes traffic back, green loses it), so every instance
    keeps its revision."""
    deployed = revision_id(revision)
    records = []
    for result in results:
        before = known.get(result.host_id)
        kept = None if before is None else before.revision_id
        if result.status is InstanceStatus.SUCCEEDED:
            installed = result.instance_label is None or (
                result.instance_label == GREEN_LABEL and not rollback
            )
            records.append(
                InstanceRecord(result.host_id, deployment_id, True, deployed if installed else kept)
            )
        elif result.status is InstanceStatus.FAILED:
            records.append(InstanceRecord(result.host_id, deployment_id, False, kept))
    return records


def order_history(
    records: Mapping[str, InstanceRecord], target_revision: RevisionLocation | None
) -> dict[str, InstanceHistory]:
    """Each known host's instance and revision health. Revision health compares the host's
    revision with the group's target revision (the last successful deployment's)."""
    target = None if target_revision is None else revision_id(target_revision)
    history = {}
    for host_id, record in records.items():
        if record.revision_id is None:
            revision_health = RevisionHealth.UNKNOWN
        elif record.revision_id == target:
            revision_health = RevisionHealth.CURRENT
        else:
            revision_health = RevisionHealth.OLD
        history[host_id] = InstanceHistory(
            instance_health=InstanceHealth.HEALTHY if record.healthy else InstanceHealth.UNHEALTHY,
            revision_health=revision_health,
        )
    return history


def up_to_date(record: InstanceRecord | None, revision: RevisionLocation) -> bool:
    """Whether the host runs ``revision`` already: its last deployment installed it and
    succeeded. ``updateOutdatedInstancesOnly`` leaves such hosts out."""
    return record is not None and record.healthy and record.revision_id == revision_id(revision)
