"""``rollwright-agent local``: run a bundle through the real executor with no AWS.

Like ``codedeploy-local``: the bundle is a directory or a tar/tgz/zip file on this host; each run is
a new deployment (a fresh ``d-`` id) of the named deployment group under the deployment root, so
successive runs see each other's cleanup list and last successful install. DownloadBundle and
Install always run, placed with the chosen events in CodeDeploy's order.
"""

from __future__ import annotations

import argparse
import math
import secrets
import string
import sys
from pathlib import Path

from agent.bundle import RevisionSources
from agent.config import DEFAULT_CONFIG_FILE, AgentConfig, AgentConfigError, read_agent_config
from agent.deployment import DEFAULT_APPSPEC, Deployment, LocalRevision
from agent.executor import CommandOutcome, Executor
from agent.hook_runner import HookOutputLine
from rollwright.agent_protocol import EventOutcome, EventReport, FileExistsBehavior
from rollwright.lifecycle import AGENT_EVENTS, IN_PLACE_WITH_TRAFFIC, LifecycleEvent

DEFAULT_DEPLOYMENT_GROUP = "default-local-deployment-group"
LOCAL_APPLICATION = "local-application"
LOCAL_HOST = "localhost"
# codedeploy-local's default: every event a host runs, traffic hooks included.
LOCAL_EVENTS = tuple(event for event in IN_PLACE_WITH_TRAFFIC if event in AGENT_EVENTS)
ALWAYS_RUN = frozenset({LifecycleEvent.DOWNLOAD_BUNDLE, LifecycleEvent.INSTALL})


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bundle", required=True, type=Path, help="a bundle directory or tar/tgz/zip file"
    )
    parser.add_argument(
        "--events",
        nargs="+",
        metavar="EVENT",
        help="lifecycle events to run, space or comma separated (default: all of "
        f"{', '.join(e.value for e in LOCAL_EVENTS)})",
    )
    parser.add_argument("--deployment-group", default=DEFAULT_DEPLOYMENT_GROUP)
    parser.add_argument(
        "--root", type=Path, help="the deployment root (default: the agent config's)"
    )
    parser.add_argument(
        "--file-exists-behavior",
        choices=[behavior.value for behavior in FileExistsBehavior],
        default=FileExistsBehavior.DISALLOW.value,
    )
    parser.add_argument("--appspec-filename", default=DEFAULT_APPSPEC)
    parser.add_argument("--verbose", action="store_true", help="print hook output as it comes")


def run(arguments: argparse.Namespace) -> int:
    try:
        events = chosen_events(arguments.events)
        root = arguments.root or configured_root()
    except (ValueError, AgentConfigError) as error:
        print(f"rollwright-agent local: {error}", file=sys.stderr)
        return 2
    if not arguments.bundle.exists():
        print(f"rollwright-agent local: bundle {arguments.bundle} does not exist", file=sys.stderr)
        return 2
    deployment = local_deployment(
        bundle=arguments.bundle,
        group=arguments.deployment_group,
        file_exists_behavior=FileExistsBehavior(arguments.file_exists_behavior),
        appspec_filename=arguments.appspec_filename,
    )
    executor = Executor(
        root=root,
        bundle_sources=RevisionSources(),
        hook_output=_PrintedOutput(enabled=arguments.verbose),
    )
    print(f"deployment {deployment.deployment_id} of group {deployment.deployment_group_name}")
    outcome = executor.execute_deployment(deployment, events, _PrintedReports())
    return _summary(outcome)


def chosen_events(names: list[str] | None) -> tuple[LifecycleEvent, ...]:
    if not names:
        return LOCAL_EVENTS
    chosen = set(ALWAYS_RUN)
    for name in (part for item in names for part in item.split(",") if part):
        try:
            event = LifecycleEvent(name)
        except ValueError:
            event = None
        if event not in LOCAL_EVENTS:
            allowed = ", ".join(e.value for e in LOCAL_EVENTS)
            raise ValueError(f"{name} is not a lifecycle event a host runs (one of {allowed})")
        chosen.add(event)
    return tuple(event for event in LOCAL_EVENTS if event in chosen)


def configured_root() -> Path:
    if DEFAULT_CONFIG_FILE.is_file():
        return read_agent_config(DEFAULT_CONFIG_FILE).deployment_root
    return AgentConfig.deployment_root


def local_deployment(
    *,
    bundle: Path,
    group: str,
    file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW,
    appspec_filename: str = DEFAULT_APPSPEC,
) -> Deployment:
    alphabet = string.ascii_uppercase + string.digits
    deployment_id = "d-" + "".join(secrets.choice(alphabet) for _ in range(9))
    return Deployment(
        command_id=f"local-{deployment_id}",
        deployment_id=deployment_id,
        # The name doubles as the id, so runs naming the same group share its history.
        deployment_group_id=group,
        deployment_group_name=group,
        application_name=LOCAL_APPLICATION,
        host_id=LOCAL_HOST,
        revision=LocalRevision(bundle.absolute()),
        deadline=math.inf,
        file_exists_behavior=file_exists_behavior,
        appspec_filename=appspec_filename,
    )


class _PrintedReports:
    def report(self, report: EventReport) -> None:
        if report.outcome is EventOutcome.IN_PROGRESS:
            return
        line = f"{report.lifecycle_event.value:<20} {report.outcome.value}"
        if report.outcome is EventOutcome.FAILED:
            script = f" {report.script_name}:" if report.script_name else ""
            line += f" {report.error_code.value}{script} {report.message}"
        print(line, flush=True)


class _PrintedOutput:
    def __init__(self, *, enabled: bool) -> None:
        self._enabled = enabled

    def write(self, line: HookOutputLine) -> None:
        if self._enabled:
            print(f"  {line.script} [{line.stream.value}] {line.text}", flush=True)


def _summary(outcome: CommandOutcome) -> int:
    for event in outcome.skipped:
        print(f"{event.value:<20} Skipped")
    failure = outcome.failure
    if failure is None:
        print("deployment succeeded")
        return 0
    print(
        f"deployment failed: {failure.lifecycle_event.value} failed with "
        f"{failure.error_code.value}",
        file=sys.stderr,
    )
    if failure.log_tail:
        print(failure.log_tail, file=sys.stderr)
    return 1
