"""Install: copy the appspec's ``files``, apply its ``permissions``, record the cleanup list.

Plan, apply, record, as CodeDeploy's installer does, with one difference on purpose: the whole
plan (conflicts, users, groups, tools) is checked *before* the previous install's files are
removed, so an Install refused for bad input changes nothing on the host. On success the outcome
is CodeDeploy's: previous cleanup list removed first (files the last Install copied, never files
scripts created), files copied, the new cleanup list and ``<dgId>-install.json`` written.
"""

from __future__ import annotations

import fnmatch
import grp
import json
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from agent.deployment import Deployment
from agent.deployment_root import DeploymentRoot, RevisionDirectory
from rollwright.agent_protocol import FileExistsBehavior
from rollwright.appspec import AppSpec, ObjectType, Permission

TOOL_TIMEOUT_SECONDS = 60


class InstallError(Exception):
    """Install cannot go on; the message names the path and the reason."""


class InstructionKind(StrEnum):
    COPY = "copy"
    MAKE_DIRECTORY = "mkdir"


@dataclass(frozen=True)
class InstallInstruction:
    kind: InstructionKind
    destination: Path
    source: Path | None = None  # for COPY


@dataclass(frozen=True)
class InstallPlan:
    instructions: tuple[InstallInstruction, ...]
    previous_install: tuple[Path, ...]  # the last Install's cleanup list, removed first
    retained: frozenset[Path]  # existing files RETAIN keeps (not copied, not cleaned up later)

    def document(self) -> str:
        return json.dumps(
            {
                "instructions": [
                    {
                        "type": i.kind.value,
                        "destination": str(i.destination),
                        **({"source": str(i.source)} if i.source else {}),
                    }
                    for i in self.instructions
                ],
                "retained": sorted(str(path) for path in self.retained),
            },
            indent=2,
        )


class Installer:
    def __init__(self, root: DeploymentRoot) -> None:
        self._root = root

    def install(
        self, deployment: Deployment, spec: AppSpec, revision: RevisionDirectory
    ) -> tuple[Path, ...]:
        """Runs Install; returns the paths it created (the new cleanup list)."""
        group_id = deployment.deployment_group_id
        behavior = spec.file_exists_behavior or deployment.file_exists_behavior
        plan = self.plan(spec, revision.archive, self._root.cleanup_list(group_id), behavior)
        _check_permissions_can_apply(spec.permissions)
        self._root.record_install_instructions(group_id, plan.document())
        _remove_previous_install(plan.previous_install)
        created: list[Path] = []
        try:
            _apply(plan, created)
        finally:
            # Recorded even after a failure, so the next Install removes what this one copied.
            self._root.record_cleanup_list(group_id, tuple(created))
        installed = {i.destination for i in plan.instructions} - plan.retained
        for permission in spec.permissions:
            _apply_permission(permission, installed)
        return tuple(created)

    def plan(
        self,
        spec: AppSpec,
        archive: Path,
        previous_install: tuple[Path, ...],
        behavior: FileExistsBehavior,
    ) -> InstallPlan:
        leaving = set(previous_install)
        instructions: dict[Path, InstallInstruction] = {}
        retained: set[Path] = set()
        for mapping in spec.files:
            source = archive / mapping.source if mapping.source else archive
            if not source.exists() and not source.is_symlink():
                raise InstallError(f"files source {mapping.source or '/'} is not in the bundle")
            destination = Path(mapping.destination)
            for kind, from_path, to_path in _entries(source, destination):
                if to_path in instructions:
                    both_directories = (
                        kind is InstructionKind.MAKE_DIRECTORY
                        and instructions[to_path].kind is InstructionKind.MAKE_DIRECTORY
                    )
                    if both_directories:
                        continue
                    raise InstallError(f"two files section entries install {to_path}")
                _check_parents(to_path, leaving)
                stays = (to_path.exists() or to_path.is_symlink()) and to_path not in leaving
                if kind is InstructionKind.MAKE_DIRECTORY:
                    if stays and not to_path.is_dir():
                        raise InstallError(f"{to_path} is a file, but the bundle has a directory")
                elif stays:
                    if to_path.is_dir() and not to_path.is_symlink():
                        raise InstallError(f"{to_path} is a directory, but the bundle has a file")
                    if behavior is FileExistsBehavior.DISALLOW:
                        raise InstallError(
                            "The deployment failed because a specified file already exists at "
                            f"this location: {to_path} (file_exists_behavior is DISALLOW)"
                        )
                    if behavior is FileExistsBehavior.RETAIN:
                        retained.add(to_path)
                instructions[to_path] = InstallInstruction(kind, to_path, from_path)
        return InstallPlan(tuple(instructions.values()), previous_install, frozenset(retained))


def _entries(
    source: Path, destination: Path
) -> Iterator[tuple[InstructionKind, Path | None, Path]]:
    """A file goes to destination/<basename>; a directory's contents go under destination."""
    yield InstructionKind.MAKE_DIRECTORY, None, destination
    if source.is_symlink() or not source.is_dir():
        yield InstructionKind.COPY, source, destination / source.name
        return
    yield from _tree(source, destination)


