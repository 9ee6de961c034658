"""TagResource, UntagResource and ListTagsForResource over in-memory stores."""

from __future__ import annotations

from typing import Any

import pytest

from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError
from rollwright.operations.shapes import CodeDeployServices
from tests.fakes.services import in_memory_services

PREFIX = "arn:aws:codedeploy:us-east-1:123456789012:"
APP_ARN = f"{PREFIX}application:shop"
GROUP_ARN = f"{PREFIX}deploymentgroup:shop/web"


@pytest.fixture
def services() -> CodeDeployServices:
    services = in_memory_services()
    dispatch(
        "CreateApplication",
        {"applicationName": "shop", "tags": [{"Key": "team", "Value": "a"}]},
        services,
    )
    dispatch(
        "CreateDeploymentGroup",
        {
            "applicationName": "shop",
            "deploymentGroupName": "web",
            "serviceRoleArn": "arn:aws:iam::123456789012:role/cd",
        },
        services,
    )
    return services


def tags(services: CodeDeployServices, arn: str) -> dict[str, str]:
    listed = dispatch("ListTagsForResource", {"ResourceArn": arn}, services)["Tags"]
    return {tag["Key"]: tag["Value"] for tag in listed}


@pytest.mark.parametrize("arn", [APP_ARN, GROUP_ARN])
def test_tags_are_added_replaced_and_removed(services: CodeDeployServices, arn: str) -> None:
    dispatch(
        "TagResource",
        {
            "ResourceArn": arn,
            "Tags": [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}],
        },
        services,
    )
    assert tags(services, arn) == {"team": "b", "env": "prod"}
    dispatch("UntagResource", {"ResourceArn": arn, "TagKeys": ["team", "absent"]}, services)
    assert tags(services, arn) == {"env": "prod"}


def test_the_application_tags_given_at_creation_are_listed(services: CodeDeployServices) -> None:
    assert tags(services, APP_ARN) == {"team": "a"}


def test_a_renamed_group_keeps_its_tags(services: CodeDeployServices) -> None:
    dispatch(
        "TagResource", {"ResourceArn": GROUP_ARN, "Tags": [{"Key": "k", "Value": "v"}]}, services
    )
    dispatch(
        "UpdateDeploymentGroup",
        {
            "applicationName": "shop",
            "currentDeploymentGroupName": "web",
            "newDeploymentGroupName": "api",
        },
        services,
    )
    assert tags(services, f"{PREFIX}deploymentgroup:shop/api") == {"k": "v"}


def test_listing_tags_of_a_missing_resource_answers_none(services: CodeDeployServices) -> None:
    assert tags(services, f"{PREFIX}deploymentgroup:shop/ghost") == {}
    assert tags(services, f"{PREFIX}application:ghost") == {}


@pytest.mark.parametrize(
    ("operation", "params", "error"),
    [
        ("TagResource", {"Tags": [{"Key": "k", "Value": "v"}]}, "ResourceArnRequiredException"),
        (
            "TagResource",
            {"ResourceArn": "shop", "Tags": [{"Key": "k", "Value": "v"}]},
            "InvalidArnException",
        ),
        (
            "TagResource",
            {"ResourceArn": f"{PREFIX}deploymentgroup:shop", "Tags": [{"Key": "k", "Value": "v"}]},
            "InvalidArnException",
        ),
        (
            "TagResource",
            {"ResourceArn": f"{PREFIX}application:bad name", "Tags": [{"Key": "k", "Value": "v"}]},
            "InvalidArnException",
        ),
        (
            "TagResource",
            {"ResourceArn": "arn:aws:s3:::bucket", "Tags": [{"Key": "k", "Value": "v"}]},
            "ArnNotSupportedException",
        ),
        (
            "TagResource",
            {"ResourceArn": f"{PREFIX}deploymentconfig:Mine", "Tags": [{"Key": "k", "Value": "v"}]},
            "ArnNotSupportedException",
        ),
        (
            "TagResource",
            {
                "ResourceArn": "arn:aws:codedeploy:eu-west-1:123456789012:application:shop",
                "Tags": [{"Key": "k", "Value": "v"}],
            },
            "ArnNotSupportedException",
        ),
        ("TagResource", {"ResourceArn": APP_ARN, "Tags": []}, "TagRequiredException"),
        ("TagResource", {"ResourceArn": APP_ARN}, "TagRequiredException"),
        (
            "TagResource",
            {"ResourceArn": APP_ARN, "Tags": [{"Key": "aws:x", "Value": "v"}]},
            "InvalidTagsToAddException",
        ),
        (
            "TagResource",
            {"ResourceArn": APP_ARN, "Tags": [{"Key": f"k{n}", "Value": "v"} for n in range(50)]},
            "InvalidTagsToAddException",
        ),
        (
            "TagResource",
            {"ResourceArn": f"{PREFIX}application:ghost", "Tags": [{"Key": "k", "Value": "v"}]},
            "ApplicationDoesNotExistException",
        ),
        (
            "TagResource",
            {
                "ResourceArn": f"{PREFIX}deploymentgroup:shop/ghost",
                "Tags": [{"Key": "k", "Value": "v"}],
            },
            "DeploymentGroupDoesNotExistException",
        ),
        ("UntagResource", {"ResourceArn": APP_ARN, "TagKeys": []}, "TagRequiredException"),
        ("UntagResource", {"ResourceArn": APP_ARN, "TagKeys": [""]}, "InvalidTagsToAddException"),
        ("ListTagsForResource", {}, "ResourceArnRequiredException"),
    ],
)
def test_bad_tagging_requests_are_refused_and_change_nothing(
    services: CodeDeployServices, operation: str, params: dict[str, Any], error: str
) -> None:
    with pytest.raises(CodeDeployError) as refused:
        dispatch(operation, params, services)
    assert refused.value.name == error
    assert tags(services, APP_ARN) == {"team": "a"}
    assert tags(services, GROUP_ARN) == {}
