"""The ``rollwright`` CLI as a user runs it (a subprocess), on the devstack with two real agents
as two registered on-premises instances: deploy a bundle directory and wait, a failing revision,
status, stop and the hooks' output from CloudWatch Logs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.agent.revisions import write_bundle
from tests.e2e.agent_hosts import HOOKS, Host, start_agent

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/codedeploy"
CLI_TIMEOUT = 180
# Each hook says hello on stdout and records itself in its host's deployment root; ValidateService
# holds while the host's hold file exists (at most 60 s) and, in the failing revision, fails.
HOOK_SCRIPT = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "hello from $LIFECYCLE_EVENT on $(basename "$root")"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
if [ "$LIFECYCLE_EVENT" = ValidateService ]; then
  for _ in $(seq 600); do [ -e "$root/hold" ] || break; sleep 0.1; done
  {failure}
fi
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""


@dataclass
class Fleet:
    application: str
    group: str
    hosts: list[Host]
    site: Path


@pytest.fixture(scope="module")
def fleet(devstack, tmp_path_factory) -> Iterator[Fleet]:
    """Two on-premises instances with running agents, in a deployment group of their own."""
    suffix = uuid.uuid4().hex[:6]
    base = tmp_path_factory.mktemp("cli-fleet")
    codedeploy = devstack.codedeploy_client()
    role_name = devstack.stack_outputs["HostRoleArn"].rsplit("/", 1)[-1]
    hosts = [Host(host_id=f"cli-{name}-{suffix}", root=base / name) for name in ("a", "b")]
    for host in hosts:
        codedeploy.register_on_premises_instance(
            instanceName=host.host_id,
            iamSessionArn=f"arn:aws:sts::{devstack.account_id}:assumed-role/{role_name}/"
            f"{host.host_id}",
        )
    codedeploy.add_tags_to_on_premises_instances(
        tags=[{"Key": "cli", "Value": suffix}], instanceNames=[host.host_id for host in hosts]
    )
    application = f"cli-e2e-{suffix}"
    codedeploy.create_application(applicationName=application)
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName=f"web-{suffix}",
        serviceRoleArn=ROLE,
        onPremisesInstanceTagFilters=[{"Key": "cli", "Value": suffix, "Type": "KEY_AND_VALUE"}],
    )
    for host in hosts:
        start_agent(devstack, host)
    yield Fleet(application, f"web-{suffix}", hosts, base / "site")
    for host in hosts:
        host.stop()
    for host in hosts:
        codedeploy.deregister_on_premises_instance(instanceName=host.host_id)


def bundle(directory: Path, site: Path, *, failing: bool = False) -> Path:
    failure = 'echo "validation failed" >&2; exit 3' if failing else ":"
    return write_bundle(
        directory,
        hooks={event: [f"scripts/{event}.sh"] for event in HOOKS},
        scripts={f"{event}.sh": HOOK_SCRIPT.replace("{failure}", failure) for event in HOOKS},
        files={"index.html": "<h1>failing</h1>" if failing else "<h1>rollwright</h1>"},
        destination=site,
    )


def rollwright(
    *argv: str, environment: dict[str, str], timeout: float = CLI_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rollwright", *argv],
        cwd=REPOSITORY_ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def on_devstack(devstack) -> dict[str, str]:
    """The environment that points the CLI at the test's devstack through its state file."""
    return {"ROLLWRIGHT_DEVSTACK": devstack.state_dir}


def deploy_args(fleet: Fleet, directory: Path) -> list[str]:
    return [
        "deploy",
        "--application",
        fleet.application,
        "--deployment-group",
        fleet.group,
        "--bundle",
        str(directory),
        "--file-exists-behavior",
        "OVERWRITE",
    ]


@pytest.fixture(scope="module")
def succeeded(fleet, on_devstack, tmp_path_factory) -> tuple[str, subprocess.CompletedProcess]:
    """A bundle directory deployed with ``--wait``."""
    directory = bundle(tmp_path_factory.mktemp("cli-bundle"), fleet.site)
    ran = rollwright(*deploy_args(fleet, directory), "--wait", environment=on_devstack)
    return ran.stdout.splitlines()[0], ran


def test_deploy_bundle_wait_exits_0_once_every_host_has_the_revision(fleet, succeeded):
    deployment_id, ran = succeeded
    # Then the CLI printed the deployment id, each host's progress, and success, and exited 0
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert deployment_id.startswith("d-")
    lines = ran.stdout.splitlines()
    assert lines[-1] == f"{deployment_id} Succeeded"
    for host in fleet.hosts:
        assert f"{host.host_id} ValidateService Succeeded" in lines
    # And each host ran every hook, and the bundle's file is installed
    for host in fleet.hosts:
        assert [event for event, what, _ in host.hook_lines() if what == "end"] == HOOKS
    assert (fleet.site / "index.html").read_text() == "<h1>rollwright</h1>"


def test_the_uploaded_bundle_is_registered_as_a_revision(devstack, fleet, succeeded):
    codedeploy = devstack.codedeploy_client()
    revision = codedeploy.get_deployment(deploymentId=succeeded[0])["deploymentInfo"]["revision"]
    location = revision["s3Location"]
    assert location["bucket"] == devstack.stack_outputs["ArtifactsBucketName"]
    assert location["key"].startswith(f"rollwright-cli/{fleet.application}/")
    assert location["eTag"]
    registered = codedeploy.list_application_revisions(applicationName=fleet.application)
    assert location["key"] in {r["s3Location"]["key"] for r in registered["revisions"]}


