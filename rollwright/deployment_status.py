"""Deployment statuses and the transitions the workflow may make between them.

The names are CodeDeploy's ``DeploymentStatus`` enum. A deployment only moves forward: once it is
Succeeded, Failed or Stopped it never changes again, which is what lets every workflow step be
retried safely (a repeated step finds the status already moved and does nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeploymentStatus(StrEnum):
    CREATED = "Created"
    QUEUED = "Queued"
    IN_PROGRESS = "InProgress"
    BAKING = "Baking"
    READY = "Ready"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    STOPPED = "Stopped"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset(
    {DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.STOPPED}
)

_NEXT: dict[DeploymentStatus, frozenset[DeploymentStatus]] = {
    DeploymentStatus.CREATED: frozenset(
        {
            DeploymentStatus.QUEUED,
            DeploymentStatus.IN_PROGRESS,
            DeploymentStatus.FAILED,
            DeploymentStatus.STOPPED,
        }
    ),
    DeploymentStatus.QUEUED: frozenset(
        {DeploymentStatus.IN_PROGRESS, DeploymentStatus.FAILED, DeploymentStatus.STOPPED}
    ),
    DeploymentStatus.IN_PROGRESS: frozenset(
        {
            DeploymentStatus.BAKING,
            DeploymentStatus.READY,
            DeploymentStatus.SUCCEEDED,
            DeploymentStatus.FAILED,
            DeploymentStatus.STOPPED,
        }
    ),
    DeploymentStatus.READY: frozenset(
        {DeploymentStatus.IN_PROGRESS, DeploymentStatus.FAILED, DeploymentStatus.STOPPED}
    ),
    DeploymentStatus.BAKING: frozenset(
        {
            DeploymentStatus.IN_PROGRESS,
            DeploymentStatus.SUCCEEDED,
            DeploymentStatus.FAILED,
            DeploymentStatus.STOPPED,
        }
    ),
}


def can_transition(current: DeploymentStatus, target: DeploymentStatus) -> bool:
    """Whether a deployment in ``current`` may move to ``target``."""
    return target in _NEXT.get(current, frozenset())


@dataclass(frozen=True)
class StartDecision:
    """What the workflow's first step does with a deployment it was started for.

    ``write`` says whether the status must be moved to InProgress (conditionally on it still being
    ``current``); ``proceed`` whether the workflow goes on; ``message`` why not, when it does not.
    """

    proceed: bool
    write: bool
    message: str = ""


def decide_start(deployment_id: str, current: DeploymentStatus | None) -> StartDecision:
    """Decide the first workflow step for a deployment, given its stored status.

    A retried step (the status is already InProgress) proceeds without writing; a deployment that
    does not exist, or that already ended (stopped before its workflow began), does not proceed.
    """
    if current is None:
        return StartDecision(
            proceed=False, write=False, message=f"Deployment {deployment_id} does not exist."
        )
    if current is DeploymentStatus.IN_PROGRESS:
        return StartDecision(proceed=True, write=False)
    if can_transition(current, DeploymentStatus.IN_PROGRESS):
        return StartDecision(proceed=True, write=True)
    return StartDecision(
        proceed=False,
        write=False,
        message=f"Deployment {deployment_id} is {current.value} and cannot start.",
    )
