"""What a finished deployment leaves on its group and its revision (reference §3, issue 5).

The group's ``lastAttemptedDeployment`` (and, on success, ``lastSuccessfulDeployment`` and
``targetRevision``: ``DeploymentGroupHistory.with_deployment``) and the revision's first and last
use. Both writes are idempotent, so a retried ``finish`` step records nothing twice; a group or
application deleted meanwhile is not an error of the deployment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from rollwright.agent_protocol import GitHubRevision, Revision
from rollwright.deployment_group_history import LastDeployment
from rollwright.errors import CodeDeployError
from rollwright.revision_locations import BundleType, GitHubLocation, RevisionLocation, S3Location
from rollwright.rollback import AUTO_SCALING_CREATORS
from rollwright.rollout_store import DeploymentRecord


class GroupHistory(Protocol):
    def record_deployment(
        self,
        deployment_group_id: str,
        deployment: LastDeployment,
        revision: RevisionLocation | None = None,
    ) -> None: ...


class RevisionUse(Protocol):
    def record_use(
        self,
        application_name: str,
        location: RevisionLocation,
        deployment_group_name: str,
        at: datetime,
    ) -> None: ...


def revision_location(revision: Revision) -> RevisionLocation:
    if isinstance(revision, GitHubRevision):
        return GitHubLocation(revision.repository, revision.commit_id)
    return S3Location(
        revision.bucket,
        revision.key,
        BundleType(revision.bundle_type.value),
        revision.version,
        revision.etag,
    )


def record_finished(
    deployment: DeploymentRecord, groups: GroupHistory, revisions: RevisionUse
) -> list[str]:
    """Record a deployment with a final status; the problems met (for the log), if any."""
    if not deployment.status.is_terminal:
        return [f"{deployment.deployment_id} is {deployment.status.value}, not finished"]
    settings = deployment.commands
    location = revision_location(settings.revision)
    create_time = datetime.fromtimestamp(deployment.create_time, UTC)
    end = deployment.complete_time
    last = LastDeployment(
        deployment_id=deployment.deployment_id,
        status=deployment.status,
        create_time=create_time,
        end_time=None if end is None else datetime.fromtimestamp(end, UTC),
    )
    problems: list[str] = []
    try:
        # Launch and termination deployments are not part of the group's history
        # (``auto_scaling_launches``).
        if settings.creator not in AUTO_SCALING_CREATORS:
            groups.record_deployment(settings.deployment_group_id, last, location)
    except CodeDeployError as error:
        problems.append(f"{error.name}: {error.message}")
    try:
        revisions.record_use(
            settings.application_name, location, settings.deployment_group_name, create_time
        )
    except CodeDeployError as error:
        problems.append(f"{error.name}: {error.message}")
    return problems
