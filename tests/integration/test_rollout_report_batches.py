"""Protocol 1.1 on moto: a batch of one host's reports is recorded in order, each event with its
own times, acted on once, and a retried (or partly retried) batch counts nothing twice."""

from __future__ import annotations

from decimal import Decimal

from rollwright.agent_protocol import EventOutcome, EventReport
from rollwright.lifecycle import LifecycleErrorCode
from rollwright.server_rollout import ReportAnswer
from tests.integration.state_table import state_table
from tests.integration.test_rollout_records import (
    ALL_AT_ONCE,
    NOW,
    _commands,
    _counts,
    _start,
    world,
)

__all__ = ["state_table", "world"]


def _segment(records, host_id: str) -> list[EventReport]:
    """Every start and end of the host's first segment, a millisecond apart, all Succeeded."""
    host = records.host("d-1", host_id)
    reports, at = [], NOW
    for event in host.segments[0]:
        for outcome in (EventOutcome.IN_PROGRESS, EventOutcome.SUCCEEDED):
            at += 0.001
            reports.append(EventReport(f"d-1.{host_id}.0", "d-1", host_id, event, outcome, at=at))
    return reports


def _times(records, host_id: str) -> dict[str, tuple[Decimal, Decimal, str]]:
    events = records.target_item("d-1", host_id)["lifecycle_events"]
    return {
        name: (event.get("start_time_ms"), event.get("end_time_ms"), event["status"])
        for name, event in events.items()
        if "start_time_ms" in event
    }


def test_a_whole_segment_in_one_batch_records_each_event_and_starts_the_next_host(world):
    records, sqs, _, rollout, _ = world
    _start(world, 2)
    batch = _segment(records, "h0")
    # When the first host's whole segment arrives as one batch
    assert rollout.on_event_reports("h0", batch, now=NOW + 1) is ReportAnswer.ACCEPTED
    # Then every event has the start and end the agent stamped
    times = _times(records, "h0")
    for start, end in zip(batch[::2], batch[1::2], strict=True):
        expected = (round(start.at * 1000), round(end.at * 1000), "Succeeded")
        assert times[start.lifecycle_event.value] == expected
    # and the host succeeded and the next one got its command
    assert records.target_item("d-1", "h0")["status"] == "Succeeded"
    assert [c.command_id for c in _commands(sqs, "h1")] == ["d-1.h1.0"]


def test_a_retried_batch_counts_nothing_twice(world):
    records, _, _, rollout, _ = world
    _start(world, 3, ALL_AT_ONCE)
    batch = _segment(records, "h0")
    rollout.on_event_reports("h0", batch, now=NOW + 1)
    recorded = _times(records, "h0")
    # When the same batch comes again (its answer was lost), later
    assert rollout.on_event_reports("h0", batch, now=NOW + 9) is ReportAnswer.ACCEPTED
    # Then nothing changed and the host counted once
    assert _times(records, "h0") == recorded
    assert _counts(records) == (2, 1, 0, 0)


def test_a_batch_partly_recorded_before_records_the_rest(world):
    records, _, _, rollout, _ = world
    _start(world, 1)
    batch = _segment(records, "h0")
    # Given its first half recorded already (sent alone by a v1 agent, say)
    for report in batch[:5]:
        rollout.on_event_report("h0", report, now=NOW + 1)
    # When the whole segment arrives as one batch
    rollout.on_event_reports("h0", batch, now=NOW + 2)
    # Then the rest is recorded too and the host succeeded
    assert len(_times(records, "h0")) == len(batch) // 2
    assert all(end is not None for _, end, _ in _times(records, "h0").values())
    assert records.target_item("d-1", "h0")["status"] == "Succeeded"


def test_a_failed_event_in_a_batch_fails_the_host_with_its_diagnostics(world):
    records, _, _, rollout, _ = world
    _start(world, 2, ALL_AT_ONCE)
    batch = _segment(records, "h0")[:3]
    failed = EventReport(
        "d-1.h0.0",
        "d-1",
        "h0",
        batch[2].lifecycle_event,
        EventOutcome.FAILED,
        error_code=LifecycleErrorCode.SCRIPT_FAILED,
        script_name="scripts/stop.sh",
        message="boom",
        at=NOW + 1,
    )
    rollout.on_event_reports("h0", [*batch, failed], now=NOW + 1)
    event = records.target_item("d-1", "h0")["lifecycle_events"][failed.lifecycle_event.value]
    assert (event["status"], event["diagnostics"]["script_name"]) == ("Failed", "scripts/stop.sh")
    assert records.target_item("d-1", "h0")["status"] == "Failed"


def test_a_batch_of_a_host_that_is_no_target_is_not_found_and_changes_nothing(world):
    records, _, _, rollout, _ = world
    _start(world, 1)
    stranger = [
        EventReport("d-1.hx.0", "d-1", "hx", r.lifecycle_event, r.outcome, at=r.at)
        for r in _segment(records, "h0")[:2]
    ]
    before = records.deployment_item("d-1")
    assert rollout.on_event_reports("hx", stranger, now=NOW + 1) is ReportAnswer.NOT_FOUND
    assert records.target_item("d-1", "hx") is None
    assert records.deployment_item("d-1") == before
