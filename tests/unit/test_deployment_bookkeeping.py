"""What a finished deployment records on its group and revision."""

from __future__ import annotations

from datetime import UTC, datetime

from rollwright.agent_protocol import BundleType, FileExistsBehavior, S3Revision
from rollwright.deployment_bookkeeping import record_finished
from rollwright.deployment_plan import HostLimits
from rollwright.deployment_status import DeploymentStatus
from rollwright.errors import DeploymentGroupDoesNotExistException
from rollwright.host_progress import DeploymentCommandSettings
from rollwright.revision_locations import BundleType as LocationBundleType
from rollwright.revision_locations import S3Location
from rollwright.rollout_counters import RolloutCounters
from rollwright.rollout_store import DeploymentRecord


class Recorder:
    def __init__(self, *, missing_group: bool = False) -> None:
        self.calls: list[tuple] = []
        self._missing = missing_group

    def record_deployment(self, deployment_group_id, deployment, revision=None) -> None:
        if self._missing:
            raise DeploymentGroupDoesNotExistException("gone")
        self.calls.append(("group", deployment_group_id, deployment, revision))

    def record_use(self, application_name, location, deployment_group_name, at) -> None:
        self.calls.append(("revision", application_name, location, deployment_group_name, at))


def _deployment(status: DeploymentStatus) -> DeploymentRecord:
    return DeploymentRecord(
        commands=DeploymentCommandSettings(
            deployment_id="d-1",
            deployment_group_id="group-id",
            deployment_group_name="web",
            application_name="app",
            revision=S3Revision("bucket", "key.zip", BundleType.ZIP, "v1", "etag"),
            file_exists_behavior=FileExistsBehavior.DISALLOW,
            ignore_application_stop_failures=False,
            creator="user",
        ),
        limits=HostLimits(),
        status=status,
        counters=RolloutCounters(minimum=0, window=1, pending_healthy=0, pending_unhealthy=0),
        claimed=0,
        unhealthy_total=0,
        create_time=100.0,
        complete_time=160.0,
    )


def test_a_finished_deployment_is_recorded_on_its_group_and_its_revision():
    # Given a succeeded deployment
    recorder = Recorder()
    # When it is recorded
    problems = record_finished(_deployment(DeploymentStatus.SUCCEEDED), recorder, recorder)
    # Then the group got it with its times and revision, and the revision its use
    location = S3Location("bucket", "key.zip", LocationBundleType.ZIP, "v1", "etag")
    (group, revision) = recorder.calls
    assert problems == []
    assert group[1] == "group-id"
    assert group[2].status is DeploymentStatus.SUCCEEDED
    assert group[2].create_time == datetime.fromtimestamp(100.0, UTC)
    assert group[2].end_time == datetime.fromtimestamp(160.0, UTC)
    assert group[3] == location
    assert revision == ("revision", "app", location, "web", datetime.fromtimestamp(100.0, UTC))


def test_a_deployment_still_running_records_nothing():
    recorder = Recorder()
    assert record_finished(_deployment(DeploymentStatus.IN_PROGRESS), recorder, recorder)
    assert recorder.calls == []


def test_a_deleted_group_is_a_problem_to_log_not_an_error():
    # Given a group deleted while its deployment ran
    recorder = Recorder(missing_group=True)
    # When the deployment is recorded
    problems = record_finished(_deployment(DeploymentStatus.FAILED), recorder, recorder)
    # Then the problem is reported and the revision's use still recorded
    assert problems == ["DeploymentGroupDoesNotExistException: gone"]
    assert [call[0] for call in recorder.calls] == ["revision"]
