"""CodeDeploy's on-disk layout under the agent's deployment root.

    <root>/<deploymentGroupId>/<deploymentId>/bundle.tar
                                             /deployment-archive/
                                             /logs/scripts.log
    <root>/deployment-instructions/<dgId>_last_successful_install   (revision directory path)
                                  /<dgId>_most_recent_install       (revision directory path)
                                  /<dgId>-cleanup                   (one installed path a line)
                                  /<dgId>-install.json              (the last Install's plan)
    <root>/ongoing-deployment/<commandId>.json                      (the event in flight)
    <root>/completed-commands/<commandId>.json                      (a finished command's reports)

Users' tooling reads the CodeDeploy paths, so they are kept exactly; the two command records are
Rollwright's (CodeDeploy tracks one command per event, we track a segment).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.deployment import DEFAULT_APPSPEC
from rollwright.appspec import APPSPEC_SIZE_LIMIT_BYTES, AppSpec, parse_appspec

DEFAULT_MAX_REVISIONS = 5
INSTRUCTIONS = "deployment-instructions"
ONGOING = "ongoing-deployment"
COMPLETED = "completed-commands"
PAUSED = "paused-commands"
_RESERVED_NAMES = frozenset({INSTRUCTIONS, ONGOING, COMPLETED, "deployment-logs"})
# Identifiers become directory names: allow what CodeDeploy's ids and UUIDs use, nothing that
# could climb out of the root.
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@+=-]{0,254}$")


class InvalidIdentifierError(ValueError):
    """An id that cannot safely name a directory under the deployment root."""


@dataclass(frozen=True)
class RevisionDirectory:
    """One deployment's directory: ``<root>/<deploymentGroupId>/<deploymentId>``."""

    path: Path

    @property
    def bundle_file(self) -> Path:
        return self.path / "bundle.tar"

    @property
    def archive(self) -> Path:
        return self.path / "deployment-archive"

    @property
    def scripts_log(self) -> Path:
        return self.path / "logs" / "scripts.log"

    def appspec(self, filename: str, archive: Path | None = None) -> AppSpec | None:
        """The revision's appspec, or None when the archive has none (nothing to run).

        Raises ``InvalidAppSpecError`` when it exists but cannot be used.
        """
        found = self.find_appspec(archive or self.archive, filename)
        if found is None:
            return None
        return parse_appspec(found.read_bytes()[: APPSPEC_SIZE_LIMIT_BYTES + 1])

    @staticmethod
    def find_appspec(archive: Path, filename: str) -> Path | None:
        candidate = archive / filename
        if candidate.is_file():
            return candidate
        # CodeDeploy's agent falls back to the .yaml spelling of the default name.
        if filename == DEFAULT_APPSPEC and (archive / "appspec.yaml").is_file():
            return archive / "appspec.yaml"
        return None


class DeploymentRoot:
    def __init__(self, path: Path, max_revisions: int = DEFAULT_MAX_REVISIONS) -> None:
        if max_revisions < 1:
            raise ValueError("max_revisions must be at least 1")
        self.path = path.absolute()
        self.max_revisions = max_revisions

    # --- revision directories ---

    def revision_directory(self, group_id: str, deployment_id: str) -> RevisionDirectory:
        return RevisionDirectory(self._group(group_id) / checked_identifier(deployment_id))

    def create_revision_directory(self, group_id: str, deployment_id: str) -> RevisionDirectory:
        revision = self.revision_directory(group_id, deployment_id)
        # 0755 all the way down: hooks that run as another user must reach their scripts.
        revision.scripts_log.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        return revision

    def prune_revisions(self, group_id: str, keep: RevisionDirectory) -> tuple[Path, ...]:
        """Deletes the oldest revision directories beyond ``max_revisions`` (by mtime), never
        ``keep`` (the deployment being run) nor the last successful install."""
        group = self._group(group_id)
        if not group.is_dir():
            return ()
        protected = {keep.path}
        last = self.last_successful_install(group_id)
        if last is not None:
            protected.add(last.path)
        candidates = sorted(
            (entry for entry in group.iterdir() if entry.is_dir() and entry not in protected),
            key=lambda entry: entry.stat().st_mtime,
        )
        excess = len(candidates) + len(protected) - self.max_revisions
        deleted = tuple(candidates[: max(excess, 0)])
        for directory in deleted:
            shutil.rmtree(directory, ignore_errors=True)
        return deleted

    # --- deployment instructions ---

    def last_successful_install(self, group_id: str) -> RevisionDirectory | None:
        return self._read_pointer(f"{checked_identifier(group_id)}_last_successful_install")

    def record_last_successful_install(self, group_id: str, revision: RevisionDirectory) -> None:
        self._write_pointer(f"{checked_identifier(group_id)}_last_successful_install", revision)

    def most_recent_install(self, group_id: str) -> RevisionDirectory | None:
        return self._read_pointer(f"{checked_identifier(group_id)}_most_recent_install")

    def record_most_recent_install(self, group_id: str, revision: RevisionDirectory) -> None:
        self._write_pointer(f"{checked_identifier(group_id)}_most_recent_install", revision)

    def cleanup_list(self, group_id: str) -> tuple[Path, ...]:
        cleanup = self._instructions / f"{checked_identifier(group_id)}-cleanup"
        if not cleanup.is_file():
            return ()
        return tuple(Path(line) for line in cleanup.read_text().splitlines() if line.strip())

    def record_cleanup_list(self, group_id: str, paths: tuple[Path, ...]) -> None:
        text = "".join(f"{path}\n" for path in paths)
        self.write_atomically(self._instructions / f"{checked_identifier(group_id)}-cleanup", text)

    def record_install_instructions(self, group_id: str, document: str) -> None:
        name = f"{checked_identifier(group_id)}-install.json"
        self.write_atomically(self._instructions / name, document)

    # --- command records (crash recovery and duplicate delivery) ---

    @property
    def ongoing_directory(self) -> Path:
        return self.path / ONGOING

    @property
    def completed_directory(self) -> Path:
        return self.path / COMPLETED

    @property
    def paused_directory(self) -> Path:
        return self.path / PAUSED

    def write_atomically(self, path: Path, text: str) -> None:
        """Readers see the old file or the new one, never half of one, even after a crash."""
        path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    # --- internals ---

    @property
    def _instructions(self) -> Path:
        return self.path / INSTRUCTIONS

    def _group(self, group_id: str) -> Path:
        identifier = checked_identifier(group_id)
        if identifier in _RESERVED_NAMES:
            raise InvalidIdentifierError(f"deployment group id {group_id!r} is a reserved name")
        return self.path / identifier

    def _read_pointer(self, name: str) -> RevisionDirectory | None:
        pointer = self._instructions / name
        if not pointer.is_file():
            return None
        target = Path(pointer.read_text().strip())
        # A pointer outside the root (hand-edited, or a moved root) is not trusted to run scripts.
        if not target.is_relative_to(self.path) or not target.is_dir():
            return None
        return RevisionDirectory(target)

    def _write_pointer(self, name: str, revision: RevisionDirectory) -> None:
        self.write_atomically(self._instructions / name, f"{revision.path}\n")


def checked_identifier(identifier: str) -> str:
    if not _IDENTIFIER.match(identifier) or ".." in identifier:
        raise InvalidIdentifierError(
            f"{identifier!r} cannot name a directory: use letters, digits and _.:@+=- only"
        )
    return identifier
