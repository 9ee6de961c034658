"""Every operation checks the model's constraints on all its members (required members first)
before any of CodeDeploy's own rules, so a request that breaks the model on one member gets that
member's exception, whatever the rules would say of the others (rollwright.model_constraints)."""

from __future__ import annotations

from typing import Any

import pytest

from rollwright.dispatch import dispatch
from rollwright.errors import (
    CodeDeployError,
    InstanceNameRequiredException,
    InvalidApplicationNameException,
    InvalidArnException,
    InvalidAutoScalingGroupProcessToSuspendException,
    InvalidComputePlatformException,
    InvalidDeployedStateFilterException,
    InvalidDeploymentConfigNameException,
    InvalidDeploymentStyleException,
    InvalidTagException,
    RevisionRequiredException,
    TagRequiredException,
)
from rollwright.model_constraints import check_length, check_required, optional_enum
from rollwright.on_premises_rules import TagFilterType
from rollwright.resource_tags import valid_resource_arn
from tests.fakes.services import in_memory_services

ROLE = "arn:aws:iam::123456789012:role/deployer"
TOO_LONG_NAME = "n" * 101
EMPTY_KEY_TAG = [{"Key": "", "Value": "v"}]


def _refusal(operation: str, params: dict[str, Any]) -> type[CodeDeployError]:
    services = in_memory_services()
    dispatch("CreateApplication", {"applicationName": "shop"}, services)
    with pytest.raises(CodeDeployError) as refused:
        dispatch(operation, params, services)
    return type(refused.value)


# --- the checks themselves ----------------------------------------------------------------------


def test_the_first_missing_required_member_is_answered_in_the_order_given() -> None:
    # Given two required members, both missing
    required = {"instanceNames": InstanceNameRequiredException, "tags": TagRequiredException}

    # When the request is checked, Then the first one's exception answers
    with pytest.raises(InstanceNameRequiredException):
        check_required({}, required)


def test_a_null_required_member_is_a_missing_one() -> None:
    with pytest.raises(TagRequiredException):
        check_required({"Tags": None}, {"Tags": TagRequiredException})


def test_an_absent_enum_member_is_none_and_a_value_outside_the_enum_is_refused() -> None:
    assert optional_enum(TagFilterType, None, InvalidTagException, "type") is None
    with pytest.raises(InvalidTagException):
        optional_enum(TagFilterType, "KEY", InvalidTagException, "type")


def test_a_list_longer_than_the_model_allows_is_refused() -> None:
    with pytest.raises(InvalidAutoScalingGroupProcessToSuspendException):
        check_length(
            ["Terminate"] * 5,
            maximum=4,
            error=InvalidAutoScalingGroupProcessToSuspendException,
            what="processes",
        )


# --- one operation per family -------------------------------------------------------------------


def test_applications_check_every_name_before_the_batch_limit() -> None:
    # Given a batch over the limit (CodeDeploy's rule) holding a name that breaks the pattern
    names = ["shop"] * 100 + ["has space"]

    # When it is asked for, Then the name's exception answers
    assert _refusal("BatchGetApplications", {"applicationNames": names}) is (
        InvalidApplicationNameException
    )


def test_update_application_checks_the_new_name_before_requiring_the_old_one() -> None:
    # Given no current name (optional in the model) and a new name that is too long
    params = {"newApplicationName": TOO_LONG_NAME}

    # Then the new name's length is answered
    assert _refusal("UpdateApplication", params) is InvalidApplicationNameException


def test_register_revision_requires_the_revision_before_judging_the_description() -> None:
    # Given a description over CodeDeploy's limit and no revision (required by the model)
    params = {"applicationName": "shop", "description": "d" * 5000}

    # Then the missing revision is answered
    assert _refusal("RegisterApplicationRevision", params) is RevisionRequiredException


def test_list_revisions_checks_the_deployed_enum_before_the_filter_rules() -> None:
    # Given a key prefix without a bucket (CodeDeploy's rule) and a deployed value outside the enum
    params = {"applicationName": "shop", "s3KeyPrefix": "builds/", "deployed": "NotAValue"}

    # Then the enum is answered
    assert _refusal("ListApplicationRevisions", params) is InvalidDeployedStateFilterException


