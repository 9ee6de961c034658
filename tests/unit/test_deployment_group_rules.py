"""The rules for deployment group members, each with CodeDeploy's exception name; a refused
request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from rollwright.operations.shapes import CodeDeployServices
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
TOPIC = "arn:aws:sns:us-east-1:123456789012:deployments"
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188"
PROD = f"{LISTENER}/f2f7dc8efc522ab2"
TEST = f"{LISTENER}/0467ef3c8400ae65"
TAG = {"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}
ELB = {"elbInfoList": [{"name": "web"}]}
BLUE_GREEN = {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
GREEN = {
    "terminateBlueInstancesOnDeploymentSuccess": {
        "action": "TERMINATE",
        "terminationWaitTimeInMinutes": 5,
    },
    "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
    "greenFleetProvisioningOption": {"action": "DISCOVER_EXISTING"},
}
PAIR = {
    "targetGroups": [{"name": "blue"}, {"name": "green"}],
    "prodTrafficRoute": {"listenerArns": [PROD]},
    "testTrafficRoute": {"listenerArns": [TEST]},
}
ECS = {
    "ecsServices": [{"clusterName": "prod", "serviceName": "web"}],
    "loadBalancerInfo": {"targetGroupPairInfoList": [PAIR]},
}


def services_with_applications() -> CodeDeployServices:
    services = in_memory_services()
    for name, platform in (("server", "Server"), ("lambda", "Lambda"), ("ecs", "ECS")):
        dispatch(
            "CreateApplication", {"applicationName": name, "computePlatform": platform}, services
        )
    return services


def create(services: CodeDeployServices, application: str, **members: Any) -> dict[str, Any]:
    params = {
        "applicationName": application,
        "deploymentGroupName": "group",
        "serviceRoleArn": ROLE,
        **members,
    }
    return dispatch("CreateDeploymentGroup", params, services)


VALID = [
    ("server", {}),
    ("server", {"ec2TagFilters": [TAG], "onPremisesInstanceTagFilters": [{"Key": "rack"}]}),
    ("server", {"ec2TagSet": {"ec2TagSetList": [[TAG]] * 3}}),
    ("server", {"ec2TagSet": {"ec2TagSetList": [[TAG] * 10]}}),
    (
        "server",
        {"onPremisesTagSet": {"onPremisesTagSetList": [[{"Value": "x", "Type": "VALUE_ONLY"}]]}},
    ),
    ("server", {"autoScalingGroups": [f"asg-{n}" for n in range(10)]}),
    (
        "server",
        {
            "deploymentStyle": {
                "deploymentType": "IN_PLACE",
                "deploymentOption": "WITH_TRAFFIC_CONTROL",
            },
            "loadBalancerInfo": {"targetGroupInfoList": [{"name": "tg"}]},
        },
    ),
    (
        "server",
        {
            "deploymentStyle": BLUE_GREEN,
            "loadBalancerInfo": ELB,
            "blueGreenDeploymentConfiguration": GREEN,
        },
    ),
    (
        "server",
        {
            "deploymentStyle": BLUE_GREEN,
            "loadBalancerInfo": ELB,
            "autoScalingGroups": ["asg"],
            "blueGreenDeploymentConfiguration": {
                "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"}
            },
        },
    ),
    (
        "server",
        {"alarmConfiguration": {"enabled": True, "alarms": [{"name": f"a{n}"} for n in range(10)]}},
    ),
    ("server", {"autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}}),
    (
        "server",
        {
            "triggerConfigurations": [
                {
                    "triggerName": f"t{n}",
                    "triggerTargetArn": TOPIC,
                    "triggerEvents": ["DeploymentFailure"],
                }
                for n in range(10)
            ]
        },
    ),
    ("server", {"outdatedInstancesStrategy": "IGNORE", "terminationHookEnabled": True}),
    (
        "server",
        {
            "ec2DeploymentOptions": {
                "autoScalingGroupProcessesToSuspend": ["Terminate", "AZRebalance"]
            }
        },
    ),
    ("server", {"deploymentConfigName": "CodeDeployDefault.HalfAtATime"}),
    ("lambda", {}),
    (
        "lambda",
        {
            "deploymentStyle": BLUE_GREEN,
            "deploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        },
    ),
    ("ecs", ECS),
    (
        "ecs",
        {
            **ECS,
            "deploymentStyle": BLUE_GREEN,
            "blueGreenDeploymentConfiguration": {
                "deploymentReadyOption": {
                    "actionOnTimeout": "STOP_DEPLOYMENT",
                    "waitTimeInMinutes": 7200,
                }
            },
        },
    ),
]


@pytest.mark.parametrize(("application", "members"), VALID)
def test_a_valid_deployment_group_is_created(application: str, members: dict[str, Any]) -> None:
    services = services_with_applications()
    assert create(services, application, **members)["deploymentGroupId"]


INVALID = [
    ("server", {"deploymentGroupName": None}, "DeploymentGroupNameRequiredException"),
    ("server", {"deploymentGroupName": "bad name"}, "InvalidDeploymentGroupNameException"),
    ("server", {"deploymentGroupName": "x" * 101}, "InvalidDeploymentGroupNameException"),
    ("server", {"applicationName": None}, "ApplicationNameRequiredException"),
    ("ghost", {}, "ApplicationDoesNotExistException"),
    ("server", {"serviceRoleArn": None}, "RoleRequiredException"),
    ("server", {"serviceRoleArn": "codedeploy-role"}, "InvalidRoleException"),
    (
        "server",
        {"serviceRoleArn": "arn:aws:iam::123456789012:user/someone"},
        "InvalidRoleException",
    ),
    ("server", {"deploymentConfigName": "bad name"}, "InvalidDeploymentConfigNameException"),
    ("server", {"deploymentConfigName": "Missing"}, "DeploymentConfigDoesNotExistException"),
    (
        "server",
        {"deploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce"},
        "InvalidDeploymentConfigNameException",
    ),
    (
        "lambda",
        {"deploymentConfigName": "CodeDeployDefault.OneAtATime"},
        "InvalidDeploymentConfigNameException",
    ),
    (
        "ecs",
        {**ECS, "deploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce"},
        "InvalidDeploymentConfigNameException",
    ),
    (
        "server",
        {"ec2TagFilters": [TAG], "ec2TagSet": {"ec2TagSetList": [[TAG]]}},
        "InvalidEC2TagCombinationException",
    ),
    (
        "server",
        {
            "onPremisesInstanceTagFilters": [TAG],
            "onPremisesTagSet": {"onPremisesTagSetList": [[TAG]]},
        },
        "InvalidOnPremisesTagCombinationException",
    ),
    ("server", {"ec2TagSet": {"ec2TagSetList": [[TAG]] * 4}}, "TagSetListLimitExceededException"),
    (
        "server",
        {"onPremisesTagSet": {"onPremisesTagSetList": [[TAG]] * 4}},
        "TagSetListLimitExceededException",
    ),
    ("server", {"ec2TagSet": {"ec2TagSetList": [[TAG] * 11]}}, "InvalidEC2TagException"),
    ("server", {"ec2TagSet": {"ec2TagSetList": [[]]}}, "InvalidEC2TagException"),
    ("server", {"ec2TagFilters": [{"Key": "k", "Type": "SOMETIMES"}]}, "InvalidEC2TagException"),
    ("server", {"ec2TagFilters": [{"Value": "v", "Type": "KEY_ONLY"}]}, "InvalidEC2TagException"),
    ("server", {"ec2TagFilters": [{"Key": "k" * 129}]}, "InvalidEC2TagException"),
    (
        "server",
        {"onPremisesInstanceTagFilters": [{"Key": "k", "Type": "VALUE_ONLY"}]},
        "InvalidTagException",
    ),
    (
        "server",
        {"autoScalingGroups": [f"asg-{n}" for n in range(11)]},
        "InvalidAutoScalingGroupException",
    ),
    ("server", {"autoScalingGroups": ["asg", "asg"]}, "InvalidAutoScalingGroupException"),
    ("server", {"autoScalingGroups": [""]}, "InvalidAutoScalingGroupException"),
    (
        "server",
        {"deploymentStyle": {"deploymentType": "SIDEWAYS"}},
        "InvalidDeploymentStyleException",
    ),
    (
        "server",
        {
            "deploymentStyle": {
                "deploymentType": "IN_PLACE",
                "deploymentOption": "WITH_TRAFFIC_CONTROL",
            }
        },
        "InvalidLoadBalancerInfoException",
    ),
    (
        "server",
        {
            "deploymentStyle": {
                "deploymentType": "BLUE_GREEN",
                "deploymentOption": "WITHOUT_TRAFFIC_CONTROL",
            },
            "blueGreenDeploymentConfiguration": GREEN,
        },
        "InvalidDeploymentStyleException",
    ),
    (
        "server",
        {"deploymentStyle": BLUE_GREEN, "blueGreenDeploymentConfiguration": GREEN},
        "InvalidLoadBalancerInfoException",
    ),
    (
        "server",
        {"deploymentStyle": BLUE_GREEN, "loadBalancerInfo": ELB},
        "InvalidBlueGreenDeploymentConfigurationException",
    ),
    (
        "server",
        {
            "deploymentStyle": BLUE_GREEN,
            "loadBalancerInfo": ELB,
            "blueGreenDeploymentConfiguration": GREEN,
            "onPremisesInstanceTagFilters": [TAG],
        },
        "InvalidDeploymentStyleException",
    ),
    (
        "server",
        {
            "deploymentStyle": BLUE_GREEN,
            "loadBalancerInfo": ELB,
            "blueGreenDeploymentConfiguration": {
                "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"}
            },
        },
        "InvalidBlueGreenDeploymentConfigurationException",
    ),
    (
        "server",
        {
            "deploymentStyle": BLUE_GREEN,
            "loadBalancerInfo": ELB,
            "autoScalingGroups": ["web-asg", "api-asg"],
            "blueGreenDeploymentConfiguration": {
                "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"}
            },
        },
        "InvalidAutoScalingGroupException",
    ),
    (
        "server",
        {
            "deploymentStyle": BLUE_GREEN,
            "loadBalancerInfo": ELB,
            "blueGreenDeploymentConfiguration": GREEN,
            "ec2DeploymentOptions": {"autoScalingGroupProcessesToSuspend": ["Terminate"]},
        },
        "InvalidAutoScalingGroupProcessToSuspendException",
    ),
    (
        "server",
        {
            "blueGreenDeploymentConfiguration": {
                "terminateBlueInstancesOnDeploymentSuccess": {"terminationWaitTimeInMinutes": 2881}
            }
        },
        "InvalidBlueGreenDeploymentConfigurationException",
    ),
    (
        "server",
        {
            "blueGreenDeploymentConfiguration": {
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "EXPLODE"}
            }
        },
        "InvalidBlueGreenDeploymentConfigurationException",
    ),
    (
        "server",
        {
            "blueGreenDeploymentConfiguration": {
                "deploymentReadyOption": {
                    "actionOnTimeout": "STOP_DEPLOYMENT",
                    "waitTimeInMinutes": 2881,
                }
            }
        },
        "InvalidBlueGreenDeploymentConfigurationException",
    ),
    (
        "server",
        {"loadBalancerInfo": {"elbInfoList": [{"name": f"e{n}"} for n in range(11)]}},
        "InvalidLoadBalancerInfoException",
    ),
    (
        "server",
        {"loadBalancerInfo": {"targetGroupInfoList": [{"name": f"t{n}"} for n in range(11)]}},
        "InvalidLoadBalancerInfoException",
    ),
    ("server", {"loadBalancerInfo": {"elbInfoList": [{}]}}, "InvalidLoadBalancerInfoException"),
    (
        "server",
        {"loadBalancerInfo": {"targetGroupPairInfoList": [PAIR]}},
        "InvalidTargetGroupPairException",
    ),
    (
        "server",
        {"alarmConfiguration": {"alarms": [{"name": f"a{n}"} for n in range(11)]}},
        "AlarmsLimitExceededException",
    ),
    (
        "server",
        {"alarmConfiguration": {"enabled": True, "alarms": []}},
        "InvalidAlarmConfigException",
    ),
    (
        "server",
        {"alarmConfiguration": {"alarms": [{"name": "a" * 256}]}},
        "InvalidAlarmConfigException",
    ),
    (
        "server",
        {"alarmConfiguration": {"alarms": [{"name": "a"}, {"name": "a"}]}},
        "InvalidAlarmConfigException",
    ),
    (
        "server",
        {"autoRollbackConfiguration": {"enabled": True, "events": []}},
        "InvalidAutoRollbackConfigException",
    ),
    (
        "server",
        {"autoRollbackConfiguration": {"enabled": True, "events": ["WHENEVER"]}},
        "InvalidAutoRollbackConfigException",
    ),
    (
        "server",
        {
            "triggerConfigurations": [
                {
                    "triggerName": f"t{n}",
                    "triggerTargetArn": TOPIC,
                    "triggerEvents": ["DeploymentStart"],
                }
                for n in range(11)
            ]
        },
        "TriggerTargetsLimitExceededException",
    ),
    (
        "server",
        {
            "triggerConfigurations": [
                {
                    "triggerName": "t",
                    "triggerTargetArn": "arn:aws:sqs:us-east-1:123456789012:q",
                    "triggerEvents": ["DeploymentStart"],
                }
            ]
        },
        "InvalidTriggerConfigException",
    ),
    (
        "server",
        {
            "triggerConfigurations": [
                {"triggerName": "t", "triggerTargetArn": TOPIC, "triggerEvents": []}
            ]
        },
        "InvalidTriggerConfigException",
    ),
    (
        "server",
        {
            "triggerConfigurations": [
                {"triggerName": "t", "triggerTargetArn": TOPIC, "triggerEvents": ["Whenever"]}
            ]
        },
        "InvalidTriggerConfigException",
    ),
    (
        "server",
        {
            "triggerConfigurations": [
                {"triggerTargetArn": TOPIC, "triggerEvents": ["DeploymentStart"]}
            ]
        },
        "InvalidTriggerConfigException",
    ),
    ("server", {"outdatedInstancesStrategy": "SOMETIMES"}, "InvalidInputException"),
    (
        "server",
        {"ec2DeploymentOptions": {"autoScalingGroupProcessesToSuspend": ["Launch"]}},
        "InvalidAutoScalingGroupProcessToSuspendException",
    ),
    (
        "server",
        {
            "ec2DeploymentOptions": {
                "autoScalingGroupProcessesToSuspend": ["Terminate", "Terminate"]
            }
        },
        "InvalidAutoScalingGroupProcessToSuspendException",
    ),
    (
        "server",
        {"ecsServices": [{"clusterName": "c", "serviceName": "s"}]},
        "InvalidECSServiceException",
    ),
    ("server", {"tags": [{"Key": "aws:reserved", "Value": "x"}]}, "InvalidTagsToAddException"),
    (
        "lambda",
        {"deploymentStyle": {"deploymentType": "IN_PLACE"}},
        "InvalidDeploymentStyleException",
    ),
    ("lambda", {"loadBalancerInfo": ELB}, "InvalidLoadBalancerInfoException"),
    (
        "lambda",
        {"blueGreenDeploymentConfiguration": GREEN},
        "InvalidBlueGreenDeploymentConfigurationException",
    ),
    ("lambda", {"ec2TagFilters": [TAG]}, "InvalidEC2TagException"),
    ("lambda", {"onPremisesInstanceTagFilters": [TAG]}, "InvalidTagException"),
    ("lambda", {"autoScalingGroups": ["asg"]}, "InvalidAutoScalingGroupException"),
    (
        "lambda",
        {"ecsServices": [{"clusterName": "c", "serviceName": "s"}]},
        "InvalidECSServiceException",
    ),
    (
        "ecs",
        {"loadBalancerInfo": {"targetGroupPairInfoList": [PAIR]}},
        "InvalidECSServiceException",
    ),
    (
        "ecs",
        {**ECS, "ecsServices": [{"clusterName": "c", "serviceName": "bad name"}]},
        "InvalidECSServiceException",
    ),
    ("ecs", {**ECS, "ecsServices": [{"clusterName": "c"}]}, "InvalidECSServiceException"),
    ("ecs", {**ECS, "loadBalancerInfo": None}, "InvalidLoadBalancerInfoException"),
    (
        "ecs",
        {**ECS, "loadBalancerInfo": {**ECS["loadBalancerInfo"], **ELB}},
        "InvalidLoadBalancerInfoException",
    ),
    (
        "ecs",
        {**ECS, "loadBalancerInfo": {"targetGroupPairInfoList": [PAIR, PAIR]}},
        "InvalidTargetGroupPairException",
    ),
    (
        "ecs",
        {
            **ECS,
            "loadBalancerInfo": {
                "targetGroupPairInfoList": [{**PAIR, "targetGroups": [{"name": "blue"}]}]
            },
        },
        "InvalidTargetGroupPairException",
    ),
    (
        "ecs",
        {
            **ECS,
            "loadBalancerInfo": {
                "targetGroupPairInfoList": [
                    {**PAIR, "targetGroups": [{"name": "b"}, {"name": "b"}]}
                ]
            },
        },
        "InvalidTargetGroupPairException",
    ),
    (
        "ecs",
        {
            **ECS,
            "loadBalancerInfo": {
                "targetGroupPairInfoList": [{**PAIR, "prodTrafficRoute": {"listenerArns": []}}]
            },
        },
        "InvalidTargetGroupPairException",
    ),
    (
        "ecs",
        {
            **ECS,
            "loadBalancerInfo": {
                "targetGroupPairInfoList": [
                    {**PAIR, "prodTrafficRoute": {"listenerArns": [PROD, TEST]}}
                ]
            },
        },
        "InvalidTargetGroupPairException",
    ),
    (
        "ecs",
        {
            **ECS,
            "loadBalancerInfo": {
                "targetGroupPairInfoList": [
                    {**PAIR, "testTrafficRoute": {"listenerArns": ["listener"]}}
                ]
            },
        },
        "InvalidTargetGroupPairException",
    ),
    (
        "ecs",
        {
            **ECS,
            "loadBalancerInfo": {
                "targetGroupPairInfoList": [{**PAIR, "testTrafficRoute": {"listenerArns": [PROD]}}]
            },
        },
        "InvalidTargetGroupPairException",
    ),
    (
        "ecs",
        {**ECS, "blueGreenDeploymentConfiguration": GREEN},
        "InvalidBlueGreenDeploymentConfigurationException",
    ),
    (
        "ecs",
        {
            **ECS,
            "blueGreenDeploymentConfiguration": {
                "deploymentReadyOption": {"waitTimeInMinutes": 7201}
            },
        },
        "InvalidBlueGreenDeploymentConfigurationException",
    ),
    ("server", {"ec2TagFilters": "env=prod"}, "SerializationException"),
    ("server", {"terminationHookEnabled": "yes"}, "SerializationException"),
]


@pytest.mark.parametrize(("application", "members", "error"), INVALID)
def test_an_invalid_deployment_group_is_refused_and_nothing_is_written(
    application: str, members: dict[str, Any], error: str
) -> None:
    services = services_with_applications()
    with pytest.raises(CodeDeployError) as refused:
        create(services, application, **members)
    assert refused.value.name == error
    for name in ("server", "lambda", "ecs"):
        assert services.deployment_groups.page(name, None).names == ()


def test_a_copying_group_that_is_given_a_second_auto_scaling_group_is_refused_unchanged() -> None:
    # Given a blue/green group copying its one Auto Scaling group
    services = services_with_applications()
    create(
        services,
        "server",
        deploymentStyle=BLUE_GREEN,
        loadBalancerInfo=ELB,
        autoScalingGroups=["web-asg"],
        blueGreenDeploymentConfiguration={
            "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"}
        },
    )
    # When UpdateDeploymentGroup gives it a second one
    with pytest.raises(CodeDeployError) as refused:
        dispatch(
            "UpdateDeploymentGroup",
            {
                "applicationName": "server",
                "currentDeploymentGroupName": "group",
                "autoScalingGroups": ["web-asg", "api-asg"],
            },
            services,
        )
    # Then InvalidAutoScalingGroupException, and the group still copies the first alone
    assert refused.value.name == "InvalidAutoScalingGroupException"
    assert "Exactly one AutoScaling group" in refused.value.message
    group = services.deployment_groups.get("server", "group")
    assert group.settings.auto_scaling_groups == ("web-asg",)
