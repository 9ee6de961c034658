"""The executor: segments in order, reports, which revision's scripts run, restarts, redelivery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from agent.executor import RESTARTED_MESSAGE
from rollwright.agent_protocol import EventOutcome
from rollwright.lifecycle import LifecycleErrorCode, LifecycleEvent
from tests.agent.revisions import (
    FULL_DEPLOYMENT,
    GROUP_ID,
    RecordingReporter,
    a_deployment,
    an_executor,
    write_bundle,
)

REPOSITORY = Path(__file__).resolve().parents[2]


def stop_and_start_bundle(directory: Path, log: Path, label: str, *, start_exit: int = 0) -> Path:
    """A revision whose ApplicationStop and ApplicationStart append '<event> <label>' to log."""
    return write_bundle(
        directory,
        hooks={
            "ApplicationStop": ["scripts/stop.sh"],
            "ApplicationStart": ["scripts/start.sh"],
        },
        scripts={
            "stop.sh": f"echo stop {label} >> {log}\n",
            "start.sh": f"echo start {label} >> {log}\nexit {start_exit}\n",
        },
    )


def test_a_segment_reports_each_event_start_and_end_in_order(tmp_path: Path) -> None:
    # Given a bundle with no scripts
    bundle = write_bundle(tmp_path / "bundle")
    reporter = RecordingReporter()
    # When a full in-place segment runs
    outcome = an_executor(tmp_path / "root").execute_deployment(
        a_deployment(bundle), FULL_DEPLOYMENT, reporter
    )
    # Then every event was reported InProgress then Succeeded, in the segment's order
    assert outcome.succeeded
    expected = []
    for event in FULL_DEPLOYMENT:
        expected += [(event.value, "InProgress"), (event.value, "Succeeded")]
    assert reporter.outcomes() == expected


def test_the_segment_stops_at_the_first_failure_leaving_the_rest_skipped(tmp_path: Path) -> None:
    # Given a revision whose ApplicationStart fails
    log = tmp_path / "hooks.log"
    bundle = stop_and_start_bundle(tmp_path / "bundle", log, "v1", start_exit=1)
    reporter = RecordingReporter()
    # When the full segment runs
    outcome = an_executor(tmp_path / "root").execute_deployment(
        a_deployment(bundle), FULL_DEPLOYMENT, reporter
    )
    # Then ApplicationStart is the last event reported, and ValidateService is left for the
    # control plane to mark Skipped
    assert reporter.ends()[-1].lifecycle_event is LifecycleEvent.APPLICATION_START
    assert reporter.ends()[-1].outcome is EventOutcome.FAILED
    assert outcome.skipped == (LifecycleEvent.VALIDATE_SERVICE,)


def test_an_unusable_appspec_fails_download_bundle_with_unknown_error(tmp_path: Path) -> None:
    # Given a bundle whose appspec attaches a script to the reserved Install event
    bundle = write_bundle(tmp_path / "bundle", hooks={"Install": ["scripts/x.sh"]})
    # When the segment runs
    outcome = an_executor(tmp_path / "root").execute_deployment(
        a_deployment(bundle), FULL_DEPLOYMENT, RecordingReporter()
    )
    # Then DownloadBundle fails with UnknownError naming the key
    assert outcome.failure is not None
    assert outcome.failure.lifecycle_event is LifecycleEvent.DOWNLOAD_BUNDLE
    assert outcome.failure.error_code is LifecycleErrorCode.UNKNOWN_ERROR
    assert "hooks.Install" in outcome.failure.message


def test_application_stop_runs_the_last_successful_install_and_is_a_no_op_at_first(
    tmp_path: Path,
) -> None:
    # Given two revisions deployed one after the other to the same group
    log = tmp_path / "hooks.log"
    executor = an_executor(tmp_path / "root")
    for number in (1, 2):
        bundle = stop_and_start_bundle(tmp_path / f"v{number}", log, f"v{number}")
        # When each deployment runs
        outcome = executor.execute_deployment(
            a_deployment(bundle, deployment_id=f"d-AAAAAAAA{number}"),
            FULL_DEPLOYMENT,
            RecordingReporter(),
        )
        assert outcome.succeeded
    # Then the first ApplicationStop ran nothing and the second ran v1's stop script
    assert log.read_text().split("\n")[:-1] == ["start v1", "stop v1", "start v2"]


def test_a_revision_that_passed_install_but_failed_later_is_the_next_stop_source(
    tmp_path: Path,
) -> None:
    # Given v1 succeeded, then v2 passed Install but failed at ApplicationStart
    log = tmp_path / "hooks.log"
    executor = an_executor(tmp_path / "root")
    for number, start_exit in ((1, 0), (2, 1)):
        bundle = stop_and_start_bundle(
            tmp_path / f"v{number}", log, f"v{number}", start_exit=start_exit
        )
        executor.execute_deployment(
            a_deployment(bundle, deployment_id=f"d-AAAAAAAA{number}"),
            FULL_DEPLOYMENT,
            RecordingReporter(),
        )
    # When a third deployment (say, the rollback to v1) runs
    rollback = stop_and_start_bundle(tmp_path / "v3", log, "v3")
    executor.execute_deployment(
        a_deployment(rollback, deployment_id="d-AAAAAAAA3"), FULL_DEPLOYMENT, RecordingReporter()
    )
    # Then its ApplicationStop ran v2's script: the last successful *install*, not deployment
    assert log.read_text().split("\n")[:-1] == [
        "start v1",
        "stop v1",
        "start v2",
        "stop v2",
        "start v3",
    ]


def test_ignore_application_stop_failures_lets_a_broken_stop_script_pass(tmp_path: Path) -> None:
    # Given v1 installed with a stop script that fails
    executor = an_executor(tmp_path / "root")
    broken = write_bundle(
        tmp_path / "v1",
        hooks={"ApplicationStop": ["scripts/stop.sh"]},
        scripts={"stop.sh": "echo typo >&2\nexit 127\n"},
    )
    executor.execute_deployment(a_deployment(broken), FULL_DEPLOYMENT, RecordingReporter())
    fixed = write_bundle(tmp_path / "v2")
    # When v2 is deployed without, then with ignoreApplicationStopFailures
    refused = executor.execute_deployment(
        a_deployment(fixed, deployment_id="d-AAAAAAAA2"), FULL_DEPLOYMENT, RecordingReporter()
    )
    allowed = executor.execute_deployment(
        a_deployment(fixed, deployment_id="d-AAAAAAAA3", ignore_application_stop_failures=True),
        FULL_DEPLOYMENT,
        RecordingReporter(),
    )
    # Then the first fails at ApplicationStop and the second succeeds past it
    assert refused.failure is not None
    assert refused.failure.lifecycle_event is LifecycleEvent.APPLICATION_STOP
    assert allowed.succeeded
    assert "ignoreApplicationStopFailures" in allowed.reports[0].message


def test_blue_green_rollback_takes_block_traffic_hooks_from_the_most_recent_install(
    tmp_path: Path,
) -> None:
    # Given v1 installed, then v2 downloaded but never installed on this host
    log = tmp_path / "hooks.log"

    def bundle(label: str) -> Path:
        return write_bundle(
            tmp_path / label,
            hooks={"BeforeBlockTraffic": ["scripts/block.sh"]},
            scripts={"block.sh": f"echo block {label} >> {log}\n"},
        )

    executor = an_executor(tmp_path / "root")
    executor.execute_deployment(a_deployment(bundle("v1")), FULL_DEPLOYMENT, RecordingReporter())
    executor.execute_deployment(
        a_deployment(bundle("v2"), deployment_id="d-AAAAAAAA2"),
        (LifecycleEvent.DOWNLOAD_BUNDLE,),
        RecordingReporter(),
    )
    # When a blue/green rollback and then a standard deployment run BeforeBlockTraffic
    for deployment_id, creator, kind in (
        ("d-AAAAAAAA3", "codeDeployRollback", "BLUE_GREEN"),
        ("d-AAAAAAAA4", "user", "IN_PLACE"),
    ):
        executor.execute_deployment(
            a_deployment(
                bundle("v3"),
                deployment_id=deployment_id,
                deployment_creator=creator,
                deployment_type=kind,
            ),
            (LifecycleEvent.BEFORE_BLOCK_TRAFFIC,),
            RecordingReporter(),
        )
    # Then the rollback ran the most recent (v2) script, the standard one the last installed (v1)
    assert log.read_text().split("\n")[:-1] == ["block v2", "block v1"]


def test_a_command_delivered_twice_runs_no_hook_twice(tmp_path: Path) -> None:
    # Given a command that already ran its AfterInstall hook
    counter = tmp_path / "count"
    bundle = write_bundle(
        tmp_path / "bundle",
        hooks={"AfterInstall": ["scripts/count.sh"]},
        scripts={"count.sh": f"echo ran >> {counter}\n"},
    )
    executor = an_executor(tmp_path / "root")
    first = RecordingReporter()
    executor.execute_deployment(a_deployment(bundle), FULL_DEPLOYMENT, first)
    # When the same command id is delivered again (even to a new executor after a restart)
    second = RecordingReporter()
    outcome = an_executor(tmp_path / "root").execute_deployment(
        a_deployment(bundle), FULL_DEPLOYMENT, second
    )
    # Then the hook ran once, and the recorded end reports were sent again
    assert counter.read_text() == "ran\n"
    assert outcome.duplicate
    assert second.reports == first.ends()


def test_a_restart_mid_event_reports_that_event_failed_and_never_reruns_it(
    tmp_path: Path,
) -> None:
    # Given an agent process killed while an AfterInstall hook was running
    started = tmp_path / "started"
    bundle = write_bundle(
        tmp_path / "bundle",
        hooks={"AfterInstall": ["scripts/slow.sh"]},
        scripts={"slow.sh": f"echo $$ >> {started}\nexec sleep 60\n"},
    )
    agent = _agent_running(tmp_path / "root", bundle)
    try:
        deadline = time.monotonic() + 20
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), agent.stderr.read() if agent.stderr else ""
    finally:
        agent.kill()
        agent.wait()
        # The hook runs in its own session and outlives the killed agent: end it (by its pid).
        if started.exists():
            os.kill(int(started.read_text()), signal.SIGKILL)
    # When the agent starts again and recovers
    reporter = RecordingReporter()
    executor = an_executor(tmp_path / "root")
    recovered = executor.recover(reporter)
    # Then the interrupted event is reported Failed with UnknownError, once
    assert [(r.lifecycle_event, r.outcome, r.error_code, r.message) for r in recovered] == [
        (
            LifecycleEvent.AFTER_INSTALL,
            EventOutcome.FAILED,
            LifecycleErrorCode.UNKNOWN_ERROR,
            RESTARTED_MESSAGE,
        )
    ]
    assert executor.recover(RecordingReporter()) == ()
    # And a redelivery of the command runs nothing again
    redelivered = executor.execute_deployment(
        a_deployment(bundle), FULL_DEPLOYMENT, RecordingReporter()
    )
    assert redelivered.duplicate
    assert len(started.read_text().split()) == 1
    assert redelivered.failure is not None
    assert redelivered.failure.message == RESTARTED_MESSAGE


def test_an_event_after_the_command_deadline_is_not_run(tmp_path: Path) -> None:
    # Given a command whose deadline has passed
    marker = tmp_path / "ran"
    bundle = write_bundle(
        tmp_path / "bundle",
        hooks={"BeforeInstall": ["scripts/x.sh"]},
        scripts={"x.sh": f"touch {marker}\n"},
    )
    # When it is executed
    outcome = an_executor(tmp_path / "root").execute_deployment(
        a_deployment(bundle, deadline=time.time() - 1), FULL_DEPLOYMENT, RecordingReporter()
    )
    # Then its first event fails and nothing ran
    assert outcome.failure is not None
    assert "deadline" in outcome.failure.message
    assert not marker.exists()


def test_old_revisions_are_pruned_but_never_the_last_successful_install(tmp_path: Path) -> None:
    # Given a group whose first deployment installed, and whose next four failed at DownloadBundle
    # stage after it, with max_revisions 2
    executor = an_executor(tmp_path / "root", max_revisions=2)
    executor.execute_deployment(
        a_deployment(write_bundle(tmp_path / "good")), FULL_DEPLOYMENT, RecordingReporter()
    )
    broken = write_bundle(tmp_path / "broken", hooks={"Install": ["scripts/x.sh"]})
    for number in range(2, 6):
        executor.execute_deployment(
            a_deployment(broken, deployment_id=f"d-AAAAAAAA{number}"),
            FULL_DEPLOYMENT,
            RecordingReporter(),
        )
        time.sleep(0.01)  # distinct mtimes
    # Then only the last successful install and the newest attempt are kept
    kept = sorted(p.name for p in (tmp_path / "root" / GROUP_ID).iterdir())
    assert kept == ["d-AAAAAAAA1", "d-AAAAAAAA5"]


def _agent_running(root: Path, bundle: Path) -> subprocess.Popen[bytes]:
    program = textwrap.dedent(
        f"""
        from pathlib import Path
        from tests.agent.revisions import FULL_DEPLOYMENT, RecordingReporter
        from tests.agent.revisions import a_deployment, an_executor
        an_executor(Path({str(root)!r})).execute_deployment(
            a_deployment(Path({str(bundle)!r})), FULL_DEPLOYMENT, RecordingReporter()
        )
        """
    )
    return subprocess.Popen([sys.executable, "-c", program], cwd=REPOSITORY, stderr=subprocess.PIPE)


def test_a_stop_pauses_the_segment_between_events_and_redelivery_resumes_it(
    tmp_path: Path,
) -> None:
    # Given a revision whose ApplicationStart records that it ran, and a stop that is asked for
    # while BeforeInstall runs
    log = tmp_path / "hooks.log"
    bundle = stop_and_start_bundle(tmp_path / "bundle", log, "v1")
    executor = an_executor(tmp_path / "root")
    deployment = a_deployment(bundle)
    stop = threading.Event()

    class StoppingReporter(RecordingReporter):
        def report(self, report) -> None:
            super().report(report)
            if report.lifecycle_event is LifecycleEvent.BEFORE_INSTALL:
                stop.set()

    first = StoppingReporter()
    # When the segment runs
    paused = executor.execute_deployment(deployment, FULL_DEPLOYMENT, first, stop)
    # Then it ran through BeforeInstall, ran nothing after it, and says it paused
    assert paused.paused
    assert first.ends()[-1].lifecycle_event is LifecycleEvent.BEFORE_INSTALL
    assert not log.exists()
    # When the command comes again after the restart
    second = RecordingReporter()
    resumed = executor.execute_deployment(deployment, FULL_DEPLOYMENT, second)
    # Then only the events after BeforeInstall run, and the command completes
    assert resumed.succeeded
    assert not resumed.paused
    assert [r.lifecycle_event for r in second.ends()] == list(
        FULL_DEPLOYMENT[FULL_DEPLOYMENT.index(LifecycleEvent.BEFORE_INSTALL) + 1 :]
    )
    assert log.read_text() == "start v1\n"