def _tree(source: Path, destination: Path) -> Iterator[tuple[InstructionKind, Path | None, Path]]:
    for entry in sorted(source.iterdir()):
        target = destination / entry.name
        if entry.is_dir() and not entry.is_symlink():
            yield InstructionKind.MAKE_DIRECTORY, None, target
            yield from _tree(entry, target)
        else:
            yield InstructionKind.COPY, entry, target


def _check_parents(path: Path, leaving: set[Path]) -> None:
    for parent in path.parents:
        if parent.exists() and not parent.is_dir() and parent not in leaving:
            raise InstallError(f"cannot install {path}: {parent} is a file")


def _remove_previous_install(paths: tuple[Path, ...]) -> None:
    # Reverse order: files before the directories that held them. A directory still holding
    # something (a file a script created) stays, as in CodeDeploy.
    for path in reversed(paths):
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.is_dir():
            try:
                path.rmdir()
            except OSError:
                continue


def _apply(plan: InstallPlan, created: list[Path]) -> None:
    for instruction in plan.instructions:
        target = instruction.destination
        try:
            if instruction.kind is InstructionKind.MAKE_DIRECTORY:
                for directory in [*reversed(target.parents), target]:
                    if not directory.exists():
                        directory.mkdir(mode=0o755)
                        created.append(directory)
                continue
            if target in plan.retained:
                continue
            assert instruction.source is not None
            if target.is_symlink() or target.exists():
                target.unlink()
            shutil.copy2(instruction.source, target, follow_symlinks=False)
            created.append(target)
        except OSError as error:
            raise InstallError(f"cannot install {target}: {error.strerror or error}") from error


# --- permissions --------------------------------------------------------------------------------


def _check_permissions_can_apply(permissions: tuple[Permission, ...]) -> None:
    for permission in permissions:
        _uid(permission)
        _gid(permission)
        if permission.acls and shutil.which("setfacl") is None:
            raise InstallError(
                f"the permissions for {permission.object} set acls, but setfacl is not installed "
                "on this host (install the acl package)"
            )
        if permission.context is not None and shutil.which("chcon") is None:
            raise InstallError(
                f"the permissions for {permission.object} set an SELinux context, but chcon is "
                "not installed on this host"
            )


def _uid(permission: Permission) -> int:
    if permission.owner is None:
        return -1
    try:
        return pwd.getpwnam(permission.owner).pw_uid
    except KeyError:
        raise InstallError(
            f"the permissions for {permission.object} name owner {permission.owner}, "
            "who is not a user on this host"
        ) from None


def _gid(permission: Permission) -> int:
    if permission.group is None:
        return -1
    try:
        return grp.getgrnam(permission.group).gr_gid
    except KeyError:
        raise InstallError(
            f"the permissions for {permission.object} name group {permission.group}, "
            "which is not a group on this host"
        ) from None


def _targets(permission: Permission, installed: set[Path]) -> list[Path]:
    """What a permission applies to: installed entries within ``object`` (the object itself only
    when it is a file) whose names match ``pattern`` and no ``except``, of the given types."""
    root = Path(permission.object)
    chosen = []
    for path in sorted(installed):
        if path != root and root not in path.parents:
            continue
        if path == root and path.is_dir():
            continue
        kind = ObjectType.DIRECTORY if path.is_dir() and not path.is_symlink() else ObjectType.FILE
        if kind not in permission.types:
            continue
        if permission.pattern != "**" and not fnmatch.fnmatchcase(path.name, permission.pattern):
            continue
        if any(fnmatch.fnmatchcase(path.name, excepted) for excepted in permission.excepted):
            continue
        chosen.append(path)
    return chosen


def _apply_permission(permission: Permission, installed: set[Path]) -> None:
    uid, gid = _uid(permission), _gid(permission)
    for path in _targets(permission, installed):
        if path.is_symlink():
            continue  # a link's own mode means nothing; its target is an entry of its own
        try:
            if uid != -1 or gid != -1:
                os.chown(path, uid, gid)
            if permission.mode is not None:
                path.chmod(permission.mode)
        except OSError as error:
            raise InstallError(f"cannot set permissions on {path}: {error.strerror}") from error
        for entry in permission.acls:
            is_default = entry.startswith(("d:", "default:"))
            if is_default and not path.is_dir():
                continue
            _run_tool(["setfacl", "-m", entry, str(path)])
        if permission.context is not None:
            context = permission.context
            command = ["chcon", "-t", context.type]
            if context.user:
                command += ["-u", context.user]
            if context.range:
                command += ["-l", context.range]
            _run_tool([*command, str(path)])


def _run_tool(command: list[str]) -> None:
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS, check=False
    )
    if completed.returncode != 0:
        raise InstallError(
            f"{' '.join(command)} failed (exit {completed.returncode}): "
            f"{completed.stderr.strip() or completed.stdout.strip()}"
        )
