import pytest

from rollwright.agent_protocol import (
    LOG_TAIL_LIMIT_BYTES,
    BundleType,
    EventOutcome,
    EventReport,
    GitHubRevision,
    HostCommand,
    InvalidAgentMessageError,
    S3Revision,
    event_report_document,
    host_command_document,
    log_tail,
    read_event_report,
    read_host_command,
)
from rollwright.lifecycle import LifecycleErrorCode, LifecycleEvent

COMMAND = HostCommand(
    command_id="c-1",
    deployment_id="d-ABCDEFGHI",
    deployment_group_id="5b1c1c4e-0000-4000-8000-000000000001",
    deployment_group_name="web-fleet",
    application_name="web",
    host_id="i-0123456789abcdef0",
    lifecycle_events=(
        LifecycleEvent.APPLICATION_STOP,
        LifecycleEvent.DOWNLOAD_BUNDLE,
        LifecycleEvent.BEFORE_INSTALL,
        LifecycleEvent.INSTALL,
    ),
    revision=S3Revision("bucket", "web.tgz", BundleType.TGZ, version="v3", etag="abc"),
    deadline=1_800_000_000,
)


@pytest.mark.parametrize(
    "revision",
    [COMMAND.revision, GitHubRevision("acme/web", "0123abcd")],
    ids=["s3", "github"],
)
def test_a_host_command_survives_the_wire(revision):
    command = HostCommand(**{**COMMAND.__dict__, "revision": revision})
    assert read_host_command(host_command_document(command)) == command


def test_an_event_report_survives_the_wire():
    report = EventReport(
        command_id="c-1",
        deployment_id="d-ABCDEFGHI",
        host_id="i-1",
        lifecycle_event=LifecycleEvent.AFTER_INSTALL,
        outcome=EventOutcome.FAILED,
        error_code=LifecycleErrorCode.SCRIPT_FAILED,
        script_name="scripts/after.sh",
        message="Script at specified location: scripts/after.sh run as user root failed",
        log_tail="[stderr] boom",
        at=1_800_000_000.5,
    )
    assert read_event_report(event_report_document(report)) == report


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"protocolVersion": 2}, "protocolVersion 2 is not supported"),
        ({"lifecycleEvents": []}, "lifecycleEvents is empty"),
        ({"lifecycleEvents": ["BlockTraffic"]}, "not run by a host agent"),
        ({"lifecycleEvents": ["Deploy"]}, "'Deploy' is not a LifecycleEvent"),
        ({"deploymentId": ""}, "deploymentId must be a non-empty string"),
        ({"deadline": "soon"}, "deadline must be an integer"),
        ({"fileExistsBehavior": "MERGE"}, "is not a FileExistsBehavior"),
        ({"revision": {"revisionType": "FTP"}}, "revisionType 'FTP' is not S3 or GitHub"),
        (
            {"revision": {"revisionType": "GitHub", "repository": "web", "commitId": "1"}},
            "not of the form account/repository",
        ),
    ],
)
def test_a_malformed_host_command_is_refused_naming_the_member(change, complaint):
    document = {**host_command_document(COMMAND), **change}
    with pytest.raises(InvalidAgentMessageError, match=complaint):
        read_host_command(document)


def test_a_report_with_an_oversized_log_tail_is_refused():
    document = event_report_document(
        EventReport("c", "d", "h", LifecycleEvent.INSTALL, EventOutcome.SUCCEEDED)
    )
    document["logTail"] = "x" * (LOG_TAIL_LIMIT_BYTES + 1)
    with pytest.raises(InvalidAgentMessageError, match="logTail exceeds 4096 bytes"):
        read_event_report(document)


def test_log_tail_keeps_the_last_4_kb_on_a_character_boundary():
    tail = log_tail("é" * 3000)
    assert len(tail.encode("utf-8")) <= LOG_TAIL_LIMIT_BYTES
    assert tail == "é" * 2048
