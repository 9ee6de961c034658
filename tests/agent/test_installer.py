"""Install on real directories: files, file-exists behaviours, cleanup, permissions."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from agent.executor import CommandOutcome
from rollwright.agent_protocol import FileExistsBehavior
from rollwright.lifecycle import LifecycleErrorCode, LifecycleEvent
from tests.agent.revisions import RecordingReporter, a_deployment, an_executor, write_bundle

INSTALL = (LifecycleEvent.DOWNLOAD_BUNDLE, LifecycleEvent.INSTALL)


def install(tmp_path: Path, bundle: Path, number: int = 1, **options: object) -> CommandOutcome:
    return an_executor(tmp_path / "root").execute_deployment(
        a_deployment(bundle, deployment_id=f"d-AAAAAAAA{number}", **options),  # type: ignore[arg-type]
        INSTALL,
        RecordingReporter(),
    )


def test_a_directory_source_is_copied_recursively_with_parents_created(tmp_path: Path) -> None:
    # Given a bundle whose app/ directory holds nested files, and a destination that does not exist
    target = tmp_path / "srv" / "deep" / "app"
    bundle = write_bundle(
        tmp_path / "bundle",
        files={"index.html": "v1", "static/site.css": "css"},
        destination=target,
    )
    # When Install runs
    assert install(tmp_path, bundle).succeeded
    # Then the directory's contents are under the destination
    assert (target / "index.html").read_text() == "v1"
    assert (target / "static" / "site.css").read_text() == "css"


def test_a_file_source_lands_in_the_destination_under_its_own_name(tmp_path: Path) -> None:
    # Given a files entry whose source is one file
    target = tmp_path / "etc"
    bundle = write_bundle(
        tmp_path / "bundle",
        files={"app.conf": "conf"},
        extra=f"files:\n  - source: app/app.conf\n    destination: {target}\n",
    )
    # When Install runs
    assert install(tmp_path, bundle).succeeded
    # Then it is at destination/<basename>
    assert (target / "app.conf").read_text() == "conf"


def test_disallow_refuses_an_unknown_existing_file_and_changes_nothing(tmp_path: Path) -> None:
    # Given v1 installed, and a file at v2's destination that no Install put there
    target = tmp_path / "app"
    install(tmp_path, write_bundle(tmp_path / "v1", files={"a.txt": "v1"}, destination=target))
    (target / "b.txt").write_text("hand-made")
    v2 = write_bundle(tmp_path / "v2", files={"a.txt": "v2", "b.txt": "v2"}, destination=target)
    # When v2 is installed with DISALLOW
    outcome = install(tmp_path, v2, 2)
    # Then Install fails naming the file, and v1's files are still in place
    assert outcome.failure is not None
    assert outcome.failure.error_code is LifecycleErrorCode.UNKNOWN_ERROR
    assert str(target / "b.txt") in outcome.failure.message
    assert (target / "a.txt").read_text() == "v1"
    assert (target / "b.txt").read_text() == "hand-made"


def test_overwrite_replaces_an_unknown_existing_file(tmp_path: Path) -> None:
    # Given a file already at the destination
    target = tmp_path / "app"
    target.mkdir()
    (target / "a.txt").write_text("old")
    bundle = write_bundle(tmp_path / "bundle", files={"a.txt": "new"}, destination=target)
    # When Install runs with the deployment's OVERWRITE
    outcome = install(tmp_path, bundle, file_exists_behavior=FileExistsBehavior.OVERWRITE)
    # Then the bundle's file replaced it
    assert outcome.succeeded
    assert (target / "a.txt").read_text() == "new"


def test_the_appspecs_retain_beats_the_deployments_overwrite(tmp_path: Path) -> None:
    # Given a file already at the destination and an appspec saying RETAIN
    target = tmp_path / "app"
    target.mkdir()
    (target / "a.txt").write_text("kept")
    bundle = write_bundle(
        tmp_path / "bundle",
        files={"a.txt": "new", "b.txt": "new"},
        destination=target,
        extra="file_exists_behavior: RETAIN\n",
    )
    # When Install runs with the deployment's OVERWRITE
    outcome = install(tmp_path, bundle, file_exists_behavior=FileExistsBehavior.OVERWRITE)
    # Then the existing file is kept, the new one installed, and only the new one is cleaned later
    assert outcome.succeeded
    assert (target / "a.txt").read_text() == "kept"
    assert (target / "b.txt").read_text() == "new"
    cleanup = an_executor(tmp_path / "root").root.cleanup_list(
        a_deployment(bundle).deployment_group_id
    )
    assert target / "b.txt" in cleanup
    assert target / "a.txt" not in cleanup


def test_the_next_install_removes_the_last_installs_files_but_not_script_created_ones(
    tmp_path: Path,
) -> None:
    # Given v1 installed a.txt and old.txt, and a script later created log.txt beside them
    target = tmp_path / "app"
    install(
        tmp_path,
        write_bundle(tmp_path / "v1", files={"a.txt": "v1", "old.txt": "v1"}, destination=target),
    )
    (target / "log.txt").write_text("made by a script")
    # When v2 (without old.txt) is installed with DISALLOW
    v2 = write_bundle(tmp_path / "v2", files={"a.txt": "v2"}, destination=target)
    outcome = install(tmp_path, v2, 2)
    # Then v1's files were cleaned up without a conflict, and the script's file stayed
    assert outcome.succeeded
    assert (target / "a.txt").read_text() == "v2"
    assert not (target / "old.txt").exists()
    assert (target / "log.txt").read_text() == "made by a script"


def test_permissions_set_mode_owner_and_group_by_pattern_except_and_type(tmp_path: Path) -> None:
    # Given a permissions section for *.sh files except skip.sh, and for directories
    target = tmp_path / "app"
    bundle = write_bundle(
        tmp_path / "bundle",
        files={"run.sh": "x", "skip.sh": "x", "data.txt": "x", "sub/deeper.sh": "x"},
        destination=target,
        extra=f"""\
            permissions:
              - object: {target}
                pattern: "*.sh"
                except: [skip.sh]
                owner: root
                group: root
                mode: 750
                type: [file]
              - object: {target}
                mode: "0711"
                type: [directory]
            """,
    )
    # When Install runs
    outcome = install(tmp_path, bundle)
    # Then only the matching files and the directories below the object changed mode
    assert outcome.succeeded, outcome.failure

    def mode(name: str) -> int:
        return stat.S_IMODE((target / name).stat().st_mode)

    assert mode("run.sh") == 0o750
    assert mode("sub/deeper.sh") == 0o750
    assert mode("skip.sh") == 0o644
    assert mode("data.txt") == 0o644
    assert mode("sub") == 0o711
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_acls_without_setfacl_on_the_host_fail_with_the_tool_named(tmp_path: Path) -> None:
    # Given a permissions section with acls, on a host without setfacl
    if shutil.which("setfacl") is not None:
        pytest.skip("this host has setfacl; the missing-tool error cannot happen here")
    target = tmp_path / "app"
    bundle = write_bundle(
        tmp_path / "bundle",
        files={"a.txt": "x"},
        destination=target,
        extra=f"permissions:\n  - object: {target}\n    acls: ['u:root:rw']\n",
    )
    # When Install runs
    outcome = install(tmp_path, bundle)
    # Then it fails naming setfacl, before copying anything
    assert outcome.failure is not None
    assert "setfacl" in outcome.failure.message
    assert not (target / "a.txt").exists()


def test_an_owner_unknown_to_the_host_fails_before_anything_is_copied(tmp_path: Path) -> None:
    # Given a permissions section naming a user this host lacks
    target = tmp_path / "app"
    bundle = write_bundle(
        tmp_path / "bundle",
        files={"a.txt": "x"},
        destination=target,
        extra=f"permissions:\n  - object: {target}\n    owner: no-such-user-here\n",
    )
    # When Install runs
    outcome = install(tmp_path, bundle)
    # Then it fails naming the user and nothing was copied
    assert outcome.failure is not None
    assert "no-such-user-here" in outcome.failure.message
    assert not target.exists()
