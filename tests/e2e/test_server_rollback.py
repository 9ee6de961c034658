"""Automatic rollback of in-place deployments through the stock client, on the devstack, with
three real agents as registered on-premises instances (the ``fleet`` of ``test_deployments_api``).

Each revision's ApplicationStart writes its version into the host's deployment root, so what a
host runs is read from its files.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.e2e.agent_hosts import Host, revision_location, upload_revision
from tests.e2e.deployments import ended_deployment
from tests.e2e.test_deployments_api import ROLE, fleet

__all__ = ["fleet"]

HOOKS = ["ApplicationStart", "ValidateService"]
# The version is written on ApplicationStart; ValidateService fails where the host has a
# fail-<version> file, and waits while it has a hold file.
SCRIPT = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
if [ "$LIFECYCLE_EVENT" = ApplicationStart ]; then echo {version} > "$root/version"; fi
if [ "$LIFECYCLE_EVENT" = ValidateService ]; then
  for _ in $(seq 600); do [ -e "$root/hold" ] || break; sleep 0.1; done
  if [ -e "$root/fail-{version}" ]; then exit 1; fi
fi
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""
ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]
TIMEOUT = 120.0


def _location(devstack, tmp_path: Path, suffix: str, version: str) -> dict[str, Any]:
    revision = upload_revision(
        devstack,
        tmp_path / version,
        f"e2e/rollback-{suffix}-{version}.zip",
        hooks=HOOKS,
        script=SCRIPT.format(version=version),
    )
    return revision_location(revision)


def _setup(devstack, suffix: str) -> Any:
    codedeploy = devstack.codedeploy_client()
    application = f"rollback-e2e-{suffix}"
    codedeploy.create_application(applicationName=application)
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName="web",
        serviceRoleArn=ROLE,
        onPremisesInstanceTagFilters=[{"Key": "fleet", "Value": suffix, "Type": "KEY_AND_VALUE"}],
        autoRollbackConfiguration={"enabled": True, "events": ROLLBACK_EVENTS},
    )
    return codedeploy, application


def _rolled_back(codedeploy: Any, deployment_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ended deployment and its ended rollback, once its rollbackInfo names one."""
    deadline = time.monotonic() + TIMEOUT
    while "rollbackDeploymentId" not in (info := ended_deployment(codedeploy, deployment_id)).get(
        "rollbackInfo", {}
    ):
        assert time.monotonic() < deadline, f"{deployment_id} names no rollback: {info}"
        time.sleep(0.5)
    return info, ended_deployment(codedeploy, info["rollbackInfo"]["rollbackDeploymentId"])


def _failures(codedeploy: Any, info: dict[str, Any]) -> list[Any]:
    """What went wrong, for an assertion's message."""
    deployment_id = info["deploymentId"]
    target_ids = codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
    targets = codedeploy.batch_get_deployment_targets(
        deploymentId=deployment_id, targetIds=target_ids
    )["deploymentTargets"]
    return [info.get("errorInformation")] + [
        (t["instanceTarget"]["targetId"], t["instanceTarget"]["status"], event)
        for t in targets
        for event in t["instanceTarget"]["lifecycleEvents"]
        if event["status"] not in ("Succeeded", "Pending")
    ]


def _versions(hosts: dict[str, Host]) -> dict[str, str]:
    return {name: (host.root / "version").read_text().strip() for name, host in hosts.items()}


def _deploy(codedeploy: Any, application: str, revision: dict[str, Any], why: str) -> str:
    """A deployment; ``why`` is its description (an identical request within a minute would
    answer the earlier deployment)."""
    return str(
        codedeploy.create_deployment(
            applicationName=application,
            deploymentGroupName="web",
            revision=revision,
            description=why,
        )["deploymentId"]
    )


def test_a_failed_deployment_is_rolled_back_to_the_last_good_revision_on_every_host(
    devstack, fleet, tmp_path
) -> None:
    # Given three hosts on v1 after a successful deployment
    suffix, hosts = fleet
    codedeploy, application = _setup(devstack, suffix)
    v1 = _location(devstack, tmp_path, suffix, "v1")
    good = _deploy(codedeploy, application, v1, "v1")
    assert ended_deployment(codedeploy, good)["status"] == "Succeeded"
    assert set(_versions(hosts).values()) == {"v1"}

    # When v2 fails ValidateService on the second host in deployment order (OneAtATime)
    failing = sorted(hosts.values(), key=lambda host: host.host_id)[1]
    (failing.root / "fail-v2").touch()
    bad = _deploy(codedeploy, application, _location(devstack, tmp_path, suffix, "v2"), "v2")
    info, rollback = _rolled_back(codedeploy, bad)

    # Then the deployment failed and names its rollback, which names it back
    assert info["status"] == "Failed"
    assert good in info["rollbackInfo"]["rollbackMessage"]
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["rollbackInfo"] == {"rollbackTriggeringDeploymentId": bad}
    assert rollback["revision"] == v1
    assert rollback["previousRevision"] == v1
    # And the rollback put v1 back everywhere (v2 had reached the first host)
    assert rollback["status"] == "Succeeded", rollback.get("errorInformation")
    assert _versions(hosts) == dict.fromkeys(hosts, "v1")
    # And the host that failed went first in the rollback
    last_starts = {
        host.host_id: max(
            at for event, what, at in host.hook_lines() if event == "ApplicationStart"
        )
        for host in hosts.values()
    }
    assert min(last_starts, key=last_starts.__getitem__) == failing.host_id
    # And the group's last successful deployment is the rollback, on v1 (recorded just after the
    # status)
    deadline = time.monotonic() + 10
    while (
        group := codedeploy.get_deployment_group(
            applicationName=application, deploymentGroupName="web"
        )["deploymentGroupInfo"]
    )["lastSuccessfulDeployment"]["deploymentId"] != rollback["deploymentId"]:
        assert time.monotonic() < deadline, group
        time.sleep(0.2)
    assert group["targetRevision"] == v1


def test_a_stop_with_rollback_rolls_back(devstack, fleet, tmp_path) -> None:
    # Given three hosts on v1 (without an earlier good revision there is nothing to roll back
    # to: tests/unit/test_deployment_rollbacks.py)
    suffix, hosts = fleet
    codedeploy, application = _setup(devstack, suffix)
    first = min(hosts.values(), key=lambda host: host.host_id)
    v1 = _location(devstack, tmp_path, suffix, "v1")
    good = _deploy(codedeploy, application, v1, "v1")
    ended = ended_deployment(codedeploy, good)
    assert ended["status"] == "Succeeded", _failures(codedeploy, ended)

    # When v2 holds on its first host and the deployment is stopped with a rollback
    (first.root / "hold").touch()
    stopped = _deploy(
        codedeploy, application, _location(devstack, tmp_path, suffix, "v2"), "v2, stopped"
    )
    deadline = time.monotonic() + TIMEOUT
    while (first.root / "version").read_text().strip() != "v2":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    answer = codedeploy.stop_deployment(deploymentId=stopped, autoRollbackEnabled=True)
    assert answer["status"] == "Pending"
    (first.root / "hold").unlink()
    info, rollback = _rolled_back(codedeploy, stopped)

    # Then it ends Stopped, and its rollback puts v1 back
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "MANUAL_STOP"
    assert rollback["status"] == "Succeeded", rollback.get("errorInformation")
    assert rollback["rollbackInfo"] == {"rollbackTriggeringDeploymentId": stopped}
    assert _versions(hosts) == dict.fromkeys(hosts, "v1")
