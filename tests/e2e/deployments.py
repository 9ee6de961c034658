"""Server deployments for the e2e tests: written with the domain's plan and run by the Server
state machine on the devstack, with whatever rule, limits and group the test needs.

The plan is written by the adapter directly (not through CreateDeployment), so a test can give
the deployment short host limits and reuse one deployment group id across deployments (what the
agent keys the last successful install on).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from functions.adapters.rollout_records import RolloutRecords
from rollwright.agent_protocol import Revision, S3Revision
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_plan import DeploymentSettings, HostLimits, plan_deployment
from rollwright.target_selection import DeploymentTarget, TargetKind
from rollwright.traffic_control import TrafficTargets
from tests.e2e.agent_hosts import Host, operator_session, start_agent, upload_revision

ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)
HALF_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 50)
ALL_AT_ONCE = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 0)
# Every hook of ``GATED_HOOKS`` logs its start and end (``Host.hook_lines``) and first waits while
# the host's ``hold-<event>`` file exists (at most 60 s), so a test can hold a host in any event.
# ApplicationStop also appends "<label> <deployment id>" to ``application-stop.log`` and exits with
# ``stop_exit``; ValidateService fails while the host's ``fail-validate`` file exists.
GATED_HOOKS = [
    "ApplicationStop",
    "BeforeInstall",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
]
GATED_SCRIPT = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
for _ in $(seq 1200); do [ -e "$root/hold-$LIFECYCLE_EVENT" ] || break; sleep 0.05; done
if [ "$LIFECYCLE_EVENT" = ApplicationStop ]; then
  echo "{label} $DEPLOYMENT_ID" >> "$root/application-stop.log"
  [ {stop_exit} -eq 0 ] || exit {stop_exit}
fi
if [ "$LIFECYCLE_EVENT" = ValidateService ] && [ -e "$root/fail-validate" ]; then exit 1; fi
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""
# Generous: a test that is not about dead hosts must not fail one on a loaded machine.
PATIENT_LIMITS = HostLimits(start_seconds=45, heartbeat_seconds=45, sweep_interval_seconds=2)
RUN_TIMEOUT = 180.0


@dataclass(frozen=True)
class DeploymentGroup:
    """The application and group a deployment names; one id across deployments is one group."""

    application_name: str = "e2e-app"
    application_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    name: str = "e2e-group"
    group_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def upload_gated_revision(
    devstack,
    bundle_dir: Path,
    key: str,
    *,
    label: str = "revision",
    stop_exit: int = 0,
    hooks: Sequence[str] = GATED_HOOKS,
) -> S3Revision:
    """A revision whose hooks run ``GATED_SCRIPT``."""
    script = GATED_SCRIPT.format(label=label, stop_exit=stop_exit)
    return upload_revision(devstack, bundle_dir, key, hooks=hooks, script=script)


def records(devstack) -> RolloutRecords:
    table = (
        operator_session(devstack)
        .resource("dynamodb", endpoint_url=devstack.aws_endpoint_url)
        .Table(devstack.stack_outputs["TableName"])
    )
    return RolloutRecords(table)


def write_deployment(
    devstack,
    revision: Revision,
    hosts: Iterable[Host],
    *,
    rule: MinimumHealthyHosts = ONE_AT_A_TIME,
    config_name: str = "CodeDeployDefault.OneAtATime",
    limits: HostLimits = PATIENT_LIMITS,
    group: DeploymentGroup | None = None,
    ignore_application_stop_failures: bool = False,
    load_balancers: TrafficTargets | None = None,
    kind: TargetKind = TargetKind.ON_PREMISES,
) -> str:
    """Write a deployment of ``revision`` to ``hosts``; its id."""
    group = group or DeploymentGroup()
    deployment_id = "d-" + uuid.uuid4().hex[:9].upper()
    plan = plan_deployment(
        DeploymentSettings(
            deployment_id=deployment_id,
            application_name=group.application_name,
            application_id=group.application_id,
            deployment_group_name=group.name,
            deployment_group_id=group.group_id,
            revision=revision,
            deployment_config_name=config_name,
            minimum_healthy_hosts=rule,
            ignore_application_stop_failures=ignore_application_stop_failures,
            limits=limits,
            load_balancers=load_balancers,
        ),
        [DeploymentTarget(h.host_id, h.host_id, kind) for h in hosts],
        create_time=time.time(),
    )
    records(devstack).write_plan(plan)
    return deployment_id


def start_workflow(devstack, deployment_id: str) -> str:
    """Start the deployment's Server state machine; the execution ARN."""
    return str(
        devstack.aws_client("stepfunctions").start_execution(
            stateMachineArn=devstack.stack_outputs["ServerStateMachineArn"],
            name=deployment_id,
            input=json.dumps({"deploymentId": deployment_id}),
        )["executionArn"]
    )


