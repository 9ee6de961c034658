"""`make bench`: start a devstack of its own, run the named scenarios, print a table, write JSON.

Usage: ``python -m bench [scenario ...]`` (all scenarios when none is named).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import api_latency
from bench.report import ScenarioResult, format_table, write_json
from devstack import launcher
from devstack.request_counts import RequestCounts

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIRECTORY = REPOSITORY_ROOT / "bench" / "results"

SCENARIOS: dict[str, Callable[[Any, RequestCounts], ScenarioResult]] = {
    "api_latency": api_latency.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenarios", nargs="*", metavar="scenario", help=", ".join(SCENARIOS))
    arguments = parser.parse_args(argv)
    unknown = set(arguments.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    names = arguments.scenarios or list(SCENARIOS)
    with tempfile.TemporaryDirectory(prefix="rollwright-bench-") as state_dir:
        state = launcher.start(Path(state_dir), port=_free_port())
        try:
            codedeploy = state.codedeploy_client()
            accounting = RequestCounts(state.aws_endpoint_url)
            results = [SCENARIOS[name](codedeploy, accounting) for name in names]
        finally:
            launcher.stop(Path(state_dir))
    print(format_table(results))
    print(f"\nwritten: {write_json(results, REPOSITORY_ROOT, RESULTS_DIRECTORY)}")
    return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
