"""What the Server rollout reads and writes: the deployment and host records and the ports
(``typing.Protocol``) that the state table, the host queues and Step Functions implement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rollwright.agent_protocol import HostCommand
from rollwright.deployment_group_settings import AlarmConfiguration
from rollwright.deployment_plan import HostLimits
from rollwright.deployment_status import DeploymentStatus
from rollwright.host_progress import DeploymentCommandSettings, HostRecord
from rollwright.lifecycle_segments import EventProgress
from rollwright.rollout_counters import RolloutCounters, RolloutOutcome
from rollwright.traffic_control import TrafficTargets


@dataclass(frozen=True)
class DeploymentRecord:
    """What the rollout reads of the deployment item."""

    commands: DeploymentCommandSettings
    limits: HostLimits
    status: DeploymentStatus
    counters: RolloutCounters
    claimed: int  # positions 0 .. claimed-1 have been started
    unhealthy_total: int  # positions below it hold the hosts unhealthy at start
    start_outcome: RolloutOutcome | None = None
    outcome: RolloutOutcome | None = None  # set once the rollout ended
    task_token: str | None = None
    load_balancers: TrafficTargets | None = None  # with traffic control only
    stop_requested: bool = False
    stop_alarm: str | None = None  # the stop's alarm(s), when an alarm stopped it
    alarms: AlarmConfiguration | None = None  # the alarms it watches
    create_time: float = 0.0  # epoch seconds
    complete_time: float | None = None
    start_time: float | None = None  # when the workflow first waited for its hosts
    blue_green: bool = False  # an EC2 blue/green deployment (its passes run this rollout)

    @property
    def deployment_id(self) -> str:
        return self.commands.deployment_id

    @property
    def before_first_pass(self) -> bool:
        """A blue/green deployment whose first pass has not begun: no rollout of its own yet."""
        return self.blue_green and not self.commands.rollout_pass


@dataclass(frozen=True)
class Claim:
    """A claim's answer: the position it took (None when its condition did not hold), and the
    deployment as the claim left it, or as it found it when it took nothing."""

    position: int | None
    deployment: DeploymentRecord


@dataclass(frozen=True)
class FinalStatus:
    """What ``finish`` records: the status and CodeDeploy's ``errorInformation``."""

    status: DeploymentStatus
    error_code: str | None = None
    message: str = ""


class RolloutStore(Protocol):
    def deployment(self, deployment_id: str) -> DeploymentRecord | None: ...

    def host(self, deployment_id: str, host_id: str) -> HostRecord | None: ...

    def host_at(self, deployment_id: str, position: int, *, rollout_pass: str = "") -> str:
        """The host at ``position`` of the deployment order (of the pass ``rollout_pass``)."""
        ...

    def unfinished_hosts(self, deployment_id: str) -> list[HostRecord]:
        """The hosts still Pending or InProgress."""
        ...

    def store_task_token(
        self, deployment_id: str, token: str, *, wait_entered_ms: int = 0
    ) -> DeploymentRecord | None:
        """Keep the token of the wait the workflow entered at ``wait_entered_ms`` on an
        InProgress deployment waiting for its hosts: the deployment after it, or None when it is
        not InProgress, is in a blue/green wait, or keeps the token of a wait entered later (the
        step of a wait the workflow already left, run late)."""
        ...

    def claim(
        self,
        deployment_id: str,
        *,
        host_is_healthy: bool,
        position: int | None = None,
        count: int = 1,
    ) -> Claim:
        """Take ``position`` if it is the next one (without ``position``: the next one, if its
        host is of the health class ``host_is_healthy``) and the claim condition holds, moving
        ``claimed`` on and adding ``claim_delta``, in one conditional write. With ``count``: the
        ``count`` positions from ``position`` on, all or none (``Claim.position``: the first)."""
        ...

    def start_segment(
        self, deployment_id: str, host_id: str, *, segment_index: int, command_id: str, now: float
    ) -> HostRecord | None:
        """Segment 0: Pending → InProgress; segment n: only from segment n - 1, InProgress.
        The host after the change, or None when another handler made it first."""
        ...

    def record_events(
        self,
        deployment_id: str,
        host_id: str,
        progress: Sequence[EventProgress],
        *,
        command_id: str,
        now: float,
    ) -> HostRecord | None:
        """Record each event start or end of command ``command_id`` the first time only (none
        if the host runs another command), in one write; the host after it, or None when the
        host is no target of the deployment."""
        ...

    def record_heartbeat(
        self, deployment_id: str, host_id: str, *, command_id: str, now: float
    ) -> bool: ...

    def record_result(
        self, host: HostRecord, *, succeeded: bool, now: float, silent_since: float | None = None
    ) -> bool:
        """The host's result and ``result_delta`` in one transaction, if the host is still in
        ``host.segment_index`` InProgress (and, for a lost host, still silent since then)."""
        ...

    def end(self, deployment_id: str, outcome: RolloutOutcome, counters: RolloutCounters) -> bool:
        """Record the outcome and ``skip_delta`` once, if the counters are still ``counters``."""
        ...

    def skip_host(self, deployment_id: str, host_id: str) -> None: ...

    def finish(self, deployment_id: str, final: FinalStatus, *, now: float) -> bool: ...


class HostCommandSender(Protocol):
    def send(self, command: HostCommand) -> None:
        """Deliver a command on the host's queue, creating the queue if it is missing."""
        ...


class TaskTokens(Protocol):
    def succeed(self, token: str, output: Mapping[str, Any]) -> bool:
        """Answer a waiting task; False if it no longer waits (answered or timed out)."""
        ...
