"""CreateDeployment and the deployment reads over in-memory stores."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rollwright.applications import Tag
from rollwright.deployment_status import DeploymentStatus
from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from rollwright.operations.shapes import CodeDeployServices
from rollwright.target_selection import Ec2Instance, Ec2InstanceState
from tests.fakes.deployment_store import FakeFleet, InMemoryDeploymentStore, RecordingWorkflows
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
REVISION = {
    "revisionType": "S3",
    "s3Location": {"bucket": "artifacts", "key": "web.zip", "bundleType": "zip"},
}
WEB_TAG = [{"Key": "role", "Value": "web", "Type": "KEY_AND_VALUE"}]


class World:
    def __init__(self) -> None:
        self.store = InMemoryDeploymentStore()
        self.fleet = FakeFleet(
            [
                Ec2Instance("i-0000000000000000a", Ec2InstanceState.RUNNING, (Tag("role", "web"),)),
                Ec2Instance("i-0000000000000000b", Ec2InstanceState.RUNNING, (Tag("role", "db"),)),
            ]
        )
        self.workflows = RecordingWorkflows()
        self.services: CodeDeployServices = in_memory_services(
            deployment_store=self.store, fleet=self.fleet, workflows=self.workflows
        )
        for name, platform in (("shop", "Server"), ("fn", "Lambda")):
            self.call("CreateApplication", applicationName=name, computePlatform=platform)
        self.call(
            "CreateDeploymentGroup",
            applicationName="shop",
            deploymentGroupName="web",
            serviceRoleArn=ROLE,
            ec2TagFilters=WEB_TAG,
        )
        self.call(
            "CreateDeploymentGroup",
            applicationName="shop",
            deploymentGroupName="empty",
            serviceRoleArn=ROLE,
        )

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return dispatch(operation, params, self.services)

    def refused(self, operation: str, **params: Any) -> str:
        with pytest.raises(CodeDeployError) as error:
            self.call(operation, **params)
        return error.value.name

    def deploy(self, group: str = "web", **params: Any) -> str:
        params = {"revision": REVISION, **params}
        answer = self.call(
            "CreateDeployment", applicationName="shop", deploymentGroupName=group, **params
        )
        return str(answer["deploymentId"])


@pytest.fixture
def world() -> World:
    return World()


def test_a_deployment_targets_the_matching_instances_and_starts_its_workflow(world: World) -> None:
    # When a deployment is created for a group whose tag filter matches one instance
    deployment_id = world.deploy(description="first")
    # Then its id is CodeDeploy's form, its workflow started, and it targets that instance
    assert re.fullmatch(r"d-[A-Z0-9]{9}", deployment_id)
    assert world.workflows.started == [deployment_id]
    assert list(world.store.targets[deployment_id]) == ["i-0000000000000000a"]
    info = world.call("GetDeployment", deploymentId=deployment_id)["deploymentInfo"]
    assert (info["status"], info["description"], info["creator"]) == ("Created", "first", "user")
    assert info["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"
    assert info["revision"]["s3Location"]["key"] == "web.zip"


def test_a_second_deployment_to_a_busy_group_is_refused_naming_the_first(world: World) -> None:
    first = world.deploy()
    # When another deployment (a different request) is created before the first ends
    with pytest.raises(CodeDeployError) as refused:
        world.deploy(description="again")
    # Then DeploymentLimitExceededException names the active deployment
    assert refused.value.name == "DeploymentLimitExceededException"
    assert first in refused.value.message
    # And once the first has ended, the next one is accepted
    world.store.end(first, DeploymentStatus.SUCCEEDED)
    assert world.deploy(description="again") != first


def test_a_retried_identical_request_answers_the_same_deployment(world: World) -> None:
    first = world.deploy(description="same")
    assert world.deploy(description="same") == first
    assert len(world.store.deployments) == 1


def test_a_group_without_instances_gets_a_failed_deployment_and_no_workflow(world: World) -> None:
    deployment_id = world.deploy(group="empty")
    info = world.call("GetDeployment", deploymentId=deployment_id)["deploymentInfo"]
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "NO_INSTANCES"
    assert world.workflows.started == []
    # and the group is not held by it
    assert world.deploy(group="empty", description="next") != deployment_id


def test_the_group_records_the_deployment_as_its_last_attempted(world: World) -> None:
    deployment_id = world.deploy()
    group = world.call("GetDeploymentGroup", applicationName="shop", deploymentGroupName="web")
    assert group["deploymentGroupInfo"]["lastAttemptedDeployment"]["deploymentId"] == deployment_id


def test_a_workflow_that_cannot_start_fails_the_deployment_and_frees_the_group(
    world: World,
) -> None:
    world.workflows.fail = True
    with pytest.raises(RuntimeError):
        world.deploy()
    (deployment_id,) = world.store.deployments
    assert world.store.deployments[deployment_id].status is DeploymentStatus.FAILED
    assert world.store.active == {}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "ApplicationNameRequiredException"),
        ({"applicationName": "shop"}, "DeploymentGroupNameRequiredException"),
        (
            {"applicationName": "shop", "deploymentGroupName": "nope"},
            "DeploymentGroupDoesNotExistException",
        ),
        (
            {"applicationName": "nope", "deploymentGroupName": "web"},
            "ApplicationDoesNotExistException",
        ),
        ({"applicationName": "shop", "deploymentGroupName": "web"}, "RevisionRequiredException"),
        (
            {
                "applicationName": "shop",
                "deploymentGroupName": "web",
                "revision": REVISION,
                "fileExistsBehavior": "CLOBBER",
            },
            "InvalidFileExistsBehaviorException",
        ),
        (
            # the model's enum is judged before the missing group name (a CodeDeploy rule)
            {"applicationName": "shop", "fileExistsBehavior": "CLOBBER"},
            "InvalidFileExistsBehaviorException",
        ),
        (
            {
                "applicationName": "shop",
                "deploymentGroupName": "web",
                "revision": REVISION,
                "description": "x" * 257,
            },
            "DescriptionTooLongException",
        ),
        (
            {
                "applicationName": "shop",
                "deploymentGroupName": "web",
                "revision": REVISION,
                "deploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce",
            },
            "InvalidDeploymentConfigNameException",
        ),
        (
            {
                "applicationName": "shop",
                "deploymentGroupName": "web",
                "revision": REVISION,
                "deploymentConfigName": "missing",
            },
            "DeploymentConfigDoesNotExistException",
        ),
        (
            {
                "applicationName": "shop",
                "deploymentGroupName": "web",
                "revision": REVISION,
                "targetInstances": {"autoScalingGroups": ["asg"]},
            },
            "InvalidTargetInstancesException",
        ),
        (
            {
                "applicationName": "shop",
                "deploymentGroupName": "web",
                "revision": {
                    "revisionType": "S3",
                    "s3Location": {"bucket": "artifacts", "key": "app.yaml", "bundleType": "YAML"},
                },
            },
            "InvalidRevisionException",
        ),
    ],
)
def test_create_deployment_refuses_bad_requests(
    world: World, params: dict[str, Any], expected: str
) -> None:
    assert world.refused("CreateDeployment", **params) == expected
    assert world.store.deployments == {}


def test_deployments_of_other_compute_platforms_are_refused(world: World) -> None:
    world.call(
        "CreateDeploymentGroup", applicationName="fn", deploymentGroupName="g", serviceRoleArn=ROLE
    )
    revision = {"revisionType": "AppSpecContent", "appSpecContent": {"content": "version: 0.0"}}
    refused = world.refused(
        "CreateDeployment", applicationName="fn", deploymentGroupName="g", revision=revision
    )
    assert refused == "InvalidComputePlatformException"


def test_reads_refuse_malformed_and_unknown_ids(world: World) -> None:
    assert world.refused("GetDeployment") == "DeploymentIdRequiredException"
    assert world.refused("GetDeployment", deploymentId="nope") == "InvalidDeploymentIdException"
    assert world.refused("GetDeployment", deploymentId="d-ABCDEFGHI") == (
        "DeploymentDoesNotExistException"
    )
    ids = [f"d-{i:09d}" for i in range(26)]
    assert world.refused("BatchGetDeployments", deploymentIds=ids) == "BatchLimitExceededException"


def test_list_deployments_lists_newest_first_and_filters_by_status(world: World) -> None:
    first = world.deploy()
    world.store.end(first, DeploymentStatus.SUCCEEDED)
    second = world.deploy(description="second")
    listed = world.call("ListDeployments", applicationName="shop", deploymentGroupName="web")
    assert listed["deployments"] == [second, first]
    succeeded = world.call(
        "ListDeployments",
        applicationName="shop",
        deploymentGroupName="web",
        includeOnlyStatuses=["Succeeded"],
    )
    assert succeeded["deployments"] == [first]
    assert world.refused("ListDeployments", applicationName="shop") == (
        "DeploymentGroupNameRequiredException"
    )
    assert world.refused("ListDeployments", includeOnlyStatuses=["Done"]) == (
        "InvalidDeploymentStatusException"
    )


def test_targets_are_read_by_instance_id_once_the_deployment_started(world: World) -> None:
    deployment_id = world.deploy()
    # Not yet started: Created
    assert world.refused("ListDeploymentTargets", deploymentId=deployment_id) == (
        "DeploymentNotStartedException"
    )
    world.store.end(deployment_id, DeploymentStatus.IN_PROGRESS)
    listed = world.call("ListDeploymentTargets", deploymentId=deployment_id)
    assert listed["targetIds"] == ["i-0000000000000000a"]
    target = world.call(
        "GetDeploymentTarget", deploymentId=deployment_id, targetId="i-0000000000000000a"
    )["deploymentTarget"]
    assert target["deploymentTargetType"] == "InstanceTarget"
    assert target["instanceTarget"]["targetArn"] == (
        "arn:aws:ec2:us-east-1:123456789012:instance/i-0000000000000000a"
    )
    assert (
        world.refused(
            "GetDeploymentTarget", deploymentId=deployment_id, targetId="i-0000000000000000b"
        )
        == "DeploymentTargetDoesNotExistException"
    )
    assert (
        world.refused(
            "BatchGetDeploymentTargets", deploymentId=deployment_id, targetIds=["i-1"] * 26
        )
        == "DeploymentTargetListSizeExceededException"
    )
    assert (
        world.refused(
            "GetDeploymentInstance", deploymentId=deployment_id, instanceId="i-0000000000000000b"
        )
        == "InstanceDoesNotExistException"
    )
