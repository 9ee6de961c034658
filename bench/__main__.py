"""`make bench`: run the named scenarios (all when none is named), print a table, write JSON.

Usage: ``python -m bench [scenario ...]``. Scenarios that need AWS get a devstack of the run's own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bench import (
    agent_footprint,
    alarm_stop,
    api_latency,
    deployment_groups_latency,
    ecs_deployment,
    inplace_deployment,
    lambda_deployment,
    revisions_latency,
)
from bench.context import BenchContext
from bench.report import ScenarioResult, format_table, write_json

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIRECTORY = REPOSITORY_ROOT / "bench" / "results"

# One line per scenario: its name and its ``run(context) -> ScenarioResult``.
SCENARIOS: dict[str, Callable[[BenchContext], ScenarioResult]] = {
    "api_latency": api_latency.run,
    "revisions_latency": revisions_latency.run,
    "agent_footprint": agent_footprint.run,
    "deployment_groups_latency": deployment_groups_latency.run,
    "inplace_deployment": inplace_deployment.run,
    "lambda_deployment": lambda_deployment.run,
    "ecs_deployment": ecs_deployment.run,
    "alarm_stop": alarm_stop.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenarios", nargs="*", metavar="scenario", help=", ".join(SCENARIOS))
    arguments = parser.parse_args(argv)
    unknown = set(arguments.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    names = arguments.scenarios or list(SCENARIOS)
    with BenchContext() as context:
        results = [SCENARIOS[name](context) for name in names]
    print(format_table(results))
    print(f"\nwritten: {write_json(results, REPOSITORY_ROOT, RESULTS_DIRECTORY)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
