"""The two waits of an EC2 blue/green deployment and how each ends (reference §8).

- The *ready wait*, between green's install and rerouting, with ``deploymentReadyOption``
  STOP_DEPLOYMENT: the deployment (and its green instances) are ``Ready`` until
  ContinueDeployment(READY_WAIT); if that does not come within ``waitTimeInMinutes``, the
  deployment ends **Stopped**. CONTINUE_DEPLOYMENT reroutes at once.
- The *termination wait*, once blue is deregistered, with
  ``terminateBlueInstancesOnDeploymentSuccess`` TERMINATE: blue instances are terminated
  ``terminationWaitTimeInMinutes`` later, or at once on ContinueDeployment(TERMINATION_WAIT).
  KEEP_ALIVE leaves them running and has no wait (``instanceTerminationWaitTimeStarted`` stays
  false).

Waits are scaled by the deployment's ``wait_scale`` as the Lambda traffic steps are
(``lambda_traffic.scaled_seconds``); a wait of zero minutes stays zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rollwright.blue_green import BlueGreenOptions
from rollwright.deployment_status import DeploymentStatus
from rollwright.lambda_traffic import SECONDS_PER_MINUTE, scaled_seconds


class DeploymentWaitType(StrEnum):
    """ContinueDeployment's ``deploymentWaitType``."""

    READY_WAIT = "READY_WAIT"
    TERMINATION_WAIT = "TERMINATION_WAIT"


def wait_seconds(minutes: int, wait_scale: float) -> int:
    """A wait in the workflow's seconds: scaled, at least one second unless it is zero."""
    if minutes < 0:
        raise ValueError(f"a wait is zero minutes or more, got {minutes}")
    return 0 if minutes == 0 else scaled_seconds(minutes * SECONDS_PER_MINUTE, wait_scale)


@dataclass(frozen=True)
class ReadyWait:
    """``None`` seconds: no wait, reroute as soon as green is installed."""

    seconds: int | None

    @property
    def waits(self) -> bool:
        return self.seconds is not None


def ready_wait(options: BlueGreenOptions, *, wait_scale: float = 1.0) -> ReadyWait:
    if not options.waits_for_ready:
        return ReadyWait(None)
    return ReadyWait(wait_seconds(options.ready_wait_minutes, wait_scale))


@dataclass(frozen=True)
class ReadyWaitEnding:
    status: DeploymentStatus
    error_code: str
    message: str


def ready_wait_expired(minutes: int) -> ReadyWaitEnding:
    """How a deployment ends when nobody continued it in time: Stopped, green never registered.
    (The error code is our choice, ``docs/decisions.md``.)"""
    return ReadyWaitEnding(
        DeploymentStatus.STOPPED,
        "TIMEOUT",
        f"Traffic was not rerouted: ContinueDeployment(READY_WAIT) did not come within "
        f"{minutes} minutes (deploymentReadyOption STOP_DEPLOYMENT).",
    )


@dataclass(frozen=True)
class TerminationWait:
    """What happens to blue once it is deregistered: terminated after ``seconds`` (the
    ``instanceTerminationWaitTimeStarted`` wait), or kept running (``terminates`` False)."""

    terminates: bool
    seconds: int

    @property
    def wait_started(self) -> bool:
        """``instanceTerminationWaitTimeStarted`` once blue is deregistered."""
        return self.terminates


def termination_wait(options: BlueGreenOptions, *, wait_scale: float = 1.0) -> TerminationWait:
    if not options.terminates_blue:
        return TerminationWait(terminates=False, seconds=0)
    return TerminationWait(
        terminates=True, seconds=wait_seconds(options.termination_wait_minutes, wait_scale)
    )


class BlueGreenWait(StrEnum):
    """Which wait a blue/green deployment is in, if any."""

    NONE = "None"
    READY = "Ready"
    TERMINATION = "Termination"


_CONTINUES = {
    DeploymentWaitType.READY_WAIT: BlueGreenWait.READY,
    DeploymentWaitType.TERMINATION_WAIT: BlueGreenWait.TERMINATION,
}


def continue_refusal(wait_type: DeploymentWaitType, waiting: BlueGreenWait) -> str | None:
    """Why ContinueDeployment(``wait_type``) cannot end the current wait (the message of
    ``DeploymentIsNotInReadyStateException`` / ``InvalidDeploymentWaitTypeException``), or None
    when it ends it."""
    if _CONTINUES[wait_type] is waiting:
        return None
    if waiting is BlueGreenWait.NONE:
        return "The deployment is not waiting: there is nothing to continue."
    expected = next(kind for kind, wait in _CONTINUES.items() if wait is waiting)
    return (
        f"The deployment is in its {waiting.value.lower()} wait: continue it with "
        f"{expected.value}, not {wait_type.value}."
    )
