"""The daemon loop with a real queue (moto), the real executor and real hook scripts, reporting to a
local agent API that checks signatures."""

from __future__ import annotations

import io
import tarfile
import threading
import time
from pathlib import Path

import boto3
import pytest
from botocore.credentials import Credentials
from moto import mock_aws

from agent.backoff import ErrorBackoff
from agent.bundle import RevisionSources
from agent.daemon import AgentDaemon
from agent.executor import Executor
from agent.log_shipper import HookLogShipper
from agent.poller import CommandPoller
from agent.reporter import AgentApiReporter
from agent.status import AgentState, StatusFile
from rollwright.lifecycle import LifecycleEvent
from tests.agent.agent_api import agent_api
from tests.agent.host_commands import (
    HOST_ID,
    QUEUE_NAME,
    a_host_command,
    a_host_command_body,
    queue_depth,
)
from tests.agent.revisions import write_bundle

REGION = "us-east-1"
LOG_GROUP = "rollwright-agent-logs"
HOST = Credentials("ASIAHOSTSESSION", "host-secret", "host-token")
EVENTS = (LifecycleEvent.DOWNLOAD_BUNDLE, LifecycleEvent.BEFORE_INSTALL)


def _tgz(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(directory.rglob("*")):
            archive.add(path, arcname=str(path.relative_to(directory)), recursive=False)
    return buffer.getvalue()


class Host:
    """One agent host: its queue, its bundle in S3, its API, and its daemon on a thread."""

    def __init__(self, tmp_path: Path, api, *, hook_body: str, sqs_calls: list[str]) -> None:
        self.marker = tmp_path / "hook-ran"
        self.api = api
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.queue_url = self.sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        self.sqs.meta.events.register(
            "before-call.sqs.*", lambda model, **_: sqs_calls.append(model.name)
        )
        self.logs = boto3.client("logs", region_name=REGION)
        self.logs.create_log_group(logGroupName=LOG_GROUP)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="revisions")
        bundle = write_bundle(
            tmp_path / "bundle",
            hooks={"BeforeInstall": ["scripts/before_install.sh"]},
            scripts={"before_install.sh": hook_body.format(marker=self.marker)},
        )
        s3.put_object(Bucket="revisions", Key="app.tgz", Body=_tgz(bundle))
        self.status_file = StatusFile(tmp_path / "status.json")
        self.shipper = HookLogShipper(self.logs, log_group=LOG_GROUP, host_id=HOST_ID)
        self.daemon = AgentDaemon(
            host_id=HOST_ID,
            poller=CommandPoller(
                self.sqs,
                queue_name=QUEUE_NAME,
                host_id=HOST_ID,
                wait_seconds=1,
                visibility_timeout_seconds=30,
            ),
            executor=Executor(
                root=tmp_path / "deployment-root",
                bundle_sources=RevisionSources(s3_client=s3),
                hook_output=self.shipper,
            ),
            reporter=AgentApiReporter(
                api_url=api.url,
                credentials=HOST,
                region=REGION,
                retry_seconds=5,
                backoff=ErrorBackoff(0.05),
            ),
            log_shipper=self.shipper,
            status_file=self.status_file,
            visibility_extension_seconds=0.2,
            heartbeat_interval_seconds=0.2,
            log_flush_interval_seconds=0.2,
            error_backoff_cap_seconds=0.1,
        )
        self.exit_status: int | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.exit_status = self.daemon.run()

    def send(self, command=None) -> None:
        body = a_host_command_body(command or a_host_command(events=EVENTS))
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)

    def reports(self, path: str = "/agent/v1/events") -> list[dict]:
        """What the API accepted on ``path``, in order; event reports whether they came alone
        or in a batch (protocol 1.1)."""
        found: list[dict] = []
        for where, document in self.api.accepted:
            if where == path:
                found.append(document)
            elif path == "/agent/v1/events" and where == "/agent/v1.1/events":
                found += document["reports"]
        return found

    def wait_for(self, condition, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)

    def stop(self) -> None:
        self.daemon.request_shutdown()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def sqs_calls() -> list[str]:
    return []


