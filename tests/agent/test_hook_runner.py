"""Hook scripts on a real host: error codes, environment, timeouts, output, runas."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from agent.executor import CommandOutcome
from rollwright.agent_protocol import LOG_TAIL_LIMIT_BYTES, BundleType, EventOutcome, S3Revision
from rollwright.lifecycle import LifecycleErrorCode, LifecycleEvent
from tests.agent.revisions import (
    GROUP_ID,
    RecordingOutput,
    RecordingReporter,
    a_deployment,
    an_executor,
    write_bundle,
)

PREPARE = (LifecycleEvent.DOWNLOAD_BUNDLE, LifecycleEvent.INSTALL)
AFTER_INSTALL = LifecycleEvent.AFTER_INSTALL


def run_after_install(
    tmp_path: Path, bundle: Path, output: RecordingOutput | None = None, **deployment: object
) -> tuple[CommandOutcome, RecordingReporter]:
    reporter = RecordingReporter()
    executor = an_executor(tmp_path / "root", output)
    outcome = executor.execute_deployment(
        a_deployment(bundle, **deployment),  # type: ignore[arg-type]
        (*PREPARE, AFTER_INSTALL),
        reporter,
    )
    return outcome, reporter


def after_install_bundle(tmp_path: Path, body: str, extra: str = "") -> Path:
    return write_bundle(
        tmp_path / "bundle",
        hooks={"AfterInstall": ["scripts/hook.sh"]},
        scripts={"hook.sh": body},
        extra=extra,
    )


def test_a_script_exiting_zero_succeeds_with_its_output_in_the_log_tail(tmp_path: Path) -> None:
    # Given a hook that prints to stdout and stderr
    bundle = after_install_bundle(tmp_path, "echo out-line\necho err-line >&2\n")
    # When the event runs
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then it succeeds, and the tail carries both streams with CodeDeploy's prefixes
    end = outcome.reports[-1]
    assert end.outcome is EventOutcome.SUCCEEDED
    assert end.error_code is LifecycleErrorCode.SUCCESS
    assert "[stdout]out-line" in end.log_tail
    assert "[stderr]err-line" in end.log_tail


def test_a_script_exiting_non_zero_is_script_failed(tmp_path: Path) -> None:
    # Given a hook that exits 3
    bundle = after_install_bundle(tmp_path, "echo broken\nexit 3\n")
    # When the event runs
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then it fails with ScriptFailed, naming the script and the exit code
    failure = outcome.failure
    assert failure is not None
    assert failure.error_code is LifecycleErrorCode.SCRIPT_FAILED
    assert failure.script_name == "scripts/hook.sh"
    assert "exit code 3" in failure.message
    assert "[stdout]broken" in failure.log_tail


def test_a_missing_script_is_script_missing(tmp_path: Path) -> None:
    # Given an appspec naming a script the bundle lacks
    bundle = write_bundle(tmp_path / "bundle", hooks={"AfterInstall": ["scripts/absent.sh"]})
    # When the event runs
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then it fails with ScriptMissing
    assert outcome.failure is not None
    assert outcome.failure.error_code is LifecycleErrorCode.SCRIPT_MISSING
    assert "absent.sh" in outcome.failure.message


def test_a_script_without_execute_permission_is_made_executable(tmp_path: Path) -> None:
    # Given a hook script shipped without its execute bit
    bundle = after_install_bundle(tmp_path, "echo ran\n")
    (bundle / "scripts" / "hook.sh").chmod(0o644)
    # When the event runs
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then the agent chmods it +x and runs it, as CodeDeploy does
    assert outcome.succeeded
    assert "[stdout]ran" in outcome.reports[-1].log_tail


def test_a_script_the_kernel_cannot_execute_is_script_not_executable(tmp_path: Path) -> None:
    # Given a "script" that is binary garbage with no interpreter line
    bundle = after_install_bundle(tmp_path, "")
    (bundle / "scripts" / "hook.sh").write_bytes(b"\x7fNOTELF\x00\x01\x02")
    # When the event runs
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then it fails with ScriptNotExecutable
    assert outcome.failure is not None
    assert outcome.failure.error_code is LifecycleErrorCode.SCRIPT_NOT_EXECUTABLE


def test_a_script_past_its_timeout_is_script_timed_out(tmp_path: Path) -> None:
    # Given a hook that sleeps past its 1-second timeout
    bundle = write_bundle(
        tmp_path / "bundle",
        scripts={"hook.sh": "sleep 30\n"},
        extra="hooks:\n  AfterInstall:\n    - location: scripts/hook.sh\n      timeout: 1\n",
    )
    # When the event runs
    started = time.monotonic()
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then it fails with ScriptTimedOut soon after the timeout
    assert outcome.failure is not None
    assert outcome.failure.error_code is LifecycleErrorCode.SCRIPT_TIMED_OUT
    assert time.monotonic() - started < 10


def test_a_timeout_kills_the_whole_process_group_including_a_grandchild(tmp_path: Path) -> None:
    # Given a hook whose grandchild ignores SIGTERM and writes its pid
    pid_file = tmp_path / "grandchild.pid"
    body = f"""\
        sh -c 'trap "" TERM; echo $$ > {pid_file}; while true; do sleep 1; done' &
        wait
        """
    bundle = write_bundle(
        tmp_path / "bundle",
        scripts={"hook.sh": body},
        extra="hooks:\n  AfterInstall:\n    - location: scripts/hook.sh\n      timeout: 1\n",
    )
    # When the event times out
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then the grandchild is gone too (SIGKILL after the grace)
    assert outcome.failure is not None
    assert outcome.failure.error_code is LifecycleErrorCode.SCRIPT_TIMED_OUT
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_backgrounded_child_holding_stdout_does_not_hang_the_event(tmp_path: Path) -> None:
    # Given a hook that starts a long-lived child which keeps the hook's stdout open
    pid_file = tmp_path / "daemon.pid"
    bundle = after_install_bundle(tmp_path, f"sleep 60 &\necho $! > {pid_file}\necho started\n")
    # When the event runs
    started = time.monotonic()
    outcome, _ = run_after_install(tmp_path, bundle)
    elapsed = time.monotonic() - started
    # Then it succeeds promptly, and the child keeps running (it is the user's service)
    try:
        assert outcome.succeeded
        assert elapsed < 5
        assert "[stdout]started" in outcome.reports[-1].log_tail
        assert _alive(int(pid_file.read_text()))
    finally:
        os.kill(int(pid_file.read_text()), 9)


def test_hooks_see_codedeploys_deployment_environment(tmp_path: Path) -> None:
    # Given a hook that prints the deployment variables, and an S3 revision with version and eTag
    bundle = after_install_bundle(
        tmp_path,
        "env | grep -E '^(LIFECYCLE_EVENT|DEPLOYMENT_|APPLICATION_NAME|BUNDLE_|AGENT_MARK)' "
        "| sort\n",
    )
    revision = S3Revision("bucket-1", "app.tgz", BundleType.TGZ, version="v7", etag="abc")
    output = RecordingOutput()
    executor = an_executor(tmp_path / "root", output)
    os.environ["AGENT_MARK"] = "inherited"
    try:
        executor.execute_deployment(
            a_deployment(bundle), (LifecycleEvent.DOWNLOAD_BUNDLE,), RecordingReporter()
        )
        # When AfterInstall runs for a deployment of the S3 revision
        executor.execute_deployment(
            a_deployment(revision, command_id="second"), (AFTER_INSTALL,), RecordingReporter()
        )
    finally:
        del os.environ["AGENT_MARK"]
    # Then the script saw CodeDeploy's variables and the agent's own environment
    seen = {line.text for line in output.lines}
    assert {
        "AGENT_MARK=inherited",
        "APPLICATION_NAME=shop",
        "BUNDLE_BUCKET=bucket-1",
        "BUNDLE_ETAG=abc",
        "BUNDLE_KEY=app.tgz",
        "BUNDLE_VERSION=v7",
        f"DEPLOYMENT_GROUP_ID={GROUP_ID}",
        "DEPLOYMENT_GROUP_NAME=web",
        "DEPLOYMENT_ID=d-AAAAAAAA1",
        "LIFECYCLE_EVENT=AfterInstall",
    } <= seen


def test_every_output_line_reaches_scripts_log_and_the_output_sink(tmp_path: Path) -> None:
    # Given a hook writing two lines to each stream
    bundle = after_install_bundle(tmp_path, "echo a\necho b >&2\necho c\necho d >&2\n")
    output = RecordingOutput()
    # When the event runs
    run_after_install(tmp_path, bundle, output)
    # Then scripts.log has each line tagged, and the sink got each line with its context
    log = (tmp_path / "root" / GROUP_ID / "d-AAAAAAAA1" / "logs" / "scripts.log").read_text()
    for tagged in ("[stdout]a", "[stderr]b", "[stdout]c", "[stderr]d"):
        assert tagged in log
    assert sorted((line.stream.value, line.text) for line in output.lines) == [
        ("stderr", "b"),
        ("stderr", "d"),
        ("stdout", "a"),
        ("stdout", "c"),
    ]
    assert {(line.deployment_id, line.lifecycle_event, line.script) for line in output.lines} == {
        ("d-AAAAAAAA1", AFTER_INSTALL, "scripts/hook.sh")
    }


def test_the_log_tail_keeps_only_the_last_4_kb(tmp_path: Path) -> None:
    # Given a hook printing far more than 4 KB and then a last line
    bundle = after_install_bundle(tmp_path, "seq 1 5000\necho the-end\nexit 1\n")
    # When it fails
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then the report's tail is at most 4 KB and ends with the last line
    assert outcome.failure is not None
    assert len(outcome.failure.log_tail.encode()) <= LOG_TAIL_LIMIT_BYTES
    assert outcome.failure.log_tail.endswith("[stdout]the-end")


def test_scripts_of_one_event_run_in_order_and_stop_at_the_first_failure(tmp_path: Path) -> None:
    # Given three scripts, the second of which fails
    marker = tmp_path / "ran"
    bundle = write_bundle(
        tmp_path / "bundle",
        hooks={"AfterInstall": ["scripts/one.sh", "scripts/two.sh", "scripts/three.sh"]},
        scripts={
            "one.sh": f"echo one >> {marker}\n",
            "two.sh": f"echo two >> {marker}\nexit 1\n",
            "three.sh": f"echo three >> {marker}\n",
        },
    )
    # When the event runs
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then one and two ran, three did not, and the failure names two
    assert marker.read_text().split() == ["one", "two"]
    assert outcome.failure is not None
    assert outcome.failure.script_name == "scripts/two.sh"


@pytest.fixture
def hook_user() -> object:
    if os.geteuid() != 0:
        pytest.skip("runas needs the agent to run as root to create and switch to a user")
    name = "rwhookuser"
    subprocess.run(["userdel", "-r", name], capture_output=True, check=False)
    subprocess.run(["useradd", "--create-home", name], check=True, capture_output=True)
    yield pwd.getpwnam(name)
    subprocess.run(["userdel", "-r", name], capture_output=True, check=False)


@pytest.fixture
def traversable_path() -> object:
    """pytest's own temporary directories are 0700; another user must reach the archive."""
    path = Path(tempfile.mkdtemp(prefix="rollwright-runas-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_runas_runs_the_script_as_that_user_with_their_home(
    traversable_path: Path, hook_user: pwd.struct_passwd
) -> None:
    # Given a hook with runas naming a user the test created
    tmp_path = traversable_path
    bundle = write_bundle(
        tmp_path / "bundle",
        scripts={"hook.sh": "id -un\necho home=$HOME\necho event=$LIFECYCLE_EVENT\n"},
        extra=(
            "hooks:\n  AfterInstall:\n    - location: scripts/hook.sh\n"
            f"      runas: {hook_user.pw_name}\n"
        ),
    )
    output = RecordingOutput()
    # When the event runs
    outcome, _ = run_after_install(tmp_path, bundle, output)
    # Then the script ran as that user, with their HOME and the deployment variables
    assert outcome.succeeded, outcome.failure
    texts = [line.text for line in output.lines]
    assert texts == [hook_user.pw_name, f"home={hook_user.pw_dir}", "event=AfterInstall"]


def test_runas_naming_an_unknown_user_fails_the_event_clearly(tmp_path: Path) -> None:
    # Given a hook with runas naming no user of this host
    bundle = write_bundle(
        tmp_path / "bundle",
        scripts={"hook.sh": "true\n"},
        extra=(
            "hooks:\n  AfterInstall:\n    - location: scripts/hook.sh\n      runas: nobody-here\n"
        ),
    )
    # When the event runs
    outcome, _ = run_after_install(tmp_path, bundle)
    # Then it fails naming the user
    assert outcome.failure is not None
    assert outcome.failure.error_code is LifecycleErrorCode.UNKNOWN_ERROR
    assert "nobody-here" in outcome.failure.message


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purposes.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"