def test_status_shows_every_host_succeeded(fleet, on_devstack, succeeded):
    ran = rollwright("status", succeeded[0], environment=on_devstack)
    assert ran.returncode == 0, ran.stderr
    rows = {line.split()[0]: line.split() for line in ran.stdout.splitlines() if line.strip()}
    for host in fleet.hosts:
        assert rows[host.host_id][1:3] == ["✓", "Succeeded"]
    assert ran.stdout.splitlines()[0].split()[-1] == "Succeeded"


def test_logs_print_each_hosts_echo_of_one_lifecycle_event(devstack, fleet, succeeded):
    # Given the CLI pointed at the stack the standard way: API URL, AWS environment, and the
    # log group from the stack's outputs (CloudFormation DescribeStacks)
    environment = {**devstack.client_environment(), "ROLLWRIGHT_API_URL": devstack.api_url}
    # When the logs of one event are asked
    ran = rollwright("logs", succeeded[0], "--event", "AfterInstall", environment=environment)
    # Then each host's echo of that event is printed after the host, and nothing of other events
    assert ran.returncode == 0, ran.stderr
    lines = [line.split(maxsplit=1) for line in ran.stdout.splitlines()]
    assert sorted(host for host, _ in lines) == sorted(host.host_id for host in fleet.hosts)
    for host, message in lines:
        assert message == (
            f"[AfterInstall] [scripts/AfterInstall.sh] [stdout] hello from AfterInstall on "
            f"{Path(next(h.root for h in fleet.hosts if h.host_id == host)).name}"
        )
    # And one host's logs hold all its hooks, in order
    first = fleet.hosts[0]
    ran = rollwright("logs", succeeded[0], "--host", first.host_id, environment=environment)
    assert ran.returncode == 0, ran.stderr
    echoed = [line.split("[")[1].rstrip("] ") for line in ran.stdout.splitlines()]
    assert {line.split()[0] for line in ran.stdout.splitlines()} == {first.host_id}
    assert echoed == HOOKS


def test_a_failing_revision_exits_1_naming_the_host_and_its_failing_event(
    fleet, on_devstack, succeeded, tmp_path
):
    # Given a revision whose ValidateService fails (after the first deployment ended)
    directory = bundle(tmp_path / "failing", fleet.site, failing=True)
    # When it is deployed with --wait
    ran = rollwright(*deploy_args(fleet, directory), "--wait", environment=on_devstack)
    # Then the CLI exits 1 and says why, where, and what the script wrote
    assert ran.returncode == 1, ran.stderr + ran.stdout
    deployment_id = ran.stdout.splitlines()[0]
    assert f"{deployment_id} Failed" in ran.stdout.splitlines()
    assert "HEALTH_CONSTRAINTS: " in ran.stdout
    failed = [line for line in ran.stdout.splitlines() if "ValidateService failed" in line]
    assert failed
    hosts = {host.host_id for host in fleet.hosts}
    for line in failed:
        host, _, cause = line.partition(": ")
        assert host in hosts
        assert cause.startswith("ValidateService failed (ScriptFailed) in scripts/")
    assert "validation failed" in ran.stdout


def test_stop_answers_pending_and_the_deployment_ends_stopped(
    fleet, on_devstack, succeeded, tmp_path
):
    # Given a deployment whose first host holds in ValidateService
    for host in fleet.hosts:
        (host.root / "hold").touch()
    directory = bundle(tmp_path / "held", fleet.site)
    (directory / "app" / "held.txt").write_text("a new revision")
    validations = _validations(fleet)
    try:
        started = rollwright(*deploy_args(fleet, directory), environment=on_devstack)
        assert started.returncode == 0, started.stderr
        deployment_id = started.stdout.strip()
        _until(lambda: _validations(fleet) > validations)
        # When it is stopped
        stopped = rollwright("stop", deployment_id, environment=on_devstack)
    finally:
        for host in fleet.hosts:
            (host.root / "hold").unlink()
    # Then the stop is pending while the host finishes, and waiting for it exits 1: Stopped
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.startswith("Pending")
    waited = rollwright("status", deployment_id, "--wait", environment=on_devstack)
    assert waited.returncode == 1, waited.stderr + waited.stdout
    assert f"{deployment_id} Stopped" in waited.stdout.splitlines()
    assert "MANUAL_STOP: " in waited.stdout
    # And stopping it again is CodeDeploy's error, on stderr, exit 1
    again = rollwright("stop", deployment_id, environment=on_devstack)
    assert again.returncode == 1
    assert again.stderr.startswith("DeploymentAlreadyCompletedException: ")


def _validations(fleet: Fleet) -> int:
    """How many ValidateService hooks have started on the fleet so far."""
    return sum(
        (event, what) == ("ValidateService", "start")
        for host in fleet.hosts
        for event, what, _ in host.hook_lines()
    )


def _until(condition: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_rollback_deploys_the_last_good_revision_again(devstack, fleet, on_devstack, succeeded):
    # Given a group whose last deployment did not succeed (the tests above: failed, stopped)
    codedeploy = devstack.codedeploy_client()
    group = codedeploy.get_deployment_group(
        applicationName=fleet.application, deploymentGroupName=fleet.group
    )["deploymentGroupInfo"]
    assert group["lastAttemptedDeployment"]["status"] in ("Failed", "Stopped")
    # When it is rolled back from the command line, naming only the group
    ran = rollwright(
        "rollback",
        "--deployment-group",
        fleet.group,
        "--wait",
        environment=on_devstack,
    )
    # Then the last good revision (the first bundle's) is deployed again and succeeds
    assert ran.returncode == 0, ran.stderr + ran.stdout
    reason, rollback_id = ran.stdout.splitlines()[:2]
    assert succeeded[0] in reason
    info = codedeploy.get_deployment(deploymentId=rollback_id)["deploymentInfo"]
    assert info["status"] == "Succeeded"
    assert info["revision"] == group["targetRevision"]
    assert info["description"].startswith("rollwright rollback: ")
