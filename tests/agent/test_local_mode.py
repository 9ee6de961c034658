"""`rollwright-agent local` end to end, as a subprocess, like a user testing a bundle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.agent.revisions import write_bundle

REPOSITORY = Path(__file__).resolve().parents[2]


def local(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent", "local", *arguments],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_successive_local_runs_behave_as_successive_deployments(tmp_path: Path) -> None:
    # Given two revisions of a bundle with a stop script and files
    log, target, root = tmp_path / "hooks.log", tmp_path / "app", tmp_path / "root"

    def revision(label: str, content: dict[str, str]) -> Path:
        return write_bundle(
            tmp_path / label,
            hooks={"ApplicationStop": ["scripts/stop.sh"]},
            scripts={"stop.sh": f"echo stop {label} >> {log}\n"},
            files=content,
            destination=target,
        )

    # When both are run locally with the same root and group
    first = local("--bundle", str(revision("v1", {"a": "1", "old": "1"})), "--root", str(root))
    second = local("--bundle", str(revision("v2", {"a": "2"})), "--root", str(root))
    # Then both succeed, v1's stop script ran in the second, and v1's files were cleaned up
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "ApplicationStop      Succeeded" in second.stdout
    assert log.read_text() == "stop v1\n"
    assert sorted(p.name for p in target.iterdir()) == ["a"]


def test_a_failing_local_run_exits_non_zero_naming_the_event_and_error_code(
    tmp_path: Path,
) -> None:
    # Given a bundle whose ValidateService fails
    bundle = write_bundle(
        tmp_path / "bundle",
        hooks={"ValidateService": ["scripts/check.sh"]},
        scripts={"check.sh": "echo unhealthy\nexit 2\n"},
    )
    # When it is run locally with a chosen list of events
    run = local(
        "--bundle", str(bundle), "--root", str(tmp_path / "root"), "--events", "ValidateService"
    )
    # Then the exit status is non-zero and the failure names ValidateService and ScriptFailed
    assert run.returncode == 1
    assert "ValidateService failed with ScriptFailed" in run.stderr
    assert "[stdout]unhealthy" in run.stderr
    assert "DownloadBundle       Succeeded" in run.stdout


def test_an_unknown_event_is_refused_before_anything_runs(tmp_path: Path) -> None:
    # Given a bundle, When local mode is asked for an event hosts do not run
    run = local(
        "--bundle",
        str(write_bundle(tmp_path / "b")),
        "--root",
        str(tmp_path / "root"),
        "--events",
        "AllowTraffic",
    )
    # Then it exits 2 naming the event, and no deployment root was created
    assert run.returncode == 2
    assert "AllowTraffic" in run.stderr
    assert not (tmp_path / "root").exists()


def test_version_prints_the_agent_version() -> None:
    # When the version subcommand runs, Then it prints the project version
    completed = subprocess.run(
        [sys.executable, "-m", "agent", "version"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.startswith("rollwright-agent 0.")
