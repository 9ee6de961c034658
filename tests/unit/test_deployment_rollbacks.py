"""Automatic rollback after a deployment ended badly, and the instance history that orders it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from rollwright.deployment_group_history import LastDeployment
from rollwright.deployment_records import DeploymentError
from rollwright.deployment_rollbacks import DeploymentRollbacks
from rollwright.deployment_status import DeploymentStatus
from rollwright.instance_history import HostResult, records_after
from rollwright.revision_locations import BundleType, S3Location
from rollwright.rollout import InstanceStatus
from tests.unit.test_deployments import World

ROLLBACK_ON_FAILURE = {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}
HOST = "i-0000000000000000a"


def _revision(key: str) -> dict[str, Any]:
    return {
        "revisionType": "S3",
        "s3Location": {"bucket": "artifacts", "key": key, "bundleType": "zip"},
    }


def _location(key: str) -> S3Location:
    return S3Location("artifacts", key, BundleType.ZIP)


class Rollbacks:
    def __init__(self) -> None:
        self.world = World()
        services = self.world.services
        self.rollbacks = DeploymentRollbacks(services.deployments, services.deployment_groups)
        group = services.deployment_groups.get("shop", "web")
        self.group_id = group.deployment_group_id

    def end(
        self,
        deployment_id: str,
        status: DeploymentStatus,
        *,
        host: InstanceStatus | None = None,
        error: DeploymentError | None = None,
        stop_rollback: bool | None = None,
    ) -> None:
        """What the workflow's finish records before it decides a rollback."""
        store = self.world.store
        store.end(deployment_id, status)
        ended = store.deployments[deployment_id]
        store.deployments[deployment_id] = replace(ended, error=error, stop_rollback=stop_rollback)
        self.world.services.deployment_groups.record_deployment(
            self.group_id,
            LastDeployment(deployment_id, status, ended.create_time, ended.create_time),
            ended.choices.revision,
        )
        if host is not None:
            known = store.instances.setdefault(self.group_id, {})
            for record in records_after(
                deployment_id, ended.choices.revision, [HostResult(HOST, host)], known
            ):
                known[record.host_id] = record

    def info(self, deployment_id: str) -> dict[str, Any]:
        answer = self.world.call("GetDeployment", deploymentId=deployment_id)
        return dict(answer["deploymentInfo"])


@pytest.fixture
def rb() -> Rollbacks:
    return Rollbacks()


def test_a_failed_deployment_is_rolled_back_to_the_last_good_revision(rb: Rollbacks) -> None:
    good = rb.world.deploy(revision=_revision("v1.zip"))
    rb.end(good, DeploymentStatus.SUCCEEDED, host=InstanceStatus.SUCCEEDED)
    bad = rb.world.deploy(
        revision=_revision("v2.zip"), autoRollbackConfiguration=ROLLBACK_ON_FAILURE
    )
    rb.end(bad, DeploymentStatus.FAILED, host=InstanceStatus.FAILED)
    # When the finish step decides
    info = rb.rollbacks.after_end(bad)
    # Then a rollback deployment of v1 exists, created by codeDeployRollback and started
    assert info is not None
    assert info.rollback_deployment_id is not None
    rollback = rb.info(info.rollback_deployment_id)
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["revision"]["s3Location"]["key"] == "v1.zip"
    assert rollback["rollbackInfo"] == {"rollbackTriggeringDeploymentId": bad}
    assert rollback["previousRevision"]["s3Location"]["key"] == "v1.zip"
    assert info.rollback_deployment_id in rb.world.workflows.started
    # And the failed deployment names it, with a message
    assert rb.info(bad)["rollbackInfo"]["rollbackDeploymentId"] == info.rollback_deployment_id
    assert good in rb.info(bad)["rollbackInfo"]["rollbackMessage"]
    # And the host that failed is unhealthy, so it goes first
    target = rb.world.store.targets[info.rollback_deployment_id][HOST]
    assert target.status is InstanceStatus.PENDING
    # And a retried finish creates nothing twice
    assert rb.rollbacks.after_end(bad) == rb.world.store.deployments[bad].rollback_info
    assert sum(d.creator == "codeDeployRollback" for d in rb.world.store.deployments.values()) == 1


def test_without_an_earlier_good_revision_there_is_no_rollback_and_it_says_so(
    rb: Rollbacks,
) -> None:
    bad = rb.world.deploy(autoRollbackConfiguration=ROLLBACK_ON_FAILURE)
    rb.end(bad, DeploymentStatus.FAILED)
    info = rb.rollbacks.after_end(bad)
    assert info is not None
    assert info.rollback_deployment_id is None
    assert "no earlier successful deployment" in rb.info(bad)["rollbackInfo"]["rollbackMessage"]
    assert len(rb.world.store.deployments) == 1