@pytest.fixture
def host(aws, tmp_path, sqs_calls):
    with agent_api(HOST) as api:
        yield Host(
            tmp_path,
            api,
            hook_body="echo hello from the hook\necho ran >> {marker}\n",
            sqs_calls=sqs_calls,
        )


@pytest.fixture
def slow_host(aws, tmp_path, sqs_calls):
    with agent_api(HOST) as api:
        yield Host(
            tmp_path, api, hook_body="sleep 1.5\necho ran >> {marker}\n", sqs_calls=sqs_calls
        )


def _ends(reports: list[dict]) -> list[tuple[str, str]]:
    return [(r["lifecycleEvent"], r["outcome"]) for r in reports if r["outcome"] != "InProgress"]


def test_a_command_runs_its_hooks_reports_each_event_and_is_deleted(host):
    # Given a running daemon and a command on its queue
    host.thread.start()
    host.send()
    # When the daemon has taken and run it
    host.wait_for(
        lambda: len(_ends(host.reports())) == 2 and queue_depth(host.sqs, host.queue_url) == (0, 0)
    )
    host.stop()
    # Then the hook script ran once on the host
    assert host.marker.read_text() == "ran\n"
    # and each event's start and end reached the agent API, signed as the host
    assert [(r["lifecycleEvent"], r["outcome"]) for r in host.reports()] == [
        ("DownloadBundle", "InProgress"),
        ("DownloadBundle", "Succeeded"),
        ("BeforeInstall", "InProgress"),
        ("BeforeInstall", "Succeeded"),
    ]
    assert host.api.refused == []
    # and the hook output is in the deployment's log stream, with its event and script
    stream = f"{HOST_ID}/d-ABCDEF123"
    messages = [
        e["message"]
        for e in host.logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream)["events"]
    ]
    assert "[BeforeInstall] [scripts/before_install.sh] [stdout] hello from the hook" in messages
    assert host.exit_status == 0


def test_a_command_delivered_twice_runs_its_hooks_once(host):
    # Given the same command sent twice (SQS delivers at least once)
    host.send()
    host.send()
    # When the daemon works through the queue
    host.thread.start()
    host.wait_for(
        lambda: queue_depth(host.sqs, host.queue_url) == (0, 0) and len(_ends(host.reports())) == 4
    )
    host.stop()
    # Then the hook ran once, and the copy's end reports were sent again, unchanged
    assert host.marker.read_text() == "ran\n"
    ends = _ends(host.reports())
    assert ends[:2] == ends[2:] == [("DownloadBundle", "Succeeded"), ("BeforeInstall", "Succeeded")]


def test_a_malformed_message_does_not_stop_the_loop(host):
    # Given garbage ahead of a valid command
    host.sqs.send_message(QueueUrl=host.queue_url, MessageBody="{not json")
    host.send()
    host.thread.start()
    host.wait_for(lambda: len(_ends(host.reports())) == 2)
    host.stop()
    # Then the garbage was dropped and the command still ran
    assert host.marker.read_text() == "ran\n"
    assert queue_depth(host.sqs, host.queue_url) == (0, 0)


def test_an_idle_agent_only_long_polls(host, sqs_calls):
    # Given a daemon with nothing to do for a few polls
    host.thread.start()
    host.wait_for(lambda: sqs_calls.count("ReceiveMessage") >= 3)
    host.stop()
    # Then its only AWS calls were the queue lookup and long polls, and it called no API at all
    assert set(sqs_calls) == {"GetQueueUrl", "ReceiveMessage"}
    assert sqs_calls.count("GetQueueUrl") == 1
    assert host.api.attempts == 0


