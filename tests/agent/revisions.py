"""Bundles, deployments and recording sinks for the agent-core tests."""

from __future__ import annotations

import io
import math
import tarfile
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from agent.bundle import RevisionSources
from agent.deployment import Deployment, LocalRevision
from agent.executor import Executor
from agent.hook_runner import HookOutputLine
from rollwright.agent_protocol import EventOutcome, EventReport, FileExistsBehavior, Revision
from rollwright.lifecycle import LifecycleEvent

GROUP_ID = "3f1c2a9e-0000-4000-8000-000000000001"


def write_bundle(
    directory: Path,
    *,
    hooks: dict[str, list[str]] | None = None,
    scripts: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
    destination: Path | None = None,
    extra: str = "",
) -> Path:
    """A bundle directory: appspec.yml, shell scripts under scripts/, content under app/."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["version: 0.0", "os: linux"]
    if destination is not None:
        lines += ["files:", "  - source: app", f"    destination: {destination}"]
    if hooks:
        lines.append("hooks:")
        for event, locations in hooks.items():
            lines.append(f"  {event}:")
            lines += [f"    - location: {location}" for location in locations]
    (directory / "appspec.yml").write_text("\n".join(lines) + "\n" + textwrap.dedent(extra))
    for name, body in (scripts or {}).items():
        script = directory / "scripts" / name
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text("#!/bin/sh\n" + textwrap.dedent(body))
        script.chmod(0o755)
    for name, content in (files or {}).items():
        target = directory / "app" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return directory


def tar_bytes(
    entries: list[tarfile.TarInfo | tuple[tarfile.TarInfo, bytes]], mode: str = "w"
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for entry in entries:
            if isinstance(entry, tuple):
                archive.addfile(entry[0], io.BytesIO(entry[1]))
            else:
                archive.addfile(entry)
    return buffer.getvalue()


def tar_file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o755
    return info, data


def tar_link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def zip_bytes(files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100755) << 16
            archive.writestr(info, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


APPSPEC = b"version: 0.0\nos: linux\n"


def a_deployment(
    bundle: Path | Revision,
    *,
    deployment_id: str = "d-AAAAAAAA1",
    command_id: str | None = None,
    file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW,
    ignore_application_stop_failures: bool = False,
    deployment_creator: str = "user",
    deployment_type: str = "IN_PLACE",
    deadline: float = math.inf,
) -> Deployment:
    return Deployment(
        command_id=command_id or f"cmd-{deployment_id}",
        deployment_id=deployment_id,
        deployment_group_id=GROUP_ID,
        deployment_group_name="web",
        application_name="shop",
        host_id="i-0abc",
        revision=LocalRevision(bundle) if isinstance(bundle, Path) else bundle,
        deadline=deadline,
        file_exists_behavior=file_exists_behavior,
        ignore_application_stop_failures=ignore_application_stop_failures,
        deployment_creator=deployment_creator,
        deployment_type=deployment_type,
    )


@dataclass
class RecordingReporter:
    reports: list[EventReport] = field(default_factory=list)

    def report(self, report: EventReport) -> None:
        self.reports.append(report)

    def ends(self) -> list[EventReport]:
        return [r for r in self.reports if r.outcome is not EventOutcome.IN_PROGRESS]

    def outcomes(self) -> list[tuple[str, str]]:
        return [(r.lifecycle_event.value, r.outcome.value) for r in self.reports]


@dataclass
class RecordingOutput:
    lines: list[HookOutputLine] = field(default_factory=list)

    def write(self, line: HookOutputLine) -> None:
        self.lines.append(line)


def an_executor(root: Path, output: RecordingOutput | None = None, **options: object) -> Executor:
    return Executor(
        root=root,
        bundle_sources=RevisionSources(),
        hook_output=output or RecordingOutput(),
        kill_grace_seconds=float(options.pop("kill_grace_seconds", 1.0)),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


FULL_DEPLOYMENT = (
    LifecycleEvent.APPLICATION_STOP,
    LifecycleEvent.DOWNLOAD_BUNDLE,
    LifecycleEvent.BEFORE_INSTALL,
    LifecycleEvent.INSTALL,
    LifecycleEvent.AFTER_INSTALL,
    LifecycleEvent.APPLICATION_START,
    LifecycleEvent.VALIDATE_SERVICE,
)
