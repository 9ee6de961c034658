"""Protocol 1.1: a batch is one host's reports in order, read whole or refused whole."""

import pytest

from rollwright.agent_protocol import (
    BATCH_REPORT_LIMIT,
    EventOutcome,
    EventReport,
    EventReportBatch,
    InvalidAgentMessageError,
    event_report_batch_document,
    event_report_document,
    read_event_report_batch,
)
from rollwright.lifecycle import LifecycleErrorCode, LifecycleEvent


def _report(event: LifecycleEvent, outcome: EventOutcome, at: float, host: str = "i-1"):
    return EventReport("c-1", "d-ABCDEFGHI", host, event, outcome, at=at)


SEGMENT = (
    _report(LifecycleEvent.BEFORE_INSTALL, EventOutcome.IN_PROGRESS, 1_800_000_000.125),
    _report(LifecycleEvent.BEFORE_INSTALL, EventOutcome.SUCCEEDED, 1_800_000_000.25),
    _report(LifecycleEvent.INSTALL, EventOutcome.IN_PROGRESS, 1_800_000_000.375),
)


def test_a_batch_survives_the_wire_in_order_with_each_reports_own_time():
    batch = EventReportBatch(SEGMENT)
    read = read_event_report_batch(event_report_batch_document(batch))
    assert read == batch
    assert [report.at for report in read.reports] == [r.at for r in SEGMENT]


def test_a_batch_with_a_failure_keeps_its_diagnostics():
    failed = EventReport(
        "c-1",
        "d-ABCDEFGHI",
        "i-1",
        LifecycleEvent.AFTER_INSTALL,
        EventOutcome.FAILED,
        error_code=LifecycleErrorCode.SCRIPT_FAILED,
        script_name="scripts/after.sh",
        message="failed",
        log_tail="[stderr] boom",
        at=2.0,
    )
    batch = EventReportBatch((*SEGMENT, failed))
    assert read_event_report_batch(event_report_batch_document(batch)).reports[-1] == failed


def test_one_malformed_report_refuses_the_whole_batch_naming_its_index():
    documents = [event_report_document(report) for report in SEGMENT]
    documents[2]["outcome"] = "Done"
    with pytest.raises(InvalidAgentMessageError, match=r"reports\[2\].*'Done'"):
        read_event_report_batch({"reports": documents})


def test_a_batch_of_two_hosts_is_refused():
    other = _report(LifecycleEvent.INSTALL, EventOutcome.SUCCEEDED, 3.0, host="i-2")
    documents = [event_report_document(report) for report in (*SEGMENT, other)]
    with pytest.raises(InvalidAgentMessageError, match="mixes hosts"):
        read_event_report_batch({"reports": documents})


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({}, "reports must be a list of objects"),
        ({"reports": "x"}, "reports must be a list of objects"),
        ({"reports": [1]}, "reports must be a list of objects"),
        ({"reports": []}, "reports is empty"),
        ([], "is not a JSON object"),
    ],
    ids=["missing", "string", "not-objects", "empty", "not-an-object"],
)
def test_a_batch_without_a_list_of_reports_is_refused(document, reason):
    with pytest.raises(InvalidAgentMessageError, match=reason):
        read_event_report_batch(document)


def test_a_batch_over_the_limit_is_refused_before_its_reports_are_read():
    document = event_report_document(SEGMENT[0])
    with pytest.raises(InvalidAgentMessageError, match=f"more than {BATCH_REPORT_LIMIT}"):
        read_event_report_batch({"reports": [document] * (BATCH_REPORT_LIMIT + 1)})
