"""What deployments leave on their deployment group: the target revision and the last deployments.

Deployments (a later issue) record each deployment they create or finish through
``DeploymentGroups.record_deployment``; GetDeploymentGroup returns these members only once set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rollwright.deployment_status import DeploymentStatus
from rollwright.revision_locations import RevisionLocation


@dataclass(frozen=True)
class LastDeployment:
    """CodeDeploy's ``LastDeploymentInfo``."""

    deployment_id: str
    status: DeploymentStatus
    create_time: datetime
    end_time: datetime | None = None


@dataclass(frozen=True)
class DeploymentGroupHistory:
    target_revision: RevisionLocation | None = None
    last_successful_deployment: LastDeployment | None = None
    last_attempted_deployment: LastDeployment | None = None

    def with_deployment(
        self, deployment: LastDeployment, revision: RevisionLocation | None
    ) -> DeploymentGroupHistory:
        """The history after ``deployment`` is recorded.

        The latest-created deployment is the last attempted one, so a late report about an older
        deployment leaves the last attempted one as it is; a succeeded deployment also becomes the
        last successful one (unless a later-created one succeeded already) and its revision the
        group's target revision (the revision new instances get). A success may be recorded after
        the next deployment was created: the group is released when the status is written, before
        the finish records the history, and a pipeline may create the next deployment at once.
        """
        attempted = self.last_attempted_deployment
        if attempted is not None and attempted.create_time > deployment.create_time:
            good = self.last_successful_deployment
            if deployment.status is not DeploymentStatus.SUCCEEDED or (
                good is not None and good.create_time >= deployment.create_time
            ):
                return self
            return DeploymentGroupHistory(
                revision if revision is not None else self.target_revision, deployment, attempted
            )
        if deployment.status is not DeploymentStatus.SUCCEEDED:
            return DeploymentGroupHistory(
                self.target_revision, self.last_successful_deployment, deployment
            )
        return DeploymentGroupHistory(
            revision if revision is not None else self.target_revision, deployment, deployment
        )