def wait_for_workflow(devstack, execution_arn: str, timeout: float = RUN_TIMEOUT) -> dict:
    """The execution once it is no longer RUNNING."""
    stepfunctions = devstack.aws_client("stepfunctions")
    deadline = time.monotonic() + timeout
    while (execution := stepfunctions.describe_execution(executionArn=execution_arn))[
        "status"
    ] == "RUNNING":
        assert time.monotonic() < deadline, f"{execution_arn} still running after {timeout}s"
        time.sleep(0.5)
    return dict(execution)


def run_deployment(devstack, revision: Revision, hosts: Iterable[Host], **options: Any):
    """Write a deployment, run its state machine to the end: (deployment id, execution)."""
    deployment_id = write_deployment(devstack, revision, hosts, **options)
    return deployment_id, wait_for_workflow(devstack, start_workflow(devstack, deployment_id))


def until(condition: Callable[[], object], timeout: float = 60.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def ended_deployment(codedeploy: Any, deployment_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """GetDeployment's ``deploymentInfo`` once the deployment has ended (Succeeded, Failed or
    Stopped), read through the stock client every half second."""
    deadline = time.monotonic() + timeout
    while True:
        info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        if info["status"] in ("Succeeded", "Failed", "Stopped"):
            return dict(info)
        assert time.monotonic() < deadline, f"{deployment_id} is still {info['status']}"
        time.sleep(0.5)


def host_statuses(devstack, deployment_id: str, hosts: Iterable[Host]) -> list[str]:
    """Each host's target status, in the order given."""
    found = records(devstack)
    return [str(found.target_item(deployment_id, h.host_id)["status"]) for h in hosts]


def most_at_once(hosts: Iterable[Host]) -> int:
    """The most hosts whose hooks ran at one time (from each host's first to its last hook
    line): a lower bound of how many hosts were in progress at once."""
    spans = []
    for host in hosts:
        lines = host.hook_lines()
        if lines:
            spans.append((min(at for *_, at in lines), max(at for *_, at in lines)))
    return max(
        (sum(start <= moment <= end for start, end in spans) for moment, _ in spans), default=0
    )


class CounterWatch:
    """Samples the deployment item's ``in_progress`` counter while the deployment runs."""

    def __init__(self, devstack, deployment_id: str) -> None:
        self.in_progress: list[int] = []
        self._records = records(devstack)
        self._deployment_id = deployment_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CounterWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._records.deployment_item(self._deployment_id)
            if item is not None:
                self.in_progress.append(int(item["in_progress"]))
            self._stop.wait(0.05)


class Fleet:
    """Hosts with running agents, named so that their deployment order is their index order;
    ``stop`` shuts every agent down."""

    def __init__(self, devstack, root: Path) -> None:
        self._devstack = devstack
        self._root = root
        self.hosts: list[Host] = []

    def add(
        self,
        count: int,
        *,
        start: bool = True,
        prepare: Callable[[Host], object] | None = None,
        **settings: Any,
    ) -> list[Host]:
        """``count`` new hosts; ``prepare`` runs on each (its root exists) before agents start;
        ``settings`` are the agents' (``start_agent``)."""
        suffix = uuid.uuid4().hex[:6]
        made = [
            Host(host_id=f"h{index:02d}-{suffix}", root=self._root / f"h{index:02d}-{suffix}")
            for index in range(count)
        ]
        for host in made:
            host.root.mkdir(parents=True)
            if prepare is not None:
                prepare(host)
        if start:
            for host in made:
                start_agent(self._devstack, host, **settings)
        self.hosts += made
        return made

    def stop(self) -> None:
        for host in self.hosts:
            if host.daemon is not None:
                host.daemon.request_shutdown()
        for host in self.hosts:
            if host.thread is not None:
                host.thread.join(timeout=30)


@pytest.fixture
def fleet(devstack, tmp_path) -> Iterator[Fleet]:
    made = Fleet(devstack, tmp_path)
    yield made
    made.stop()
