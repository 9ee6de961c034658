"""Benchmark results: a printed table and a JSON record with the revision and the machine."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured number, e.g. ("GetApplication", "p50", 12.3, "ms")."""

    subject: str
    measure: str
    value: float
    unit: str


@dataclass
class ScenarioResult:
    scenario: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, subject: str, measure: str, value: float, unit: str) -> None:
        self.figures.append(Figure(subject, measure, value, unit))


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def git_revision(root: Path) -> str:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return completed.stdout.strip() + ("-dirty" if dirty else "")


def format_table(results: list[ScenarioResult]) -> str:
    rows = [("scenario", "subject", "measure", "value", "unit")]
    for result in results:
        for figure in result.figures:
            rows.append(
                (
                    result.scenario,
                    figure.subject,
                    figure.measure,
                    _number(figure.value),
                    figure.unit,
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.rjust(width) if i == 3 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write_json(results: list[ScenarioResult], root: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = directory / f"bench-{stamp}.json"
    document = {
        "revision": git_revision(root),
        "recorded_at": stamp,
        "machine": machine(),
        "results": [asdict(result) for result in results],
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return path


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
