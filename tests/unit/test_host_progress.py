"""One host's segments: what a report does, when a silent host is lost, the command sent."""

from __future__ import annotations

import pytest

from rollwright.agent_protocol import (
    BundleType,
    EventOutcome,
    EventReport,
    FileExistsBehavior,
    S3Revision,
)
from rollwright.deployment_plan import HostLimits
from rollwright.host_progress import (
    DeploymentCommandSettings,
    HostRecord,
    ReportEffect,
    effect_of_report,
    host_is_lost,
    segment_command,
)
from rollwright.lifecycle import LifecycleEvent as E
from rollwright.rollout import InstanceStatus

SEGMENTS = ((E.APPLICATION_STOP, E.INSTALL), (E.APPLICATION_START, E.VALIDATE_SERVICE))
LIMITS = HostLimits(start_seconds=60, heartbeat_seconds=30, sweep_interval_seconds=5)


def _host(**changes) -> HostRecord:
    fields = {
        "deployment_id": "d-1",
        "host_id": "h",
        "position": 0,
        "status": InstanceStatus.IN_PROGRESS,
        "segments": SEGMENTS,
        "segment_index": 0,
        "command_id": "d-1.h.0",
        "dispatched_at": 100.0,
        "last_seen_at": 100.0,
    }
    return HostRecord(**{**fields, **changes})


def _report(event: E, outcome: EventOutcome, command_id: str = "d-1.h.0") -> EventReport:
    return EventReport(command_id, "d-1", "h", event, outcome, at=1.0)


@pytest.mark.parametrize(
    ("host", "report", "effect"),
    [
        (_host(), _report(E.INSTALL, EventOutcome.SUCCEEDED), ReportEffect.NEXT_SEGMENT),
        (_host(), _report(E.APPLICATION_STOP, EventOutcome.SUCCEEDED), ReportEffect.NONE),
        (_host(), _report(E.INSTALL, EventOutcome.IN_PROGRESS), ReportEffect.NONE),
        (_host(), _report(E.APPLICATION_STOP, EventOutcome.FAILED), ReportEffect.FAILED),
        (
            _host(segment_index=1, command_id="d-1.h.1"),
            _report(E.VALIDATE_SERVICE, EventOutcome.SUCCEEDED, "d-1.h.1"),
            ReportEffect.SUCCEEDED,
        ),
        # a report of the previous segment's command, once the next one runs
        (
            _host(segment_index=1, command_id="d-1.h.1"),
            _report(E.INSTALL, EventOutcome.SUCCEEDED),
            ReportEffect.NONE,
        ),
        # a host that already ended
        (
            _host(status=InstanceStatus.FAILED),
            _report(E.INSTALL, EventOutcome.SUCCEEDED),
            ReportEffect.NONE,
        ),
    ],
)
def test_effect_of_a_report(host, report, effect):
    assert effect_of_report(host, report) is effect


def test_a_segment_not_started_within_the_start_limit_is_lost():
    assert not host_is_lost(_host(), now=160.0, limits=LIMITS)
    assert host_is_lost(_host(), now=160.5, limits=LIMITS)


def test_a_started_segment_silent_beyond_the_heartbeat_limit_is_lost():
    started = _host(segment_started=True, last_seen_at=150.0)
    assert not host_is_lost(started, now=180.0, limits=LIMITS)
    assert host_is_lost(started, now=180.5, limits=LIMITS)


def test_a_host_not_in_progress_is_never_lost():
    assert not host_is_lost(_host(status=InstanceStatus.PENDING), now=1e9, limits=LIMITS)


def test_the_command_carries_its_segment_and_a_deadline_past_the_start_limit():
    settings = DeploymentCommandSettings(
        deployment_id="d-1",
        deployment_group_id="g-id",
        deployment_group_name="g",
        application_name="app",
        revision=S3Revision("b", "k", BundleType.ZIP),
        file_exists_behavior=FileExistsBehavior.OVERWRITE,
        ignore_application_stop_failures=True,
        creator="user",
    )
    command = segment_command(
        settings,
        host_id="h",
        segments=SEGMENTS,
        segment_index=1,
        dispatched_at=1000.0,
        limits=LIMITS,
    )
    assert command.command_id == "d-1.h.1"
    assert command.lifecycle_events == SEGMENTS[1]
    assert command.deadline == 1000 + 60 + 2 * 3600
    assert command.ignore_application_stop_failures
