"""Deployment configs, deployment groups and tags through the stock client on the devstack."""

import pytest

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188"


@pytest.fixture(scope="module")
def codedeploy(devstack):
    return devstack.codedeploy_client()


@pytest.fixture
def application(codedeploy, request):
    name = f"e2e-dg-{request.node.name[:60]}".replace("[", "-").replace("]", "")
    codedeploy.create_application(applicationName=name)
    yield name
    codedeploy.delete_application(applicationName=name)


def ecs_members(service):
    return {
        "ecsServices": [{"clusterName": "prod", "serviceName": service}],
        "loadBalancerInfo": {
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": "blue"}, {"name": "green"}],
                    "prodTrafficRoute": {"listenerArns": [f"{LISTENER}/1"]},
                    "testTrafficRoute": {"listenerArns": [f"{LISTENER}/2"]},
                }
            ]
        },
    }


def test_a_deployment_group_is_created_read_listed_renamed_and_deleted(codedeploy, application):
    # When a pipeline creates a group with targets, alarms and a trigger
    created = codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName="web",
        serviceRoleArn=ROLE,
        ec2TagFilters=[{"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}],
        alarmConfiguration={"enabled": True, "alarms": [{"name": "5xx"}]},
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
        triggerConfigurations=[
            {
                "triggerName": "ops",
                "triggerTargetArn": "arn:aws:sns:us-east-1:123456789012:ops",
                "triggerEvents": ["DeploymentFailure"],
            }
        ],
    )
    # Then it reads back as given, with CodeDeploy's defaults
    info = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName="web")[
        "deploymentGroupInfo"
    ]
    assert info["deploymentGroupId"] == created["deploymentGroupId"]
    assert info["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"
    assert info["ec2TagFilters"] == [{"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}]
    assert info["alarmConfiguration"]["alarms"] == [{"name": "5xx"}]
    assert info["computePlatform"] == "Server"
    listed = codedeploy.list_deployment_groups(applicationName=application)
    assert listed["deploymentGroups"] == ["web"]
    # And it can be renamed and updated, keeping its id
    answer = codedeploy.update_deployment_group(
        applicationName=application,
        currentDeploymentGroupName="web",
        newDeploymentGroupName="api",
        deploymentConfigName="CodeDeployDefault.HalfAtATime",
        autoScalingGroups=[],
    )
    assert answer["hooksNotCleanedUp"] == []
    batch = codedeploy.batch_get_deployment_groups(
        applicationName=application, deploymentGroupNames=["api", "web"]
    )
    assert [g["deploymentGroupId"] for g in batch["deploymentGroupsInfo"]] == [
        created["deploymentGroupId"]
    ]
    assert (
        batch["deploymentGroupsInfo"][0]["deploymentConfigName"] == "CodeDeployDefault.HalfAtATime"
    )
    assert "web" in batch["errorMessage"]
    # And deleted
    deleted = codedeploy.delete_deployment_group(
        applicationName=application, deploymentGroupName="api"
    )
    assert deleted["hooksNotCleanedUp"] == []
    with pytest.raises(codedeploy.exceptions.DeploymentGroupDoesNotExistException):
        codedeploy.get_deployment_group(applicationName=application, deploymentGroupName="api")


def test_bad_group_input_gets_codedeploys_exceptions(codedeploy, application):
    base = {"applicationName": application, "deploymentGroupName": "g", "serviceRoleArn": ROLE}
    with pytest.raises(codedeploy.exceptions.InvalidEC2TagCombinationException):
        codedeploy.create_deployment_group(
            **base,
            ec2TagFilters=[{"Key": "a", "Type": "KEY_ONLY"}],
            ec2TagSet={"ec2TagSetList": [[{"Key": "b", "Type": "KEY_ONLY"}]]},
        )
    with pytest.raises(codedeploy.exceptions.InvalidRoleException):
        codedeploy.create_deployment_group(**{**base, "serviceRoleArn": "not-a-role"})
    with pytest.raises(codedeploy.exceptions.InvalidDeploymentStyleException):
        codedeploy.create_deployment_group(
            **base,
            deploymentStyle={
                "deploymentType": "BLUE_GREEN",
                "deploymentOption": "WITHOUT_TRAFFIC_CONTROL",
            },
        )
    with pytest.raises(codedeploy.exceptions.ApplicationDoesNotExistException):
        codedeploy.create_deployment_group(**{**base, "applicationName": "e2e-no-such-app"})
    assert codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"] == []


def test_a_configuration_of_another_platform_is_refused(codedeploy, application):
    with pytest.raises(codedeploy.exceptions.InvalidDeploymentConfigNameException):
        codedeploy.create_deployment_group(
            applicationName=application,
            deploymentGroupName="g",
            serviceRoleArn=ROLE,
            deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce",
        )


def test_an_ecs_service_already_mapped_is_refused(codedeploy, request):
    app = "e2e-dg-ecs"
    codedeploy.create_application(applicationName=app, computePlatform="ECS")
    try:
        base = {"applicationName": app, "serviceRoleArn": ROLE}
        codedeploy.create_deployment_group(**base, deploymentGroupName="a", **ecs_members("web"))
        info = codedeploy.get_deployment_group(applicationName=app, deploymentGroupName="a")
        assert info["deploymentGroupInfo"]["deploymentStyle"] == {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        }
        with pytest.raises(codedeploy.exceptions.ECSServiceMappingLimitExceededException):
            codedeploy.create_deployment_group(
                **base, deploymentGroupName="b", **ecs_members("web")
            )
    finally:
        codedeploy.delete_application(applicationName=app)


def test_deployment_configs_are_created_listed_read_and_deleted(codedeploy):
    name = "e2e-TwoAtATime"
    created = codedeploy.create_deployment_config(
        deploymentConfigName=name, minimumHealthyHosts={"type": "HOST_COUNT", "value": 2}
    )
    try:
        info = codedeploy.get_deployment_config(deploymentConfigName=name)["deploymentConfigInfo"]
        assert info["deploymentConfigId"] == created["deploymentConfigId"]
        assert info["minimumHealthyHosts"] == {"type": "HOST_COUNT", "value": 2}
        pages = codedeploy.get_paginator("list_deployment_configs").paginate()
        listed = [n for page in pages for n in page["deploymentConfigsList"]]
        assert name in listed
        assert "CodeDeployDefault.ECSCanary10Percent5Minutes" in listed
        one = codedeploy.get_deployment_config(deploymentConfigName="CodeDeployDefault.OneAtATime")
        assert one["deploymentConfigInfo"]["minimumHealthyHosts"] == {
            "type": "MOST_CONCURRENCY",
            "value": 1,
        }
        with pytest.raises(codedeploy.exceptions.DeploymentConfigAlreadyExistsException):
            codedeploy.create_deployment_config(deploymentConfigName=name, computePlatform="Lambda")
        with pytest.raises(codedeploy.exceptions.InvalidDeploymentConfigNameException):
            codedeploy.create_deployment_config(deploymentConfigName="CodeDeployDefault.Mine")
        with pytest.raises(codedeploy.exceptions.InvalidTrafficRoutingConfigurationException):
            codedeploy.create_deployment_config(
                deploymentConfigName="e2e-bad",
                computePlatform="Lambda",
                trafficRoutingConfig={
                    "type": "TimeBasedCanary",
                    "timeBasedCanary": {"canaryPercentage": 100, "canaryInterval": 5},
                },
            )
        with pytest.raises(codedeploy.exceptions.InvalidOperationException):
            codedeploy.delete_deployment_config(deploymentConfigName="CodeDeployDefault.AllAtOnce")
    finally:
        codedeploy.delete_deployment_config(deploymentConfigName=name)
    with pytest.raises(codedeploy.exceptions.DeploymentConfigDoesNotExistException):
        codedeploy.get_deployment_config(deploymentConfigName=name)


def test_a_configuration_in_use_cannot_be_deleted(codedeploy, application):
    name = "e2e-InUse"
    codedeploy.create_deployment_config(
        deploymentConfigName=name, minimumHealthyHosts={"type": "FLEET_PERCENT", "value": 75}
    )
    try:
        codedeploy.create_deployment_group(
            applicationName=application,
            deploymentGroupName="g",
            serviceRoleArn=ROLE,
            deploymentConfigName=name,
        )
        with pytest.raises(codedeploy.exceptions.DeploymentConfigInUseException):
            codedeploy.delete_deployment_config(deploymentConfigName=name)
        codedeploy.delete_deployment_group(applicationName=application, deploymentGroupName="g")
    finally:
        codedeploy.delete_deployment_config(deploymentConfigName=name)


def test_tags_are_added_listed_and_removed_by_arn(codedeploy, devstack, application):
    codedeploy.create_deployment_group(
        applicationName=application, deploymentGroupName="g", serviceRoleArn=ROLE
    )
    prefix = f"arn:aws:codedeploy:{devstack.region}:{devstack.account_id}:"
    for arn in (f"{prefix}application:{application}", f"{prefix}deploymentgroup:{application}/g"):
        codedeploy.tag_resource(
            ResourceArn=arn,
            Tags=[{"Key": "team", "Value": "payments"}, {"Key": "env", "Value": "prod"}],
        )
        tags = codedeploy.list_tags_for_resource(ResourceArn=arn)["Tags"]
        assert {t["Key"]: t["Value"] for t in tags} == {"team": "payments", "env": "prod"}
        codedeploy.untag_resource(ResourceArn=arn, TagKeys=["team"])
        assert codedeploy.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
            {"Key": "env", "Value": "prod"}
        ]
    with pytest.raises(codedeploy.exceptions.InvalidArnException):
        codedeploy.list_tags_for_resource(ResourceArn="not-an-arn")
    with pytest.raises(codedeploy.exceptions.ArnNotSupportedException):
        codedeploy.tag_resource(
            ResourceArn=f"{prefix}deploymentconfig:x", Tags=[{"Key": "k", "Value": "v"}]
        )
    with pytest.raises(codedeploy.exceptions.TagRequiredException):
        codedeploy.untag_resource(ResourceArn=f"{prefix}application:{application}", TagKeys=[])


def test_deleting_an_application_deletes_its_groups(codedeploy):
    app = "e2e-dg-delete-app"
    codedeploy.create_application(applicationName=app)
    for name in ("a", "b"):
        codedeploy.create_deployment_group(
            applicationName=app, deploymentGroupName=name, serviceRoleArn=ROLE
        )
    codedeploy.delete_application(applicationName=app)
    codedeploy.create_application(applicationName=app)
    try:
        assert codedeploy.list_deployment_groups(applicationName=app)["deploymentGroups"] == []
    finally:
        codedeploy.delete_application(applicationName=app)
