"""The ECS AppSpec: what it accepts, and a clear refusal naming the key for every bad input."""

from __future__ import annotations

import json

import pytest

from rollwright.appspec import InvalidAppSpecError
from rollwright.ecs_appspec import (
    AssignPublicIp,
    AwsvpcConfiguration,
    CapacityProviderItem,
    EcsHook,
    parse_ecs_appspec,
)

TASK_DEFINITION = "arn:aws:ecs:us-east-1:111122223333:task-definition/web:2"

FULL = f"""
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "{TASK_DEFINITION}"
        LoadBalancerInfo:
          ContainerName: web
          ContainerPort: 80
        PlatformVersion: "1.4.0"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: [subnet-1, subnet-2]
            SecurityGroups: [sg-1]
            AssignPublicIp: DISABLED
        CapacityProviderStrategy:
          - {{Base: 1, CapacityProvider: FARGATE, Weight: 2}}
Hooks:
  - BeforeInstall: CodeDeployHook_before
  - AfterAllowTestTraffic: CodeDeployHook_test
"""


def _spec(properties: dict[str, object], hooks: list[dict[str, str]] | None = None) -> str:
    document: dict[str, object] = {
        "version": 0.0,
        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": properties}}],
    }
    if hooks is not None:
        document["Hooks"] = hooks
    return json.dumps(document)


BASIC = {
    "TaskDefinition": TASK_DEFINITION,
    "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80},
}


def test_a_full_yaml_appspec_gives_every_setting() -> None:
    spec = parse_ecs_appspec(FULL)

    assert spec.task_definition == TASK_DEFINITION
    assert (spec.container_name, spec.container_port) == ("web", 80)
    assert spec.platform_version == "1.4.0"
    assert spec.network_configuration == AwsvpcConfiguration(
        ("subnet-1", "subnet-2"), ("sg-1",), AssignPublicIp.DISABLED
    )
    assert spec.capacity_provider_strategy == (CapacityProviderItem("FARGATE", 1, 2),)
    assert spec.hooks == {
        EcsHook.BEFORE_INSTALL: "CodeDeployHook_before",
        EcsHook.AFTER_ALLOW_TEST_TRAFFIC: "CodeDeployHook_test",
    }


def test_a_json_appspec_with_only_the_required_settings_is_accepted() -> None:
    spec = parse_ecs_appspec(_spec(BASIC))

    assert spec.network_configuration is None
    assert spec.capacity_provider_strategy == ()
    assert spec.hooks == {}


def test_keys_are_matched_without_regard_to_case() -> None:
    text = json.dumps(
        {
            "version": "0.0",
            "resources": [
                {
                    "svc": {
                        "type": "AWS::ECS::Service",
                        "properties": {
                            "taskdefinition": "web:3",
                            "loadbalancerinfo": {"containername": "web", "containerport": "8080"},
                        },
                    }
                }
            ],
        }
    )

    spec = parse_ecs_appspec(text)

    assert (spec.task_definition, spec.container_port) == ("web:3", 8080)


def test_all_five_ecs_hooks_are_accepted_in_order() -> None:
    hooks = [{hook.value: f"CodeDeployHook_{hook.name.lower()}"} for hook in EcsHook]

    spec = parse_ecs_appspec(_spec(BASIC, hooks))

    assert list(spec.hooks) == list(EcsHook)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (_spec(BASIC).replace('"version": 0.0', '"version": 1'), "version"),
        (json.dumps({"version": 0.0}), "resources"),
        (json.dumps({"version": 0.0, "Resources": []}), "exactly one ECS service"),
        (
            _spec(BASIC).replace("AWS::ECS::Service", "AWS::Lambda::Function"),
            "must be AWS::ECS::Service",
        ),
        (_spec({"LoadBalancerInfo": BASIC["LoadBalancerInfo"]}), "taskdefinition"),
        (_spec({**BASIC, "TaskDefinition": "not a definition!"}), "task definition"),
        (_spec({"TaskDefinition": TASK_DEFINITION}), "loadbalancerinfo"),
        (
            _spec({**BASIC, "LoadBalancerInfo": {"ContainerPort": 80}}),
            "containername",
        ),
        (
            _spec({**BASIC, "LoadBalancerInfo": {"ContainerName": "web"}}),
            "containerport",
        ),
        (
            _spec({**BASIC, "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 0}}),
            "1 to 65535",
        ),
        (
            _spec({**BASIC, "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": True}}),
            "whole number",
        ),
        (
            _spec({**BASIC, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": []}}}),
            "at least one subnet",
        ),
        (_spec({**BASIC, "NetworkConfiguration": {}}), "awsvpcconfiguration"),
        (
            _spec(
                {
                    **BASIC,
                    "NetworkConfiguration": {
                        "AwsvpcConfiguration": {"Subnets": ["s-1"], "AssignPublicIp": "YES"}
                    },
                }
            ),
            "ENABLED, DISABLED",
        ),
        (
            _spec({**BASIC, "CapacityProviderStrategy": [{"Weight": 1}]}),
            "capacityprovider",
        ),
        (
            _spec({**BASIC, "CapacityProviderStrategy": [{"CapacityProvider": "a", "Base": -1}]}),
            "0 to 100000",
        ),
        (
            _spec(
                {
                    **BASIC,
                    "CapacityProviderStrategy": [
                        {"CapacityProvider": "a"},
                        {"CapacityProvider": "a"},
                    ],
                }
            ),
            "more than once",
        ),
        (_spec(BASIC, [{"ApplicationStart": "CodeDeployHook_x"}]), "not an ECS lifecycle hook"),
        (_spec(BASIC, [{"BeforeInstall": "a"}, {"BeforeInstall": "b"}]), "given twice"),
        (_spec(BASIC, [{"BeforeInstall": "not a function!"}]), "Lambda function name"),
        ("Resources: [", "AppSpec"),
    ],
)
def test_a_bad_appspec_is_refused_naming_the_problem(text: str, names: str) -> None:
    with pytest.raises(InvalidAppSpecError) as refused:
        parse_ecs_appspec(text)

    assert names.lower() in str(refused.value).lower()
