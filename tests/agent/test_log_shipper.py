"""Hook output to CloudWatch Logs (moto Logs): one stream per deployment, batched, bounded."""

import time

import boto3
import pytest
from moto import mock_aws

from agent.hook_runner import HookOutputLine, OutputStream
from agent.log_shipper import MAX_BATCH_EVENTS, HookLogShipper
from rollwright.lifecycle import LifecycleEvent

GROUP = "rollwright-agent-logs"
NOW = time.time()  # CloudWatch Logs rejects lines older than 14 days
STREAM = "i-0abc/d-ABCDEF123"


@pytest.fixture
def logs(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        client.create_log_group(logGroupName=GROUP)
        yield client


def _line(text, at=NOW, stream=OutputStream.STDOUT, deployment="d-ABCDEF123"):
    return HookOutputLine(
        deployment_id=deployment,
        lifecycle_event=LifecycleEvent.AFTER_INSTALL,
        script="scripts/migrate.sh",
        stream=stream,
        text=text,
        timestamp=at,
    )


def _messages(logs, stream=STREAM):
    messages, token = [], None
    while True:
        page = logs.get_log_events(
            logGroupName=GROUP,
            logStreamName=stream,
            startFromHead=True,
            **({"nextToken": token} if token else {}),
        )
        if not page["events"]:
            return messages
        messages += [event["message"] for event in page["events"]]
        token = page["nextForwardToken"]


def _calls(client):
    names = []
    client.meta.events.register("before-call.logs.*", lambda model, **_: names.append(model.name))
    return names


def test_lines_reach_the_deployments_stream_in_order_with_event_and_script(logs):
    shipper = HookLogShipper(logs, log_group=GROUP, host_id="i-0abc")
    # Given stderr and stdout lines written slightly out of order by two reader threads
    shipper.write(_line("second", at=NOW + 0.2, stream=OutputStream.STDERR))
    shipper.write(_line("first", at=NOW + 0.1))
    # When the event ends and the output is flushed
    shipper.flush()
    # Then the stream <host>/<deployment> holds them in time order, each naming event and script
    assert _messages(logs) == [
        "[AfterInstall] [scripts/migrate.sh] [stdout] first",
        "[AfterInstall] [scripts/migrate.sh] [stderr] second",
    ]


def test_each_deployment_gets_its_own_stream(logs):
    shipper = HookLogShipper(logs, log_group=GROUP, host_id="i-0abc")
    shipper.write(_line("one", deployment="d-ONE"))
    shipper.write(_line("two", deployment="d-TWO"))
    shipper.flush()
    assert _messages(logs, "i-0abc/d-ONE") == ["[AfterInstall] [scripts/migrate.sh] [stdout] one"]
    assert _messages(logs, "i-0abc/d-TWO") == ["[AfterInstall] [scripts/migrate.sh] [stdout] two"]


def test_a_flush_with_nothing_buffered_calls_nothing(logs):
    calls = _calls(logs)
    HookLogShipper(logs, log_group=GROUP, host_id="i-0abc").flush()
    assert calls == []


def test_more_lines_than_one_batch_holds_go_in_several_batches(logs):
    shipper = HookLogShipper(logs, log_group=GROUP, host_id="i-0abc")
    calls = _calls(logs)
    for number in range(MAX_BATCH_EVENTS + 5):
        shipper.write(_line(f"line {number}", at=NOW + number / 1000))
    shipper.flush()
    assert calls.count("PutLogEvents") == 2
    assert len(_messages(logs)) == MAX_BATCH_EVENTS + 5


def test_output_waits_while_cloudwatch_fails_then_is_delivered(logs):
    # Given a log group that is missing for a while
    logs.delete_log_group(logGroupName=GROUP)
    shipper = HookLogShipper(logs, log_group=GROUP, host_id="i-0abc")
    shipper.write(_line("kept"))
    # When a flush fails, the line stays buffered (and flush does not raise)
    shipper.flush()
    assert shipper.pending_bytes > 0
    # Then once CloudWatch Logs takes writes again, the next flush delivers it
    logs.create_log_group(logGroupName=GROUP)
    shipper.flush()
    assert _messages(logs) == ["[AfterInstall] [scripts/migrate.sh] [stdout] kept"]
    assert shipper.pending_bytes == 0


def test_a_long_outage_drops_the_oldest_lines_and_says_how_many(logs):
    # Given a buffer bounded to about three lines and CloudWatch Logs failing
    logs.delete_log_group(logGroupName=GROUP)
    one_line = len("[AfterInstall] [scripts/migrate.sh] [stdout] line 0") + 26  # PutLogEvents' size
    shipper = HookLogShipper(
        logs, log_group=GROUP, host_id="i-0abc", buffer_limit_bytes=3 * one_line
    )
    for number in range(10):
        shipper.write(_line(f"line {number}", at=NOW + number))
        shipper.flush()
    # Then memory stayed bounded
    assert shipper.pending_bytes <= 3 * one_line
    # and after recovery the newest lines arrive with a notice of how many were dropped
    logs.create_log_group(logGroupName=GROUP)
    shipper.flush()
    messages = _messages(logs)
    assert messages[0].startswith("[rollwright-agent] 7 earlier lines were dropped")
    assert [m.rsplit(" ", 1)[-1] for m in messages[1:]] == ["7", "8", "9"]
