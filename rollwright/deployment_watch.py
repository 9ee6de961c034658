"""Reads a deployment's snapshot through the API and follows it to its end.

About once a second: GetDeployment, then ListDeploymentTargets (every page) and
BatchGetDeploymentTargets (25 ids a call). On a terminal the view is a rich ``Live`` table
redrawn in place; otherwise each change is printed as a plain line. The exit status says how the
deployment ended: 0 Succeeded, 1 Failed or Stopped, 130 when the watcher is interrupted (the
deployment itself carries on).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.live import Live

from rollwright.progress_view import (
    DeploymentSnapshot,
    outcome_lines,
    progress_changes,
    render,
    snapshot_from,
)

BATCH_GET_TARGETS_LIMIT = 25
POLL_INTERVAL_SECONDS = 1.0
EXIT_SUCCEEDED = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
# Statuses in which the deployment has no targets to list yet (ListDeploymentTargets refuses).
_NOT_STARTED = frozenset({"Created", "Queued"})


def fetch_snapshot(codedeploy: Any, deployment_id: str) -> DeploymentSnapshot:
    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    if info.get("status") in _NOT_STARTED:
        return snapshot_from(info, [])
    return snapshot_from(info, deployment_targets(codedeploy, deployment_id))


def deployment_targets(codedeploy: Any, deployment_id: str) -> list[dict[str, Any]]:
    try:
        target_ids = [
            target_id
            for page in codedeploy.get_paginator("list_deployment_targets").paginate(
                deploymentId=deployment_id
            )
            for target_id in page.get("targetIds", [])
        ]
    except codedeploy.exceptions.DeploymentNotStartedException:
        return []
    targets: list[dict[str, Any]] = []
    for start in range(0, len(target_ids), BATCH_GET_TARGETS_LIMIT):
        targets.extend(
            codedeploy.batch_get_deployment_targets(
                deploymentId=deployment_id,
                targetIds=target_ids[start : start + BATCH_GET_TARGETS_LIMIT],
            )["deploymentTargets"]
        )
    return targets


def watch(
    codedeploy: Any,
    deployment_id: str,
    *,
    console: Console,
    interval: float = POLL_INTERVAL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Follow the deployment until it ends; the exit status for how it ended."""
    try:
        if console.is_terminal:
            snapshot = _watch_live(codedeploy, deployment_id, console, interval, sleep)
        else:
            snapshot = _watch_plain(codedeploy, deployment_id, console, interval, sleep)
    except KeyboardInterrupt:
        console.print(
            f"Stopped watching. Deployment {deployment_id} continues: "
            f"`rollwright status {deployment_id} --wait` follows it again, "
            f"`rollwright stop {deployment_id}` stops it.",
            markup=False,
            soft_wrap=True,
        )
        return EXIT_INTERRUPTED
    for line in outcome_lines(snapshot):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    return EXIT_SUCCEEDED if snapshot.succeeded else EXIT_FAILED


def _watch_live(
    codedeploy: Any,
    deployment_id: str,
    console: Console,
    interval: float,
    sleep: Callable[[float], None],
) -> DeploymentSnapshot:
    snapshot = fetch_snapshot(codedeploy, deployment_id)
    with Live(render(snapshot), console=console, refresh_per_second=4) as live:
        while not snapshot.ended:
            sleep(interval)
            snapshot = fetch_snapshot(codedeploy, deployment_id)
            live.update(render(snapshot))
    return snapshot


def _watch_plain(
    codedeploy: Any,
    deployment_id: str,
    console: Console,
    interval: float,
    sleep: Callable[[float], None],
) -> DeploymentSnapshot:
    previous: DeploymentSnapshot | None = None
    while True:
        snapshot = fetch_snapshot(codedeploy, deployment_id)
        for line in progress_changes(previous, snapshot):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        if snapshot.ended:
            return snapshot
        previous = snapshot
        sleep(interval)
