"""The revision and on-premises operations raise only errors their operation's model lists."""

from __future__ import annotations

import botocore.session
import pytest

MODEL = botocore.session.get_session().get_service_model("codedeploy")

RAISED = {
    "RegisterApplicationRevision": {
        "ApplicationDoesNotExistException",
        "ApplicationNameRequiredException",
        "InvalidApplicationNameException",
        "DescriptionTooLongException",
        "RevisionRequiredException",
        "InvalidRevisionException",
    },
    "GetApplicationRevision": {"RevisionDoesNotExistException", "InvalidRevisionException"},
    "BatchGetApplicationRevisions": {"BatchLimitExceededException", "RevisionRequiredException"},
    "ListApplicationRevisions": {
        "InvalidSortByException",
        "InvalidSortOrderException",
        "InvalidBucketNameFilterException",
        "InvalidKeyPrefixFilterException",
        "BucketNameFilterRequiredException",
        "InvalidDeployedStateFilterException",
        "InvalidNextTokenException",
    },
    "RegisterOnPremisesInstance": {
        "InstanceNameAlreadyRegisteredException",
        "IamArnRequiredException",
        "IamSessionArnAlreadyRegisteredException",
        "IamUserArnAlreadyRegisteredException",
        "InstanceNameRequiredException",
        "InvalidInstanceNameException",
        "InvalidIamSessionArnException",
        "InvalidIamUserArnException",
        "MultipleIamArnsProvidedException",
    },
    "DeregisterOnPremisesInstance": {
        "InstanceNameRequiredException",
        "InvalidInstanceNameException",
    },
    "GetOnPremisesInstance": {"InstanceNotRegisteredException"},
    "BatchGetOnPremisesInstances": {"BatchLimitExceededException"},
    "ListOnPremisesInstances": {
        "InvalidRegistrationStatusException",
        "InvalidTagFilterException",
        "InvalidNextTokenException",
    },
    "AddTagsToOnPremisesInstances": {
        "TagRequiredException",
        "InvalidTagException",
        "TagLimitExceededException",
        "InstanceLimitExceededException",
        "InstanceNotRegisteredException",
    },
    "RemoveTagsFromOnPremisesInstances": {
        "TagRequiredException",
        "InvalidTagException",
        "TagLimitExceededException",
        "InstanceLimitExceededException",
        "InstanceNotRegisteredException",
    },
}


@pytest.mark.parametrize("operation", sorted(RAISED))
def test_each_error_raised_is_one_the_model_lists_for_the_operation(operation: str) -> None:
    modeled = {shape.name for shape in MODEL.operation_model(operation).error_shapes}
    assert RAISED[operation] <= modeled, RAISED[operation] - modeled
