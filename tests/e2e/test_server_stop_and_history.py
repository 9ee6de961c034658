"""StopDeployment through the stock client, and what a finished deployment leaves on its group,
on the devstack with real agents (helpers of ``test_server_rollout``)."""

from __future__ import annotations

import time
import uuid

import pytest

from devstack.agent_hosts import upload_bundle
from functions.adapters.rollout_records import RolloutRecords
from rollwright.agent_protocol import S3Revision
from rollwright.deployment_plan import DeploymentSettings, plan_deployment
from rollwright.target_selection import DeploymentTarget, TargetKind
from tests.agent.revisions import write_bundle
from tests.e2e.agent_hosts import operator_session, start_agent
from tests.e2e.test_server_rollout import (
    HOOKS,
    LIMITS,
    ONE_AT_A_TIME,
    RUN_TIMEOUT,
    hosts,
)

__all__ = ["hosts"]

ROLE = "arn:aws:iam::123456789012:role/CodeDeployServiceRole"
# ValidateService waits while the host's hold file exists (at most 60 s).
HOLDING_HOOK = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
if [ "$LIFECYCLE_EVENT" = ValidateService ]; then
  for _ in $(seq 600); do [ -e "$root/hold" ] || break; sleep 0.1; done
fi
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""


@pytest.fixture(scope="module")
def holding_revision(devstack, tmp_path_factory) -> S3Revision:
    bundle = write_bundle(
        tmp_path_factory.mktemp("holding"),
        hooks={event: [f"scripts/{event}.sh"] for event in HOOKS},
        scripts={f"{event}.sh": HOLDING_HOOK for event in HOOKS},
    )
    return upload_bundle(devstack, bundle, "e2e/holding.zip")


def _write(devstack, revision, hosts, *, application, group_name, group_id) -> str:
    deployment_id = "d-" + uuid.uuid4().hex[:9].upper()
    plan = plan_deployment(
        DeploymentSettings(
            deployment_id=deployment_id,
            application_name=application,
            application_id=str(uuid.uuid4()),
            deployment_group_name=group_name,
            deployment_group_id=group_id,
            revision=revision,
            deployment_config_name="CodeDeployDefault.OneAtATime",
            minimum_healthy_hosts=ONE_AT_A_TIME,
            limits=LIMITS,
        ),
        [DeploymentTarget(h.host_id, h.host_id, TargetKind.ON_PREMISES) for h in hosts.values()],
        create_time=time.time(),
    )
    _records(devstack).write_plan(plan)
    return deployment_id


def _records(devstack) -> RolloutRecords:
    table = (
        operator_session(devstack)
        .resource("dynamodb", endpoint_url=devstack.aws_endpoint_url)
        .Table(devstack.stack_outputs["TableName"])
    )
    return RolloutRecords(table)


def _start(devstack, deployment_id: str) -> str:
    return devstack.aws_client("stepfunctions").start_execution(
        stateMachineArn=devstack.stack_outputs["ServerStateMachineArn"],
        name=deployment_id,
        input=f'{{"deploymentId": "{deployment_id}"}}',
    )["executionArn"]


def _wait(devstack, execution_arn: str) -> dict:
    stepfunctions = devstack.aws_client("stepfunctions")
    deadline = time.monotonic() + RUN_TIMEOUT
    while (execution := stepfunctions.describe_execution(executionArn=execution_arn))[
        "status"
    ] == "RUNNING":
        assert time.monotonic() < deadline, f"{execution_arn} still running"
        time.sleep(0.5)
    return execution


def _until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_stop_lets_the_running_host_finish_and_skips_the_rest(devstack, holding_revision, hosts):
    # Given a OneAtATime deployment to three hosts whose first host holds in ValidateService
    codedeploy = devstack.codedeploy_client()
    first = min(hosts.values(), key=lambda host: host.host_id)
    first.root.mkdir(parents=True)
    (first.root / "hold").touch()
    for host in hosts.values():
        start_agent(devstack, host)
    deployment_id = _write(
        devstack,
        holding_revision,
        hosts,
        application="e2e-app",
        group_name="e2e-group",
        group_id=str(uuid.uuid4()),
    )
    execution_arn = _start(devstack, deployment_id)
    _until(lambda: any(e == "ValidateService" for e, _, _ in first.hook_lines()))
    # When it is stopped while the first host runs
    answer = codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=False)
    # Then the stop is pending
    assert answer["status"] == "Pending"
    # When the first host finishes
    (first.root / "hold").unlink()
    execution = _wait(devstack, execution_arn)
    # Then the deployment ended Stopped with MANUAL_STOP, the others never started
    assert execution["status"] == "FAILED"
    assert execution.get("error") == "MANUAL_STOP"
    records = _records(devstack)
    item = records.deployment_item(deployment_id)
    assert (item["status"], item["error_information"]["code"]) == ("Stopped", "MANUAL_STOP")
    statuses = {
        h.host_id: records.target_item(deployment_id, h.host_id)["status"] for h in hosts.values()
    }
    assert statuses.pop(first.host_id) == "Succeeded"
    assert sorted(statuses.values()) == ["Skipped", "Skipped"]
    # And a second stop is refused: the deployment has completed
    with pytest.raises(codedeploy.exceptions.DeploymentAlreadyCompletedException):
        codedeploy.stop_deployment(deploymentId=deployment_id)


def test_a_stop_of_an_unknown_deployment_is_refused(devstack):
    codedeploy = devstack.codedeploy_client()
    with pytest.raises(codedeploy.exceptions.DeploymentDoesNotExistException):
        codedeploy.stop_deployment(deploymentId="d-NOSUCH000")


def test_a_successful_deployment_becomes_its_groups_last_successful_one(
    devstack, holding_revision, hosts
):
    # Given a deployment group created through the stock client, and its hosts' agents
    codedeploy = devstack.codedeploy_client()
    application = f"e2e-{uuid.uuid4().hex[:8]}"
    codedeploy.create_application(applicationName=application)
    group_id = codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName="web",
        serviceRoleArn=ROLE,
        onPremisesInstanceTagFilters=[{"Key": "env", "Value": "e2e", "Type": "KEY_AND_VALUE"}],
    )["deploymentGroupId"]
    for host in hosts.values():
        start_agent(devstack, host)
    # When a deployment to that group succeeds
    deployment_id = _write(
        devstack,
        holding_revision,
        hosts,
        application=application,
        group_name="web",
        group_id=group_id,
    )
    assert _wait(devstack, _start(devstack, deployment_id))["status"] == "SUCCEEDED"
    # Then the group shows it as last successful and last attempted, its revision as target
    info = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName="web")[
        "deploymentGroupInfo"
    ]
    assert info["lastSuccessfulDeployment"]["deploymentId"] == deployment_id
    assert info["lastSuccessfulDeployment"]["status"] == "Succeeded"
    assert info["lastAttemptedDeployment"]["deploymentId"] == deployment_id
    assert info["targetRevision"]["s3Location"]["key"] == holding_revision.key
    # And the revision is registered with its use by the group
    revision = codedeploy.get_application_revision(
        applicationName=application, revision=info["targetRevision"]
    )["revisionInfo"]
    assert revision["deploymentGroups"] == ["web"]
