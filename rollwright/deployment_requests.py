"""CreateDeployment's request and the rules and ports around it (``deployments.py`` runs it).

``CreateDeploymentRequest`` holds the members once the model's constraints passed; the protocols
are what the deployment operations need from the state table, EC2 and Step Functions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rollwright.agent_protocol import (
    BundleType,
    FileExistsBehavior,
    GitHubRevision,
    Revision,
    S3Revision,
)
from rollwright.blue_green_targets import TargetInstances
from rollwright.deployment_group_settings import (
    AlarmConfiguration,
    AutoRollbackConfiguration,
    DeploymentGroupSettings,
)
from rollwright.deployment_records import (
    CreatedDeployment,
    DeploymentError,
    DeploymentQuery,
    NewDeployment,
    RollbackInfo,
    StoredDeployment,
    StoredTarget,
)
from rollwright.errors import (
    DeploymentDoesNotExistException,
    DescriptionTooLongException,
    InvalidDeploymentIdException,
    InvalidRevisionException,
)
from rollwright.instance_history import InstanceRecord
from rollwright.revision_locations import GitHubLocation, RevisionLocation, S3Location, describe
from rollwright.rollout import InstanceStatus
from rollwright.target_selection import Ec2Instance

DESCRIPTION_MAX_LENGTH = 256  # reference §9
BATCH_GET_LIMIT = 25  # BatchGetDeployments, BatchGetDeploymentTargets
LIST_PAGE_SIZE = 100
DEPLOYMENT_ID = re.compile(r"d-[A-Z0-9]{9}")


@dataclass(frozen=True)
class CreateDeploymentRequest:
    """CreateDeployment's members once the model's constraints have passed."""

    application_name: str
    deployment_group_name: str
    revision: RevisionLocation | None = None
    deployment_config_name: str | None = None
    description: str = ""
    ignore_application_stop_failures: bool = False
    file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW
    update_outdated_instances_only: bool = False
    auto_rollback_configuration: AutoRollbackConfiguration | None = None
    override_alarm_configuration: AlarmConfiguration | None = None
    target_instances: TargetInstances | None = None  # the green instances of an EC2 blue/green

    @property
    def target_instances_given(self) -> bool:
        return self.target_instances is not None


class DeploymentStore(Protocol):
    def create(self, deployment: NewDeployment) -> CreatedDeployment:
        """Write the deployment; an identical request's deployment (``request_key``) within the
        idempotency window is answered instead. DeploymentLimitExceededException naming the
        group's active deployment if it has one."""

    def abandon(self, deployment_id: str, group_id: str, error: DeploymentError) -> None:
        """Fail a deployment whose workflow could not start, and release its group."""

    def find(self, deployment_id: str) -> StoredDeployment | None: ...

    def record_rollback(self, deployment_id: str, info: RollbackInfo) -> bool:
        """Set the ``rollbackInfo`` of a deployment that ended badly, once; False if it was
        set already (or the deployment is gone)."""

    def record_auto_update(self, root_deployment_id: str, auto_update_deployment_id: str) -> None:
        """Link an auto-update deployment and the deployment whose end started it, both ways
        (``relatedDeployments``); linking them again changes nothing."""

    def instance_records(self, group_id: str) -> dict[str, InstanceRecord]:
        """What the group remembers of its hosts, by host id (``instance_history``)."""

    def find_many(self, deployment_ids: Sequence[str]) -> dict[str, StoredDeployment]: ...

    def deployments_after(
        self, query: DeploymentQuery, after: str | None, limit: int
    ) -> list[tuple[str, str]]:
        """Up to ``limit`` (deployment id, position) of matching deployments, newest first,
        after the position ``after``."""

    def targets_after(
        self,
        deployment_id: str,
        statuses: frozenset[InstanceStatus],
        after: str | None,
        limit: int,
    ) -> list[StoredTarget]:
        """Up to ``limit`` targets (any status when ``statuses`` is empty) in host-id order."""

    def find_targets(self, deployment_id: str, host_ids: Sequence[str]) -> dict[str, StoredTarget]:
        """The targets among ``host_ids`` (at most BATCH_GET_LIMIT, no repeats)."""


class Fleet(Protocol):
    def ec2_instances(self, settings: DeploymentGroupSettings) -> list[Ec2Instance]:
        """The EC2 instances the group's tag filters, tag set or Auto Scaling groups may select
        (a superset is fine: ``select_targets`` decides)."""


class Workflows(Protocol):
    def start_server(self, deployment_id: str) -> None:
        """Start the Server state machine for the deployment (idempotent per deployment)."""


def request_key(caller: str | None, operation: str, params: Mapping[str, Any]) -> str:
    """The identity of a request, for recognising a retry of it."""
    document = json.dumps(
        {"caller": caller or "", "operation": operation, "params": params},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def valid_description(description: str | None) -> str:
    if description is not None and len(description) > DESCRIPTION_MAX_LENGTH:
        raise DescriptionTooLongException(
            f"The description is longer than {DESCRIPTION_MAX_LENGTH} characters."
        )
    return description or ""


def valid_deployment_id(deployment_id: str) -> str:
    if not DEPLOYMENT_ID.fullmatch(deployment_id):
        raise InvalidDeploymentIdException(
            f"The deployment ID {deployment_id!r} is not valid: "
            "d- and 9 upper-case letters or digits."
        )
    return deployment_id


def deployment_does_not_exist(deployment_id: str) -> DeploymentDoesNotExistException:
    return DeploymentDoesNotExistException(f"The deployment {deployment_id} does not exist.")


def agent_revision(location: RevisionLocation) -> Revision:
    """The revision as the agent downloads it (only archives reach here)."""
    if isinstance(location, S3Location):
        return S3Revision(
            bucket=location.bucket,
            key=location.key,
            bundle_type=BundleType(location.bundle_type.value),
            version=location.version,
            etag=location.etag,
        )
    if isinstance(location, GitHubLocation):
        return GitHubRevision(repository=location.repository, commit_id=location.commit_id)
    raise InvalidRevisionException(f"The revision {describe(location)} is not an archive.")


def new_deployment_id(choose: Callable[[str], str]) -> str:
    """``d-`` and 9 upper-case letters or digits, each drawn by ``choose`` from the alphabet."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "d-" + "".join(choose(alphabet) for _ in range(9))
