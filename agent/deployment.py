"""What the agent knows about the deployment a host command belongs to.

A ``HostCommand`` from the control plane and a local run (``rollwright-agent local``) both become a
``Deployment``: the executor, installer and hook runner read only this value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rollwright.agent_protocol import (
    FileExistsBehavior,
    GitHubRevision,
    HostCommand,
    Revision,
    S3Revision,
)

ROLLBACK_CREATOR = "codeDeployRollback"
BLUE_GREEN = "BLUE_GREEN"
DEFAULT_APPSPEC = "appspec.yml"


@dataclass(frozen=True)
class LocalRevision:
    """A bundle on this host: a directory, or a tar/tgz/zip file (``rollwright-agent local``)."""

    path: Path


AgentRevision = Revision | LocalRevision


@dataclass(frozen=True)
class Deployment:
    command_id: str
    deployment_id: str
    deployment_group_id: str
    deployment_group_name: str
    application_name: str
    host_id: str
    revision: AgentRevision
    deadline: float  # epoch seconds; events do not start after it
    file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW
    ignore_application_stop_failures: bool = False
    deployment_creator: str = "user"
    deployment_type: str = "IN_PLACE"
    appspec_filename: str = DEFAULT_APPSPEC

    @classmethod
    def from_command(cls, command: HostCommand) -> Deployment:
        return cls(
            command_id=command.command_id,
            deployment_id=command.deployment_id,
            deployment_group_id=command.deployment_group_id,
            deployment_group_name=command.deployment_group_name,
            application_name=command.application_name,
            host_id=command.host_id,
            revision=command.revision,
            deadline=float(command.deadline),
            file_exists_behavior=command.file_exists_behavior,
            ignore_application_stop_failures=command.ignore_application_stop_failures,
            deployment_creator=command.deployment_creator,
            deployment_type=command.deployment_type,
            appspec_filename=command.appspec_filename,
        )

    @property
    def is_blue_green_rollback(self) -> bool:
        return self.deployment_creator == ROLLBACK_CREATOR and self.deployment_type == BLUE_GREEN

    def hook_environment(self) -> dict[str, str]:
        """The variables CodeDeploy gives every hook besides ``LIFECYCLE_EVENT``."""
        environment = {
            "DEPLOYMENT_ID": self.deployment_id,
            "APPLICATION_NAME": self.application_name,
            "DEPLOYMENT_GROUP_NAME": self.deployment_group_name,
            "DEPLOYMENT_GROUP_ID": self.deployment_group_id,
        }
        revision = self.revision
        if isinstance(revision, S3Revision):
            environment["BUNDLE_BUCKET"] = revision.bucket
            environment["BUNDLE_KEY"] = revision.key
            # CodeDeploy sets these two only when the revision names them.
            if revision.version is not None:
                environment["BUNDLE_VERSION"] = revision.version
            if revision.etag is not None:
                environment["BUNDLE_ETAG"] = revision.etag
        elif isinstance(revision, GitHubRevision):
            environment["BUNDLE_COMMIT"] = revision.commit_id
        return environment
