"""A Server in-place rollout driven by host reports: the steps the workflow and agent API share.

Step Functions waits, the Lambdas decide (DESIGN.md §2). ``dispatch`` (the workflow's wait for the
hosts, once it began the deployment) stores its task token and fills the first window; from then
on each event report that ends a host's segment moves the rollout on by itself, with the atomic
counters of ``rollout_counters``:

1. the host's result: its item InProgress → Succeeded/Failed and ``result_delta`` on the
   deployment, in one transaction (a repeated report fails the host condition and adds nothing);
2. claims, strictly in deployment order: the deployment item holds ``claimed``, the number of
   positions taken; a claim is one conditional update (the ``claim_condition``, and ``claimed = p``
   or, right after a result, "the next position is a healthy host's") that adds ``claim_delta``
   and moves ``claimed`` on, so two handlers never take one host and never over-fill the window;
   it answers the deployment as it left it or, refused, as it found it, so the handler goes on
   without reading the deployment; the winner starts the host's first segment. A claim naming
   its position takes every position the counters allow (``claimable``: the whole first window
   at once), so a report arriving while dispatch starts that window finds nothing to claim; the
   hosts of one claim start through ``start_hosts`` (the workflow function: a few at a time);
3. ``verdict`` on the counters; once the deployment ended, one conditional write records the
   outcome and ``skip_delta``, the hosts never started are marked Skipped, and the stored task
   token is answered, so the workflow's ``finish`` runs.

The workflow's ``sweep`` runs whenever the wait for the token times out (every
``sweepIntervalSeconds`` while the rollout lasts, none for a rollout shorter than that): it fails
hosts that never started their segment or went silent (``host_progress.host_is_lost``) through the
same result path, looks again at traffic steps under way (``traffic_steps``), refills the window
(healing a handler that died half-way), ends an in-place rollout that has lasted longer than
CodeDeploy allows (``ROLLOUT_TIMEOUT_SECONDS``) and answers the token again if the rollout ended;
the workflow then waits again with a new token unless the sweep says the rollout ended, so a
deployment never hangs, whichever token an answer went to.

With a load balancer, the end of the segment before BlockTraffic or AllowTraffic begins a traffic
step instead of the next segment; the next segment starts once the step settled.

A stop (``stop_requested``, recorded by StopDeployment) keeps new hosts from being claimed (the
claim's condition) and ends a host in progress after its current segment; once nothing is in
progress the rollout ends Stopped with MANUAL_STOP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from functools import partial
from typing import Any

from rollwright.agent_protocol import EventReport, Heartbeat
from rollwright.deployment_status import DeploymentStatus
from rollwright.host_progress import (
    HostRecord,
    ReportEffect,
    command_id,
    effect_of_report,
    host_is_lost,
    runs_by_command,
    segment_command,
)
from rollwright.lifecycle_segments import progress_from_report
from rollwright.rollout import InstanceStatus
from rollwright.rollout_counters import (
    STOPPED_MANUALLY,
    RolloutCounters,
    RolloutOutcome,
    claimable,
    stopped_on_alarm,
    verdict,
)
from rollwright.rollout_store import (
    Claim,
    DeploymentRecord,
    FinalStatus,
    HostCommandSender,
    RolloutStore,
    TaskTokens,
)
from rollwright.traffic_control import control_event_after
from rollwright.traffic_steps import TrafficOutcome, TrafficSteps
from rollwright.workflow_answers import (
    ROLLOUT_TIMED_OUT,
    outcome_document,
    overran,
    workflow_failure,
)

# Ready: a blue/green deployment in its ready wait, which a stop ends (``blue_green_rollout``).
_ADVANCING = frozenset({DeploymentStatus.IN_PROGRESS, DeploymentStatus.READY})


# Runs the given calls, possibly at the same time, and returns once all returned (or raises).
RunAll = Callable[[Sequence[Callable[[], None]]], None]


def in_turn(calls: Sequence[Callable[[], None]]) -> None:
    """``RunAll`` one call after another."""
    for call in calls:
        call()


class ReportAnswer(Enum):
    ACCEPTED = 200
    FORBIDDEN = 403
    NOT_FOUND = 404


class ServerRollout:
    def __init__(
        self,
        store: RolloutStore,
        commands: HostCommandSender,
        tokens: TaskTokens,
        traffic: TrafficSteps | None = None,
        *,
        start_hosts: RunAll = in_turn,
    ) -> None:
        self._store = store
        self._commands = commands
        self._tokens = tokens
        self._traffic = traffic
        # How the hosts of one claim start (their first segments): in turn, or a few at a time.
        self._start_hosts = start_hosts

    # --- workflow steps -----------------------------------------------------------------------

    def dispatch(
        self, deployment_id: str, task_token: str, *, now: float, wait_entered_ms: int = 0
    ) -> dict[str, Any]:
        """Keep the token of the wait entered at ``wait_entered_ms``, then start the first
        window (or end at once)."""
        deployment = self._store.store_task_token(
            deployment_id, task_token, wait_entered_ms=wait_entered_ms
        )
        if deployment is None:
            # Not InProgress (stopped meanwhile), in a blue/green wait, or this step's wait was
            # left already (its token is dead): nothing to wait for here.
            self._tokens.succeed(task_token, {"deploymentId": deployment_id})
            return {"deploymentId": deployment_id, "dispatched": False}
        if deployment.outcome is not None:
            # Ended before the wait began (stopped by an alarm, a sweep): answer it now.
            self._tokens.succeed(task_token, outcome_document(deployment))
        else:
            self._advance(deployment, now=now)
        return {"deploymentId": deployment_id, "dispatched": True}

    def sweep(self, deployment_id: str, *, now: float) -> dict[str, Any]:
        """Fail lost hosts, refill the window, and say whether the rollout has ended."""
        deployment = self._store.deployment(deployment_id)
        if deployment is None:
            return {"deploymentId": deployment_id, "ended": True, "sweepIntervalSeconds": 1}
        interval = deployment.limits.sweep_interval_seconds
        if deployment.before_first_pass:
            # Blue/green, swept before the workflow learnt it (its first wait timed out before
            # the step answered): nothing here yet; the next wait's step sends it on its passes.
            return {"deploymentId": deployment_id, "ended": False, "sweepIntervalSeconds": interval}
        if overran(deployment, now=now):
            self._end(deployment, ROLLOUT_TIMED_OUT, deployment.counters)
            deployment = self._deployment(deployment_id)
        if deployment.outcome is None and deployment.status is DeploymentStatus.IN_PROGRESS:
            for host in self._store.unfinished_hosts(deployment_id):
                if host.status is InstanceStatus.PENDING and host.position < deployment.claimed:
                    # Claimed by a handler that died before starting it.
                    self._start_segment(deployment, host.host_id, 0, now=now)
                elif host.traffic is not None:
                    self._check_traffic(deployment, host, now=now)
                elif host_is_lost(host, now=now, limits=deployment.limits):
                    self._store.record_result(
                        host, succeeded=False, now=now, silent_since=host.last_seen_at
                    )
            self._advance(self._deployment(deployment_id), now=now)
            deployment = self._deployment(deployment_id)
        ended = deployment.outcome is not None or deployment.status.is_terminal
        if deployment.outcome is not None and deployment.task_token:
            # Again, in case the handler that ended the rollout died before answering.
            self._tokens.succeed(deployment.task_token, outcome_document(deployment))
        return {"deploymentId": deployment_id, "ended": ended, "sweepIntervalSeconds": interval}

    def finish(
        self, deployment_id: str, *, error: Mapping[str, Any] | None, now: float
    ) -> dict[str, Any]:
        """Record the final status: the rollout's outcome, or how the workflow failed."""
        deployment = self._store.deployment(deployment_id)
        if deployment is None:
            final = FinalStatus(DeploymentStatus.FAILED, "INTERNAL_ERROR", "No such deployment.")
        elif deployment.outcome is not None:
            outcome = deployment.outcome
            final = FinalStatus(
                outcome.status,
                outcome.error_code.value if outcome.error_code else None,
                outcome.message,
            )
        else:
            final = workflow_failure(error)
        if deployment is not None and not self._store.finish(deployment_id, final, now=now):
            # Finished already (a retried step) or stopped meanwhile: answer what is stored.
            current = self._deployment(deployment_id).status
            if current is not final.status:
                final = FinalStatus(current, None if current.is_terminal else "INTERNAL_ERROR")
        answer: dict[str, Any] = {"deploymentId": deployment_id, "status": final.status.value}
        if final.status is not DeploymentStatus.SUCCEEDED:
            answer["errorCode"] = final.error_code or final.status.value
            answer["message"] = final.message or f"The deployment is {final.status.value}."
        return answer

    # --- agent routes -------------------------------------------------------------------------

    def on_event_report(
        self, caller_host_id: str, report: EventReport, *, now: float
    ) -> ReportAnswer:
        return self.on_event_reports(caller_host_id, (report,), now=now)

    def on_event_reports(
        self, caller_host_id: str, reports: Sequence[EventReport], *, now: float
    ) -> ReportAnswer:
        """Reports of one host, oldest first (a protocol 1.1 batch, or one v1 report): each
        command's run of reports is recorded in one write, which answers the host, and then acts
        on the first of them that ends an event of the running segment."""
        if any(report.host_id != caller_host_id for report in reports):
            return ReportAnswer.FORBIDDEN
        answer = ReportAnswer.ACCEPTED
        for run in runs_by_command(reports):
            first = run[0]
            host = self._store.record_events(
                first.deployment_id,
                first.host_id,
                [progress_from_report(report) for report in run],
                command_id=first.command_id,
                now=now,
            )
            if host is None:
                answer = ReportAnswer.NOT_FOUND
                continue
            effects = (effect_of_report(host, report) for report in run)
            effect = next((e for e in effects if e is not ReportEffect.NONE), ReportEffect.NONE)
            if effect is not ReportEffect.NONE:
                self._on_effect(host, effect, now=now)
        return answer

    def _on_effect(self, host: HostRecord, effect: ReportEffect, *, now: float) -> None:
        if effect is ReportEffect.NEXT_SEGMENT:
            self._after_segment(self._deployment(host.deployment_id), host, now=now)
            return
        if self._store.record_result(host, succeeded=effect is ReportEffect.SUCCEEDED, now=now):
            self._after_result(host.deployment_id, now=now)

    def on_heartbeat(
        self, caller_host_id: str, heartbeat: Heartbeat, *, now: float
    ) -> ReportAnswer:
        if caller_host_id != heartbeat.host_id:
            return ReportAnswer.FORBIDDEN
        self._store.record_heartbeat(
            heartbeat.deployment_id, heartbeat.host_id, command_id=heartbeat.command_id, now=now
        )
        return ReportAnswer.ACCEPTED

    def settle_stop(self, deployment_id: str, *, now: float) -> None:
        """After a stop was recorded: end the rollout at once if nothing is in progress."""
        deployment = self._store.deployment(deployment_id)
        if deployment is not None:
            self._advance(deployment, now=now)

    # --- between segments ---------------------------------------------------------------------

    def _after_segment(self, deployment: DeploymentRecord, host: HostRecord, *, now: float) -> None:
        """A segment ended and another follows: a traffic step first when one lies between."""
        event = control_event_after(host.segments[host.segment_index][-1])
        if event is None:
            self._next_segment(deployment, host, now=now)
            return
        if deployment.load_balancers is None or self._traffic is None:
            raise LookupError(
                f"host {host.host_id} of {deployment.deployment_id} reached {event.value} "
                "without load balancers to act on"
            )
        outcome = self._traffic.begin(deployment.load_balancers, host, event, now=now)
        self._after_traffic(deployment, host, outcome, now=now)

    def _check_traffic(self, deployment: DeploymentRecord, host: HostRecord, *, now: float) -> None:
        if deployment.load_balancers is None or self._traffic is None:
            return
        outcome = self._traffic.check(deployment.load_balancers, host, now=now)
        self._after_traffic(deployment, host, outcome, now=now)

    def _after_traffic(
        self, deployment: DeploymentRecord, host: HostRecord, outcome: TrafficOutcome, *, now: float
    ) -> None:
        if outcome is TrafficOutcome.SETTLED:
            self._next_segment(self._deployment(deployment.deployment_id), host, now=now)
        elif outcome is TrafficOutcome.FAILED:
            self._fail(host, now=now)

    def _next_segment(self, deployment: DeploymentRecord, host: HostRecord, *, now: float) -> None:
        if deployment.stop_requested:
            # Stopped: the host ends with the segment it was running (its remaining events are
            # Skipped); it counts as failed, as it did not get the whole revision.
            self._fail(host, now=now)
            return
        self._start_segment(deployment, host.host_id, host.segment_index + 1, now=now)

    def _fail(self, host: HostRecord, *, now: float) -> None:
        if self._store.record_result(host, succeeded=False, now=now):
            self._after_result(host.deployment_id, now=now)

    # --- the rollout --------------------------------------------------------------------------

    def _after_result(self, deployment_id: str, *, now: float) -> None:
        """A host's result freed a slot: claim the next position at once, without reading the
        deployment first. The claim answers the deployment whether it took the position or not
        (a claim of a healthy host's position, the usual case; unhealthy hosts come first)."""
        claim = self._store.claim(deployment_id, host_is_healthy=True)
        if claim.position is not None:
            self._start_all(claim, 1, now=now)
        self._advance(claim.deployment, now=now)

    def _advance(self, deployment: DeploymentRecord, *, now: float) -> None:
        """Claim what the counters allow, in order, then end the rollout if it is over."""
        while True:
            if deployment.outcome is not None or deployment.status not in _ADVANCING:
                return
            if deployment.start_outcome is not None:
                # It ends before touching a host (NO_INSTANCES, HEALTH_CONSTRAINTS_INVALID),
                # whichever step gets here first: dispatch, or the sweep that runs beside it.
                self._end(deployment, deployment.start_outcome, deployment.counters)
                return
            if deployment.stop_requested:
                if deployment.counters.in_progress == 0:
                    stopped = (
                        STOPPED_MANUALLY
                        if deployment.stop_alarm is None
                        else stopped_on_alarm(deployment.stop_alarm)
                    )
                    self._end(deployment, stopped, deployment.counters)
                return
            position = deployment.claimed
            # Every position the counters allow, in one write: the first window is claimed at
            # once, so a report arriving while its hosts start finds nothing left to claim.
            count = claimable(
                deployment.counters, position=position, unhealthy_total=deployment.unhealthy_total
            )
            if count == 0:
                break
            claim = self._store.claim(
                deployment.deployment_id,
                host_is_healthy=position >= deployment.unhealthy_total,
                position=position,
                count=count,
            )
            if claim.position is not None:
                self._start_all(claim, count, now=now)
            elif claim.deployment == deployment:
                # Refused on nothing the counters show (not InProgress): no claim can follow.
                break
            # Taken, or refused because another handler moved the deployment on: go on from the
            # deployment as the claim left it or found it.
            deployment = claim.deployment
        outcome = verdict(deployment.counters)
        if outcome is not None:
            self._end(deployment, outcome, deployment.counters)

    def _start_all(self, claim: Claim, count: int, *, now: float) -> None:
        """Start the ``count`` hosts a claim took (their order read first, then the starts)."""
        deployment = claim.deployment
        assert claim.position is not None
        host_ids = [
            self._store.host_at(
                deployment.deployment_id, position, rollout_pass=deployment.commands.rollout_pass
            )
            for position in range(claim.position, claim.position + count)
        ]
        if count == 1:
            self._start_segment(deployment, host_ids[0], 0, now=now)
            return
        self._start_hosts(
            [partial(self._start_segment, deployment, host_id, 0, now=now) for host_id in host_ids]
        )

    def _start_segment(
        self, deployment: DeploymentRecord, host_id: str, segment_index: int, *, now: float
    ) -> None:
        host = self._store.start_segment(
            deployment.deployment_id,
            host_id,
            segment_index=segment_index,
            command_id=command_id(
                deployment.deployment_id, host_id, segment_index, deployment.commands.rollout_pass
            ),
            now=now,
        )
        if host is None:
            return  # another handler started it (and sent the command)
        self._commands.send(
            segment_command(
                deployment.commands,
                host_id=host_id,
                segments=host.segments,
                segment_index=segment_index,
                dispatched_at=now,
                limits=deployment.limits,
            )
        )

    def _end(
        self, deployment: DeploymentRecord, outcome: RolloutOutcome, counters: RolloutCounters
    ) -> None:
        if not self._store.end(deployment.deployment_id, outcome, counters):
            return  # ended by another handler, which answers the token
        ended = self._deployment(deployment.deployment_id)
        rollout_pass = ended.commands.rollout_pass
        for position in range(ended.claimed, counters.plan.total):
            host_id = self._store.host_at(
                deployment.deployment_id, position, rollout_pass=rollout_pass
            )
            self._store.skip_host(deployment.deployment_id, host_id)
        if ended.task_token:
            self._tokens.succeed(ended.task_token, outcome_document(ended))

    def _deployment(self, deployment_id: str) -> DeploymentRecord:
        deployment = self._store.deployment(deployment_id)
        if deployment is None:
            raise LookupError(f"deployment {deployment_id} does not exist")
        return deployment
