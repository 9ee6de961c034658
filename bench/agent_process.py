"""The agent side of the ``agent_footprint`` benchmark: the real executor, driven over stdin.

It imports what the agent imports and nothing of the benchmark harness, so its RSS is the agent's.
Requests, one a line: ``ready``, ``deploy N`` (N local deployments of the small bundle),
``noop N`` / ``script N`` (N hook events with no script / one ``exit 0`` script; answers the
milliseconds per event).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from agent.bundle import RevisionSources
from agent.executor import Executor
from agent.hook_runner import HookOutputLine
from agent.local import LOCAL_EVENTS, local_deployment
from rollwright.agent_protocol import EventReport, FileExistsBehavior
from rollwright.lifecycle import LifecycleEvent


class Discard:
    """Reports and hook output go nowhere: the benchmark measures the executor alone."""

    def report(self, report: EventReport) -> None:
        return

    def write(self, line: HookOutputLine) -> None:
        return


def serve(scratch: Path, bundle: Path) -> None:
    """The agent side: builds the real executor, then deploys on request (one line each)."""
    executor = Executor(
        root=scratch / "root", bundle_sources=RevisionSources(), hook_output=Discard()
    )
    hook_events = (
        LifecycleEvent.BEFORE_INSTALL,
        LifecycleEvent.AFTER_INSTALL,
        LifecycleEvent.APPLICATION_START,
        LifecycleEvent.VALIDATE_SERVICE,
    )
    for request in sys.stdin:
        verb, _, count = request.strip().partition(" ")
        if verb == "ready":
            answer = "ready"
        elif verb == "deploy":
            for _ in range(int(count)):
                deployment = local_deployment(
                    bundle=bundle, group="bench", file_exists_behavior=FileExistsBehavior.OVERWRITE
                )
                outcome = executor.execute_deployment(deployment, LOCAL_EVENTS, Discard())
                if not outcome.succeeded:
                    raise RuntimeError(f"bench deployment failed: {outcome.failure}")
            answer = "deployed"
        else:
            # Per-event cost of hook events: with no scripts ("noop"), or one `exit 0` script.
            source = scratch / ("noop" if verb == "noop" else "script")
            deployment = local_deployment(bundle=source, group=f"bench-{verb}")
            executor.execute_deployment(deployment, (LifecycleEvent.DOWNLOAD_BUNDLE,), Discard())
            rounds = max(int(count) // len(hook_events), 1)
            started = time.perf_counter()
            for number in range(rounds):
                # A new command of the same deployment: hooks read its downloaded archive.
                repeat = dataclasses.replace(deployment, command_id=f"{verb}-{number}")
                executor.execute_deployment(repeat, hook_events, Discard())
            elapsed = time.perf_counter() - started
            answer = f"{elapsed * 1000 / (rounds * len(hook_events)):.3f}"
        print(answer, flush=True)


if __name__ == "__main__":
    serve(Path(sys.argv[1]), Path(sys.argv[2]))
