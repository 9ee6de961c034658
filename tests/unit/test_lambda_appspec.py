"""The Lambda AppSpec: CodeDeploy's two spellings, and refusals that name the key."""

from __future__ import annotations

import json

import pytest

from rollwright.appspec import InvalidAppSpecError
from rollwright.lambda_appspec import LambdaAppSpec, TrafficHook, parse_lambda_appspec

YAML = """\
version: 0.0
Resources:
  - myFunction:
      Type: AWS::Lambda::Function
      Properties:
        Name: my-fn
        Alias: live
        CurrentVersion: "1"
        TargetVersion: 2
Hooks:
  - BeforeAllowTraffic: CodeDeployHook_pre
  - AfterAllowTraffic: CodeDeployHook_post
"""


def test_the_user_guides_yaml_is_read():
    assert parse_lambda_appspec(YAML) == LambdaAppSpec(
        "my-fn",
        "live",
        "1",
        "2",
        {
            TrafficHook.BEFORE_ALLOW_TRAFFIC: "CodeDeployHook_pre",
            TrafficHook.AFTER_ALLOW_TRAFFIC: "CodeDeployHook_post",
        },
    )


def test_lower_case_json_without_hooks_is_read():
    document = {
        "version": 0.0,
        "resources": [
            {
                "fn": {
                    "type": "AWS::Lambda::Function",
                    "properties": {
                        "name": "my-fn",
                        "alias": "live",
                        "currentversion": 3,
                        "targetversion": "4",
                    },
                }
            }
        ],
    }
    assert parse_lambda_appspec(json.dumps(document)) == LambdaAppSpec("my-fn", "live", "3", "4")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("version: 0.0", "version: 1.0"), "version"),
        (("Type: AWS::Lambda::Function", "Type: AWS::ECS::Service"), "Type"),
        (('CurrentVersion: "1"', 'CurrentVersion: "one"'), "CurrentVersion"),
        (('CurrentVersion: "1"', 'CurrentVersion: "2"'), "TargetVersion"),
        (("        Alias: live\n", ""), "alias"),
        (("BeforeAllowTraffic", "BeforeInstall"), "BeforeInstall"),
        (("CodeDeployHook_post", "not a name!"), "AfterAllowTraffic"),
        (("AfterAllowTraffic: CodeDeployHook_post", "BeforeAllowTraffic: x"), "twice"),
    ],
)
def test_a_broken_appspec_is_refused_naming_the_key(change, problem):
    with pytest.raises(InvalidAppSpecError, match=problem):
        parse_lambda_appspec(YAML.replace(*change))


def test_two_functions_are_refused():
    doubled = YAML.replace("Hooks:", "  - other:\n      Type: AWS::Lambda::Function\nHooks:")
    with pytest.raises(InvalidAppSpecError, match="exactly one"):
        parse_lambda_appspec(doubled)
