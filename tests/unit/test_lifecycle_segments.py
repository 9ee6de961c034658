"""Lifecycle segments of an in-place deployment and the instance's event list for the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from rollwright.agent_protocol import EventOutcome, EventReport
from rollwright.lifecycle import (
    IN_PLACE_WITH_TRAFFIC,
    IN_PLACE_WITHOUT_TRAFFIC,
    LifecycleErrorCode,
    LifecycleEvent,
    LifecycleEventStatus,
)
from rollwright.lifecycle_segments import (
    LOST_HOST_DIAGNOSTICS,
    Diagnostics,
    EventProgress,
    LifecycleSegment,
    SegmentActor,
    agent_segments,
    instance_lifecycle_events,
    lifecycle_segments,
    next_segment,
    progress_from_report,
    skipped_after,
)

E = LifecycleEvent
S = LifecycleEventStatus
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
AGENT, CONTROL = SegmentActor.AGENT, SegmentActor.CONTROL_PLANE


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_with_a_load_balancer_the_control_plane_blocks_and_allows_traffic_between_segments():
    assert lifecycle_segments(with_load_balancer=True) == (
        LifecycleSegment(CONTROL, (E.START,)),
        LifecycleSegment(AGENT, (E.BEFORE_BLOCK_TRAFFIC,)),
        LifecycleSegment(CONTROL, (E.BLOCK_TRAFFIC,)),
        LifecycleSegment(
            AGENT,
            (
                E.AFTER_BLOCK_TRAFFIC,
                E.APPLICATION_STOP,
                E.DOWNLOAD_BUNDLE,
                E.BEFORE_INSTALL,
                E.INSTALL,
                E.AFTER_INSTALL,
                E.APPLICATION_START,
                E.VALIDATE_SERVICE,
                E.BEFORE_ALLOW_TRAFFIC,
            ),
        ),
        LifecycleSegment(CONTROL, (E.ALLOW_TRAFFIC,)),
        LifecycleSegment(AGENT, (E.AFTER_ALLOW_TRAFFIC,)),
        LifecycleSegment(CONTROL, (E.END,)),
    )


def test_without_a_load_balancer_the_agent_runs_one_segment():
    assert agent_segments(with_load_balancer=False) == (IN_PLACE_WITHOUT_TRAFFIC[1:-1],)


@given(with_load_balancer=st.booleans())
def test_the_segments_hold_every_event_once_in_order(with_load_balancer):
    segments = lifecycle_segments(with_load_balancer=with_load_balancer)
    flattened = tuple(e for s in segments for e in s.events)
    expected = IN_PLACE_WITH_TRAFFIC if with_load_balancer else IN_PLACE_WITHOUT_TRAFFIC
    assert flattened == expected


def test_segments_follow_one_another_to_the_end():
    segments = lifecycle_segments(with_load_balancer=False)
    assert next_segment(segments, None) == segments[0]
    assert next_segment(segments, segments[1]) == segments[2]
    assert next_segment(segments, segments[-1]) is None


def test_every_event_after_a_failure_is_skipped_end_included():
    skipped = skipped_after(IN_PLACE_WITHOUT_TRAFFIC, E.AFTER_INSTALL)
    assert skipped == (E.APPLICATION_START, E.VALIDATE_SERVICE, E.END)


def ended(event, outcome, second, code=LifecycleErrorCode.SUCCESS):
    return EventProgress(event, outcome, at(second), Diagnostics(code))


def started(event, second):
    return EventProgress(event, EventOutcome.IN_PROGRESS, at(second))


def test_the_event_list_reads_reports_in_any_order_with_pending_events_after():
    # Given ApplicationStop done and DownloadBundle running, reported out of order
    progress = [
        started(E.DOWNLOAD_BUNDLE, 3),
        ended(E.APPLICATION_STOP, EventOutcome.SUCCEEDED, 2),
        started(E.APPLICATION_STOP, 1),
        ended(E.START, EventOutcome.SUCCEEDED, 0),
    ]
    events = instance_lifecycle_events(IN_PLACE_WITHOUT_TRAFFIC, progress)
    assert [e.status for e in events] == [
        S.SUCCEEDED,
        S.SUCCEEDED,
        S.IN_PROGRESS,
        S.PENDING,
        S.PENDING,
        S.PENDING,
        S.PENDING,
        S.PENDING,
        S.PENDING,
    ]
    assert (events[1].start_time, events[1].end_time) == (at(1), at(2))


def test_events_after_a_failed_one_are_skipped():
    progress = [
        ended(E.START, EventOutcome.SUCCEEDED, 0),
        ended(E.APPLICATION_STOP, EventOutcome.FAILED, 2, LifecycleErrorCode.SCRIPT_FAILED),
    ]
    events = instance_lifecycle_events(IN_PLACE_WITHOUT_TRAFFIC, progress)
    assert events[1].status is S.FAILED
    assert events[1].diagnostics == Diagnostics(LifecycleErrorCode.SCRIPT_FAILED)
    assert {e.status for e in events[2:]} == {S.SKIPPED}


def test_an_ignored_application_stop_failure_does_not_skip_the_rest():
    progress = [ended(E.APPLICATION_STOP, EventOutcome.FAILED, 2)]
    events = instance_lifecycle_events(
        IN_PLACE_WITHOUT_TRAFFIC, progress, ignore_application_stop_failures=True
    )
    assert events[2].status is S.PENDING


def test_a_duplicate_or_contradicting_late_report_does_not_change_an_ended_event():
    first = ended(E.INSTALL, EventOutcome.SUCCEEDED, 5)
    late = ended(E.INSTALL, EventOutcome.FAILED, 9)
    once = instance_lifecycle_events(IN_PLACE_WITHOUT_TRAFFIC, [first])
    assert instance_lifecycle_events(IN_PLACE_WITHOUT_TRAFFIC, [late, first, first]) == once


def test_when_the_host_is_lost_the_running_event_fails_and_the_rest_are_skipped():
    progress = [started(E.BEFORE_INSTALL, 4)]
    events = instance_lifecycle_events(IN_PLACE_WITHOUT_TRAFFIC, progress, instance_ended=True)
    before_install = events[3]
    assert before_install.status is S.FAILED
    assert before_install.diagnostics == LOST_HOST_DIAGNOSTICS
    assert {e.status for e in events[4:]} == {S.SKIPPED}


def test_an_agent_report_becomes_progress_with_its_diagnostics():
    report = EventReport(
        command_id="c-1",
        deployment_id="d-AAAAAAAAA",
        host_id="web-1",
        lifecycle_event=E.VALIDATE_SERVICE,
        outcome=EventOutcome.FAILED,
        error_code=LifecycleErrorCode.SCRIPT_TIMED_OUT,
        script_name="check.sh",
        message="timed out",
        log_tail="...",
        at=T0.timestamp(),
    )
    assert progress_from_report(report) == EventProgress(
        E.VALIDATE_SERVICE,
        EventOutcome.FAILED,
        T0,
        Diagnostics(LifecycleErrorCode.SCRIPT_TIMED_OUT, "check.sh", "timed out", "..."),
    )


outcomes = st.sampled_from([EventOutcome.SUCCEEDED, EventOutcome.FAILED])


@given(
    reports=st.lists(
        st.tuples(st.sampled_from(IN_PLACE_WITH_TRAFFIC), outcomes, st.integers(0, 100)),
        max_size=20,
    ),
    data=st.data(),
)
def test_the_event_list_is_in_sequence_order_whatever_the_report_order(reports, data):
    progress = [ended(event, outcome, second) for event, outcome, second in reports]
    shuffled = data.draw(st.permutations(progress))
    events = instance_lifecycle_events(IN_PLACE_WITH_TRAFFIC, shuffled)
    # Then the events are the sequence, in order, and the report order does not matter
    assert tuple(e.name for e in events) == IN_PLACE_WITH_TRAFFIC
    assert events == instance_lifecycle_events(IN_PLACE_WITH_TRAFFIC, progress)
    # And nothing after the first failure is still pending
    statuses = [e.status for e in events]
    if S.FAILED in statuses:
        assert S.PENDING not in statuses[statuses.index(S.FAILED) :]