@pytest.mark.parametrize(
    ("configuration", "stop_rollback", "rolled_back"),
    [
        (None, None, False),  # not configured
        ({"enabled": False, "events": ["DEPLOYMENT_STOP_ON_REQUEST"]}, None, False),
        ({"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}, None, False),  # other event
        ({"enabled": True, "events": ["DEPLOYMENT_STOP_ON_REQUEST"]}, None, True),
        (None, True, True),  # StopDeployment(autoRollbackEnabled=true) decides
        ({"enabled": True, "events": ["DEPLOYMENT_STOP_ON_REQUEST"]}, False, False),
    ],
)
def test_a_stop_on_request_rolls_back_as_configured_or_as_the_stop_asked(
    rb: Rollbacks,
    configuration: dict[str, Any] | None,
    stop_rollback: bool | None,
    rolled_back: bool,
) -> None:
    good = rb.world.deploy(revision=_revision("v1.zip"))
    rb.end(good, DeploymentStatus.SUCCEEDED)
    extra = {} if configuration is None else {"autoRollbackConfiguration": configuration}
    stopped = rb.world.deploy(revision=_revision("v2.zip"), **extra)
    rb.end(
        stopped,
        DeploymentStatus.STOPPED,
        error=DeploymentError("MANUAL_STOP", "stopped"),
        stop_rollback=stop_rollback,
    )
    info = rb.rollbacks.after_end(stopped)
    created = info is not None and info.rollback_deployment_id is not None
    assert created is rolled_back
    if not rolled_back:
        assert "rollbackInfo" not in rb.info(stopped)


def test_a_succeeded_deployment_and_a_failed_rollback_are_not_rolled_back(rb: Rollbacks) -> None:
    good = rb.world.deploy(revision=_revision("v1.zip"))
    rb.end(good, DeploymentStatus.SUCCEEDED)
    assert rb.rollbacks.after_end(good) is None
    bad = rb.world.deploy(
        revision=_revision("v2.zip"), autoRollbackConfiguration=ROLLBACK_ON_FAILURE
    )
    rb.end(bad, DeploymentStatus.FAILED)
    info = rb.rollbacks.after_end(bad)
    assert info is not None
    assert info.rollback_deployment_id is not None
    rollback = info.rollback_deployment_id
    rb.end(rollback, DeploymentStatus.FAILED)
    assert rb.rollbacks.after_end(rollback) is not None  # its link to the one it rolled back
    assert sum(d.creator == "codeDeployRollback" for d in rb.world.store.deployments.values()) == 1


def test_a_rollback_that_cannot_be_created_leaves_the_reason(rb: Rollbacks) -> None:
    good = rb.world.deploy(revision=_revision("v1.zip"))
    rb.end(good, DeploymentStatus.SUCCEEDED)
    bad = rb.world.deploy(
        revision=_revision("v2.zip"), autoRollbackConfiguration=ROLLBACK_ON_FAILURE
    )
    rb.end(bad, DeploymentStatus.FAILED)
    other = rb.world.deploy(revision=_revision("v3.zip"))  # took the group meanwhile
    info = rb.rollbacks.after_end(bad)
    assert info is not None
    assert info.rollback_deployment_id is None
    assert "DeploymentLimitExceededException" in str(info.rollback_message)
    assert other in str(info.rollback_message)


def test_update_outdated_instances_only_leaves_out_hosts_on_the_revision(rb: Rollbacks) -> None:
    rb.world.fleet.instances.append(
        replace(rb.world.fleet.instances[0], instance_id="i-0000000000000000c")
    )
    first = rb.world.deploy(revision=_revision("v1.zip"))
    rb.end(first, DeploymentStatus.SUCCEEDED, host=InstanceStatus.SUCCEEDED)  # only host a
    again = rb.world.deploy(revision=_revision("v1.zip"), updateOutdatedInstancesOnly=True)
    assert list(rb.world.store.targets[again]) == ["i-0000000000000000c"]
    rb.end(again, DeploymentStatus.SUCCEEDED)
    # A new revision goes to every host, with the flag or without
    newer = rb.world.deploy(revision=_revision("v2.zip"), updateOutdatedInstancesOnly=True)
    assert sorted(rb.world.store.targets[newer]) == [HOST, "i-0000000000000000c"]


def test_update_outdated_instances_only_with_every_host_current_fails_clearly(
    rb: Rollbacks,
) -> None:
    first = rb.world.deploy(revision=_revision("v1.zip"))
    rb.end(first, DeploymentStatus.SUCCEEDED, host=InstanceStatus.SUCCEEDED)
    again = rb.world.deploy(revision=_revision("v1.zip"), updateOutdatedInstancesOnly=True)
    error = rb.info(again)["errorInformation"]
    assert error["code"] == "NO_INSTANCES"
    assert "already runs revision" in error["message"]
    assert again not in rb.world.workflows.started


def test_an_alarm_stop_rolls_back_and_the_rollback_watches_no_alarm(rb: Rollbacks) -> None:
    alarms = {"enabled": True, "alarms": [{"name": "errors"}]}
    rb.world.call(
        "UpdateDeploymentGroup",
        applicationName="shop",
        currentDeploymentGroupName="web",
        alarmConfiguration=alarms,
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM"]},
    )
    good = rb.world.deploy(revision=_revision("v1.zip"))
    assert rb.world.store.deployments[good].choices.alarm_configuration is not None
    rb.end(good, DeploymentStatus.SUCCEEDED)
    stopped = rb.world.deploy(revision=_revision("v2.zip"))
    rb.end(stopped, DeploymentStatus.STOPPED, error=DeploymentError("ALARM_ACTIVE", "errors"))
    info = rb.rollbacks.after_end(stopped)
    assert info is not None
    assert info.rollback_deployment_id is not None
    rollback = rb.world.store.deployments[info.rollback_deployment_id]
    assert rollback.choices.alarm_configuration is None
