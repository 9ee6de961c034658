"""The api function's type check against the model: a wrong type is a SerializationException."""

import pytest

from functions.api.member_types import check_member_types
from rollwright.errors import SerializationException


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("CreateApplication", {"applicationName": "web", "computePlatform": "Server"}),
        ("CreateApplication", {"applicationName": None}),
        ("CreateApplication", {"applicationName": "web", "unknownMember": [1, 2]}),
        ("ListApplications", {}),
        (
            "CreateDeploymentGroup",
            {
                "applicationName": "web",
                "deploymentGroupName": "fleet",
                "serviceRoleArn": "arn:aws:iam::123456789012:role/r",
                "ec2TagFilters": [{"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}],
                "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
            },
        ),
        ("NoSuchOperation", {"anything": 1}),
    ],
)
def test_well_typed_requests_pass(operation, params):
    check_member_types(operation, params)


@pytest.mark.parametrize(
    ("operation", "params", "where"),
    [
        ("CreateApplication", {"applicationName": 7}, "CreateApplication.applicationName"),
        ("CreateApplication", {"tags": "env=prod"}, "CreateApplication.tags"),
        ("CreateApplication", {"tags": [{"Key": ["k"]}]}, "CreateApplication.tags[0].Key"),
        (
            "CreateDeploymentGroup",
            {"autoRollbackConfiguration": {"enabled": "yes"}},
            "autoRollbackConfiguration.enabled",
        ),
        (
            "CreateDeploymentConfig",
            {"minimumHealthyHosts": {"value": True}},
            "minimumHealthyHosts.value",
        ),
        (
            "CreateDeploymentConfig",
            {"minimumHealthyHosts": {"value": 2**31}},
            "does not fit a 32-bit integer",
        ),
        ("ListApplicationRevisions", {"nextToken": []}, "ListApplicationRevisions.nextToken"),
    ],
)
def test_a_member_of_the_wrong_type_is_a_serialization_exception(operation, params, where):
    with pytest.raises(SerializationException, match=where.replace("[", r"\[").replace("]", r"\]")):
        check_member_types(operation, params)
