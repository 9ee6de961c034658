"""The `make demo` scenario: Rollwright deploying a small web app to three real agents on the
devstack, then rolling back by itself when the next version fails on one host.

1. three on-premises hosts, each a directory of its own (root, web port, identity);
2. registered as on-premises instances and tagged, the way an operator registers servers;
   then their agents started: three real processes (``python -m agent run``);
3. an application and a deployment group (OneAtATime, automatic rollback on failure);
4. v1 of the web app (``demo_app/v1``) deployed, its progress shown live, every host's page read;
5. v2 deployed: host-2 lacks the API key v2 needs, so its ValidateService fails there;
6. the rollback that Rollwright creates by itself, followed live, and every host on v1 again;
7. the agents and web servers stopped, the instances deregistered, the AWS requests counted.

Everything goes through the product's own interfaces: the stock CodeDeploy client on the API, the
bundle upload and the live view of ``rollwright deploy --wait`` (``rollwright.bundle_upload``,
``rollwright.deployment_watch``), and the hosts' pages over HTTP.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from devstack.agent_hosts import host_session_arn
from devstack.demo_hosts import AgentProcesses, DemoHost, prepare_hosts
from devstack.request_counts import RequestCounts
from devstack.state import DevstackState
from rollwright.bundle_upload import revision_location, upload_bundle
from rollwright.deployment_watch import watch

APP_DIR = Path(__file__).resolve().parent / "demo_app"
HOSTS_DIR_NAME = "demo"  # in the devstack's state directory
DEPLOYMENT_GROUP = "web"
DEPLOYMENT_CONFIG = "CodeDeployDefault.OneAtATime"
FLEET_TAG = "rollwright-demo"
HOSTS_WITH_API_KEY = ("host-1", "host-3")  # host-2 lacks what v2 needs
ROLLBACK_WAIT_SECONDS = 60.0
ENDED = ("Succeeded", "Failed", "Stopped")
# What the app's hook scripts run on each host.
REQUIRED_COMMANDS = {
    "curl": "ValidateService checks each page with it",
    "setsid": "ApplicationStart detaches the web server with it",
    "python3": "the web server",
}


class DemoError(Exception):
    """The demo cannot run, or did not end as it should."""


@dataclass(frozen=True)
class RolledBack:
    failed_deployment_id: str
    rollback_deployment_id: str


class DemoScenario:
    """The demo's steps, each printing what it does; ``run`` chains them, the e2e test checks
    between them."""

    def __init__(self, state: DevstackState, hosts_dir: Path, console: Console) -> None:
        self.state = state
        self.hosts_dir = hosts_dir
        self.console = console
        self.run_id = f"demo-{secrets.token_hex(3)}"
        self.application = f"rollwright-{self.run_id}"
        self.codedeploy = state.codedeploy_client()
        self.hosts: list[DemoHost] = []
        self._agents: AgentProcesses | None = None
        self._registered: list[str] = []

    def host(self, name: str) -> DemoHost:
        return next(host for host in self.hosts if host.name == name)

    # --- the steps ---

    def prepare_hosts(self) -> None:
        self._step("Three on-premises hosts: a directory each, as three servers would have")
        missing = [name for name in REQUIRED_COMMANDS if shutil.which(name) is None]
        if missing:
            raise DemoError(
                "the demo app's scripts need "
                + ", ".join(f"{name} ({REQUIRED_COMMANDS[name]})" for name in missing)
                + ": install them (Debian: apt-get install curl util-linux python3)"
            )
        self.hosts = prepare_hosts(self.state, self.hosts_dir, self.run_id)
        for name in HOSTS_WITH_API_KEY:
            (self.host(name).directory / "api-key").write_text(secrets.token_hex(16) + "\n")
        for host in self.hosts:
            self._say(
                f"{host.name}  {host.instance_name}  web port {host.port:<6} "
                f"{_shown(host.directory)}",
                indent=4,
            )
        self._say(
            "each holds agent.yml, its on-premises identity file and web.env (PORT); "
            + " and ".join(HOSTS_WITH_API_KEY)
            + " also an api-key file"
        )

    def register_hosts(self) -> None:
        self._step("Register them as on-premises instances, tagged for the deployment group")
        for host in self.hosts:
            session_arn = host_session_arn(self.state, host.host_id)
            self.codedeploy.register_on_premises_instance(
                instanceName=host.instance_name, iamSessionArn=session_arn
            )
            self._registered.append(host.instance_name)
            self._say(f"RegisterOnPremisesInstance {host.instance_name}  {session_arn}", indent=4)
        self.codedeploy.add_tags_to_on_premises_instances(
            tags=[{"Key": FLEET_TAG, "Value": self.run_id}],
            instanceNames=[host.instance_name for host in self.hosts],
        )
        self._say(f"AddTagsToOnPremisesInstances {FLEET_TAG}={self.run_id}", indent=4)

    def start_agents(self) -> None:
        self._step("Start their agents: three real processes")
        self._agents = AgentProcesses(self.hosts)
        self._say(f"{_shown(Path(sys.executable))} -m agent run --config <host dir>/agent.yml")
        self._agents.start()
        for host in self.hosts:
            self._say(
                f"{host.name}  agent pid {self._agents.pid(host):<7} {_shown(host.agent_log)}",
                indent=4,
            )
        self._say(
            "each polls its own queue as its own session of the stack's host role, tagged "
            "rollwright:host=<host id>"
        )

    def create_application(self) -> None:
        self._step(f"Create the application {self.application} and its deployment group")
        self.codedeploy.create_application(
            applicationName=self.application, computePlatform="Server"
        )
        self.codedeploy.create_deployment_group(
            applicationName=self.application,
            deploymentGroupName=DEPLOYMENT_GROUP,
            serviceRoleArn=f"arn:aws:iam::{self.state.account_id}:role/rollwright-demo",
            deploymentConfigName=DEPLOYMENT_CONFIG,
            onPremisesInstanceTagFilters=[
                {"Key": FLEET_TAG, "Value": self.run_id, "Type": "KEY_AND_VALUE"}
            ],
            autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
        )
        self._say(
            f"group {DEPLOYMENT_GROUP}: instances tagged {FLEET_TAG}={self.run_id}, "
            f"{DEPLOYMENT_CONFIG}, automatic rollback on DEPLOYMENT_FAILURE"
        )
        self._say(
            "why OneAtATime: with three hosts, one failed host fails the deployment only when two "
            "must stay healthy, and that allows one host at a time (HalfAtATime rounds to the "
            "same here; AllAtOnce would call two successes out of three a success)"
        )

    def deploy_first(self) -> str:
        self._step("Deploy v1: ApplicationStart starts a web server, ValidateService curls it")
        deployment_id, succeeded = self._deploy("v1")
        self.show_answers()
        if not succeeded:
            raise DemoError(f"{deployment_id} (v1) did not succeed")
        return deployment_id

    def deploy_failing(self) -> RolledBack:
        self._step("Deploy v2: it needs an API key that host-2 does not have")
        self._say(
            "v2 adds /health, which answers 503 without "
            "$DEMO_HOST_DIR/api-key; the demo gave one to "
            + " and ".join(HOSTS_WITH_API_KEY)
            + " only, so ValidateService fails on host-2 (the second host, after host-1 got v2)"
        )
        deployment_id, succeeded = self._deploy("v2")
        if succeeded:
            raise DemoError(f"{deployment_id} succeeded although host-2 has no API key")
        rollback_id = self._rollback_of(deployment_id)
        self._step("The automatic rollback: the last successful revision (v1) on every host")
        message = self._info(deployment_id)["rollbackInfo"].get("rollbackMessage", "")
        self._say(f"{deployment_id} rollbackInfo: {message}")
        self._say(f"watching {rollback_id} (what `rollwright status {rollback_id} --wait` shows)")
        rolled_back = watch(self.codedeploy, rollback_id, console=self.console) == 0
        headings = self.show_answers()
        for host in self.hosts:
            self._say(
                f"{host.name} started, in order: {' → '.join(host.started_versions())}", indent=4
            )
        if not rolled_back or set(headings.values()) != {"Rollwright demo app v1"}:
            raise DemoError(f"the rollback {rollback_id} did not put v1 back on every host")
        return RolledBack(deployment_id, rollback_id)

    def show_answers(self) -> dict[str, str]:
        """Every host's page, as its web server answers it now."""
        headings: dict[str, str] = {}
        self._say("what each host serves now:")
        for host in self.hosts:
            answer = host.answer()
            headings[host.name] = answer.heading
            self._say(f"{host.name}  {host.url}  →  {answer.status}  {answer.heading}", indent=4)
        return headings

    def stop_hosts(self) -> None:
        """Stop the agents and their web servers, and deregister the instances (idempotent)."""
        if self._agents is not None:
            self._agents.stop()
            self._agents = None
            self._say("stopped the three agents and their web servers")
        while self._registered:
            self.codedeploy.deregister_on_premises_instance(instanceName=self._registered.pop())
        self._say("deregistered the instances; the application and its deployments stay")

    # --- helpers ---

    def _deploy(self, version: str) -> tuple[str, bool]:
        bucket = self.state.stack_outputs["ArtifactsBucketName"]
        location = upload_bundle(
            self.state.aws_client("s3"),
            bucket=bucket,
            application=self.application,
            directory=APP_DIR / version,
        )
        revision = revision_location(location)
        self.codedeploy.register_application_revision(
            applicationName=self.application, revision=revision, description=version
        )
        deployment_id = str(
            self.codedeploy.create_deployment(
                applicationName=self.application,
                deploymentGroupName=DEPLOYMENT_GROUP,
                revision=revision,
                description=f"the demo app {version}",
            )["deploymentId"]
        )
        self._say(
            f"bundle {_shown(APP_DIR / version)} → s3://{bucket}/{location.key}; "
            f"CreateDeployment → {deployment_id}"
        )
        self._say(
            f"(what `rollwright deploy --devstack --application {self.application} "
            f"--deployment-group {DEPLOYMENT_GROUP} --bundle {_shown(APP_DIR / version)} --wait` "
            "does)"
        )
        exit_status = watch(self.codedeploy, deployment_id, console=self.console)
        return deployment_id, exit_status == 0

    def _rollback_of(self, deployment_id: str) -> str:
        deadline = time.monotonic() + ROLLBACK_WAIT_SECONDS
        while True:
            info = self._info(deployment_id)
            rollback = info.get("rollbackInfo") or {}
            if "rollbackDeploymentId" in rollback:
                return str(rollback["rollbackDeploymentId"])
            if rollback and info["status"] in ENDED:
                raise DemoError(f"{deployment_id} was not rolled back: {rollback}")
            if time.monotonic() > deadline:
                raise DemoError(f"{deployment_id} names no rollback after {ROLLBACK_WAIT_SECONDS}s")
            time.sleep(0.5)

    def _info(self, deployment_id: str) -> dict[str, Any]:
        return dict(self.codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"])

    def _step(self, title: str) -> None:
        self.console.print()
        self.console.print(f"==> {title}", style="bold cyan", markup=False, highlight=False)

    def _say(self, text: str, *, indent: int = 2) -> None:
        self.console.print(" " * indent + text, markup=False, highlight=False, soft_wrap=True)


def run(state: DevstackState, hosts_dir: Path | None = None, console: Console | None = None) -> int:
    """The whole demo; its exit status (0 when every step ended as it should)."""
    console = console or Console()
    hosts_dir = hosts_dir or Path(state.state_dir) / HOSTS_DIR_NAME
    counts = RequestCounts(state.aws_endpoint_url)
    counts.reset()
    started = time.monotonic()
    scenario = DemoScenario(state, hosts_dir, console)
    console.print(
        f"Rollwright demo {scenario.run_id}: devstack {state.aws_endpoint_url}, "
        f"CodeDeploy API {state.api_url}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    outcome: RolledBack | None = None
    try:
        scenario.prepare_hosts()
        scenario.register_hosts()
        scenario.start_agents()
        scenario.create_application()
        scenario.deploy_first()
        outcome = scenario.deploy_failing()
    except DemoError as error:
        console.print(f"demo failed: {error}", style="bold red", markup=False)
    finally:
        scenario._step("Clean up")
        scenario.stop_hosts()
    _show_request_counts(console, counts.read(), time.monotonic() - started)
    _show_where_next(console, state, scenario, outcome)
    return 0 if outcome is not None else 1


def _show_request_counts(console: Console, counts: Counter[str], seconds: float) -> None:
    by_service: Counter[str] = Counter()
    operations: dict[str, Counter[str]] = {}
    for name, count in counts.items():
        service, _, operation = name.partition(":")
        by_service[service] += count
        operations.setdefault(service, Counter())[operation] = count
    console.print()
    console.print(
        f"==> AWS requests behind the whole demo ({seconds:.0f} s): "
        f"{sum(by_service.values())}, by service",
        style="bold cyan",
        markup=False,
    )
    for service, total in by_service.most_common():
        top = ", ".join(f"{op} {n}" for op, n in operations[service].most_common(3))
        console.print(f"    {total:6d}  {service:<16} {top}", markup=False, highlight=False)


def _show_where_next(
    console: Console, state: DevstackState, scenario: DemoScenario, outcome: RolledBack | None
) -> None:
    python = _shown(Path(sys.executable))
    state_dir = Path(state.state_dir)
    devstack = (
        "--devstack"
        if state_dir.resolve() == (Path.cwd() / ".devstack").resolve()
        else f"--devstack-dir {_shown(state_dir)}"
    )
    failed = outcome.failed_deployment_id if outcome else "<deployment id>"
    rollback = outcome.rollback_deployment_id if outcome else "<deployment id>"
    failing = scenario.host("host-2").instance_name if scenario.hosts else "<instance>"
    lines = [
        f"devstack state   {_shown(state_dir / 'state.json')} (API URL, AWS endpoint, region, "
        "operator keys, stack outputs)",
        f"CodeDeploy API   {state.api_url}",
        f"deployments      {python} -m rollwright status {rollback} {devstack}",
        f"hook output      {python} -m rollwright logs {failed} {devstack} --host {failing} "
        "--event ValidateService",
        f"stock boto3      {python} -c 'from pathlib import Path; from devstack.state import "
        f'read_state; print(read_state(Path("{_shown(state_dir)}")).codedeploy_client()'
        f'.list_deployments(applicationName="{scenario.application}", '
        f'deploymentGroupName="{DEPLOYMENT_GROUP}"))\'',
        'AWS CLI          the `aws deploy` plugin, see README.md "Call it from a pipeline": '
        f"--endpoint-url {state.api_url} with the operator keys of state.json; "
        f"other services: --endpoint-url {state.aws_endpoint_url}",
        f"the hosts        {_shown(scenario.hosts_dir)}/host-N: agent.yml, "
        "logs/rollwright-agent.log, deployment-root/, web/",
        "operations       docs/operations.md (agent install, deploy, stop, roll back)",
        "stop it all      make down",
    ]
    console.print()
    console.print("==> Where to look next", style="bold cyan", markup=False)
    for line in lines:
        console.print("  " + line, markup=False, highlight=False, soft_wrap=True)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter to read)."""
    absolute = Path(os.path.abspath(path))  # links kept: the venv's python stays the venv's
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)