def test_a_running_command_sends_heartbeats_and_keeps_its_message_hidden(slow_host, sqs_calls):
    host = slow_host
    host.thread.start()
    host.send()
    host.wait_for(lambda: len(_ends(host.reports())) == 2)
    beats_when_done = len(host.reports("/agent/v1/heartbeat"))
    time.sleep(1.0)  # idle again for a few heartbeat intervals
    host.stop()
    heartbeats = host.reports("/agent/v1/heartbeat")
    # Then heartbeats came while the 1.5 s hook ran, naming the command and the running event
    assert beats_when_done >= 3
    assert {(h["commandId"], h["hostId"]) for h in heartbeats} == {("cmd-1", HOST_ID)}
    assert "BeforeInstall" in {h.get("lifecycleEvent") for h in heartbeats}
    # none once it finished
    assert len(heartbeats) == beats_when_done
    # and the message's visibility was extended meanwhile
    assert sqs_calls.count("ChangeMessageVisibility") >= 3


def test_the_status_file_follows_the_running_event_and_goes_when_stopped(slow_host):
    host = slow_host
    host.thread.start()
    host.send()
    host.wait_for(
        lambda: (
            (status := host.status_file.read()) is not None
            and status.lifecycle_event == "BeforeInstall"
        )
    )
    status = host.status_file.read()
    assert status is not None
    assert (status.state, status.command_id, status.host_id) == (
        AgentState.RUNNING,
        "cmd-1",
        HOST_ID,
    )
    host.wait_for(lambda: len(_ends(host.reports())) == 2)
    host.stop()
    assert host.status_file.read() is None


def test_a_warm_shutdown_mid_command_finishes_it_before_exiting(slow_host):
    # Given a daemon running a slow hook
    host = slow_host
    host.thread.start()
    host.send()
    host.wait_for(
        lambda: (
            ("BeforeInstall", "InProgress")
            in [(r["lifecycleEvent"], r["outcome"]) for r in host.reports()]
        )
    )
    # When it is asked to shut down
    host.daemon.request_shutdown()
    host.thread.join(timeout=10)
    # Then the event finished, was reported, and its message deleted, before the loop exited
    assert host.marker.read_text() == "ran\n"
    assert _ends(host.reports())[-1] == ("BeforeInstall", "Succeeded")
    assert queue_depth(host.sqs, host.queue_url) == (0, 0)
    assert host.exit_status == 0


def test_a_warm_shutdown_between_events_releases_the_rest_of_the_segment(slow_host):
    # Given a daemon running the slow BeforeInstall of a segment that goes on to AfterInstall
    host = slow_host
    host.thread.start()
    host.send(
        a_host_command(
            events=(*EVENTS, LifecycleEvent.AFTER_INSTALL, LifecycleEvent.APPLICATION_START)
        )
    )
    host.wait_for(
        lambda: (
            ("BeforeInstall", "InProgress")
            in [(r["lifecycleEvent"], r["outcome"]) for r in host.reports()]
        )
    )
    # When it is asked to shut down
    host.daemon.request_shutdown()
    host.thread.join(timeout=10)
    # Then the running event finished, nothing after it ran, and the message went back to the
    # queue at once for the restarted agent to resume
    assert _ends(host.reports()) == [
        ("DownloadBundle", "Succeeded"),
        ("BeforeInstall", "Succeeded"),
    ]
    assert queue_depth(host.sqs, host.queue_url) == (1, 0)
    assert host.exit_status == 0


def test_a_command_arriving_after_shutdown_began_is_left_on_the_queue(host):
    host.thread.start()
    host.wait_for(
        lambda: (
            host.status_file.read() is not None and host.status_file.read().state == AgentState.IDLE
        )
    )
    host.stop()
    host.send()
    time.sleep(1.5)  # longer than the abandoned long poll
    assert not host.marker.exists()
    assert queue_depth(host.sqs, host.queue_url) == (1, 0)