@pytest.mark.parametrize(
    "operation", ["AddTagsToOnPremisesInstances", "RemoveTagsFromOnPremisesInstances"]
)
def test_on_premises_tagging_requires_instance_names_before_judging_the_tags(
    operation: str,
) -> None:
    # Given a tag with an empty key (CodeDeploy's rule) and no instanceNames (required)
    params = {"tags": EMPTY_KEY_TAG}

    # Then the missing names are answered
    assert _refusal(operation, params) is InstanceNameRequiredException


def test_create_deployment_config_checks_the_platform_enum_before_the_reserved_prefix() -> None:
    # Given a reserved name (CodeDeploy's rule) and a compute platform outside the enum
    params = {"deploymentConfigName": "CodeDeployDefault.Mine", "computePlatform": "NotAValue"}

    # Then the platform is answered
    assert _refusal("CreateDeploymentConfig", params) is InvalidComputePlatformException


def test_create_deployment_group_checks_the_style_enum_before_the_role_rule() -> None:
    # Given a service role that is not an IAM role ARN and a deployment option outside the enum
    params = {
        "applicationName": "shop",
        "deploymentGroupName": "web",
        "serviceRoleArn": "not-a-role",
        "deploymentStyle": {"deploymentOption": "NotAValue"},
    }

    # Then the deployment style is answered
    assert _refusal("CreateDeploymentGroup", params) is InvalidDeploymentStyleException


@pytest.mark.parametrize("config_name", [TOO_LONG_NAME, ""])
def test_create_deployment_group_checks_the_config_name_before_tags_and_application(
    config_name: str,
) -> None:
    # Given an application that does not exist, a tag with an empty key, and a configuration
    # name out of the model's bounds
    params = {
        "applicationName": "absent",
        "deploymentGroupName": "web",
        "serviceRoleArn": ROLE,
        "deploymentConfigName": config_name,
        "tags": EMPTY_KEY_TAG,
    }

    # Then the configuration name is answered
    assert _refusal("CreateDeploymentGroup", params) is InvalidDeploymentConfigNameException


def test_update_deployment_group_checks_the_config_name_before_the_trigger_rules() -> None:
    # Given a trigger without a target (CodeDeploy's rule) and a configuration name too long
    params = {
        "applicationName": "shop",
        "currentDeploymentGroupName": "web",
        "deploymentConfigName": TOO_LONG_NAME,
        "triggerConfigurations": [{"triggerName": "t"}],
    }

    # Then the configuration name is answered
    assert _refusal("UpdateDeploymentGroup", params) is InvalidDeploymentConfigNameException


def test_a_deployment_group_checks_the_processes_list_length_before_the_role_rule() -> None:
    # Given five processes to suspend (the model allows four) and a role that is not an IAM role
    params = {
        "applicationName": "shop",
        "deploymentGroupName": "web",
        "serviceRoleArn": "not-a-role",
        "ec2DeploymentOptions": {"autoScalingGroupProcessesToSuspend": ["Terminate"] * 5},
    }

    # Then the list's length is answered
    assert _refusal("CreateDeploymentGroup", params) is (
        InvalidAutoScalingGroupProcessToSuspendException
    )


@pytest.mark.parametrize(
    "arn", ["not-an-arn", ROLE, "arn:aws:codedeploy:eu-west-1:999999999999:application:shop"]
)
def test_tag_resource_requires_tags_before_judging_the_arn(arn: str) -> None:
    # Given an ARN CodeDeploy's rules refuse and no Tags (required by the model)
    # Then the missing tags are answered
    assert _refusal("TagResource", {"ResourceArn": arn}) is TagRequiredException


def test_a_resource_arn_is_at_most_1011_characters() -> None:
    # Given ARNs at and over the model's bound, Then only the longer one is refused
    assert valid_resource_arn("a" * 1011) == "a" * 1011
    with pytest.raises(InvalidArnException):
        valid_resource_arn("a" * 1012)
