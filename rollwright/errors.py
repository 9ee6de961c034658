"""The errors the CodeDeploy API answers with.

Each class carries the exception name a CodeDeploy client expects (``client.exceptions.<name>``)
and a message. ``modeled`` errors are shapes of botocore's CodeDeploy model; the others are the
protocol-level errors every AWS JSON and Smithy RPC v2 service answers with, which no service model
lists. Every error is a client error (HTTP 400) except ``InternalFailure``.
"""

# The class names are CodeDeploy's exception names, which end in Exception, not Error.
# ruff: noqa: N818

from __future__ import annotations

from typing import ClassVar


class CodeDeployError(Exception):
    """A CodeDeploy exception: its wire name and a message for the caller."""

    name: ClassVar[str] = "CodeDeployException"
    http_status: ClassVar[int] = 400
    modeled: ClassVar[bool] = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{self.name}({self.message!r})"


# --- application errors (botocore model shapes) ---------------------------------------------


class ApplicationAlreadyExistsException(CodeDeployError):
    name = "ApplicationAlreadyExistsException"


class ApplicationLimitExceededException(CodeDeployError):
    name = "ApplicationLimitExceededException"


class ApplicationDoesNotExistException(CodeDeployError):
    name = "ApplicationDoesNotExistException"


class ApplicationNameRequiredException(CodeDeployError):
    name = "ApplicationNameRequiredException"


class InvalidApplicationNameException(CodeDeployError):
    name = "InvalidApplicationNameException"


class InvalidComputePlatformException(CodeDeployError):
    name = "InvalidComputePlatformException"


class InvalidTagsToAddException(CodeDeployError):
    name = "InvalidTagsToAddException"


class InvalidNextTokenException(CodeDeployError):
    name = "InvalidNextTokenException"


class BatchLimitExceededException(CodeDeployError):
    name = "BatchLimitExceededException"


class ThrottlingException(CodeDeployError):
    name = "ThrottlingException"


# --- deployment configuration, deployment group and tagging errors (botocore model shapes) --


class DeploymentConfigAlreadyExistsException(CodeDeployError):
    name = "DeploymentConfigAlreadyExistsException"


class DeploymentConfigDoesNotExistException(CodeDeployError):
    name = "DeploymentConfigDoesNotExistException"


class DeploymentConfigNameRequiredException(CodeDeployError):
    name = "DeploymentConfigNameRequiredException"


class InvalidDeploymentConfigNameException(CodeDeployError):
    name = "InvalidDeploymentConfigNameException"


class DeploymentConfigInUseException(CodeDeployError):
    name = "DeploymentConfigInUseException"


class DeploymentConfigLimitExceededException(CodeDeployError):
    name = "DeploymentConfigLimitExceededException"


class InvalidMinimumHealthyHostValueException(CodeDeployError):
    name = "InvalidMinimumHealthyHostValueException"


class InvalidTrafficRoutingConfigurationException(CodeDeployError):
    name = "InvalidTrafficRoutingConfigurationException"


class InvalidZonalDeploymentConfigurationException(CodeDeployError):
    name = "InvalidZonalDeploymentConfigurationException"


class InvalidOperationException(CodeDeployError):
    name = "InvalidOperationException"


class DeploymentGroupAlreadyExistsException(CodeDeployError):
    name = "DeploymentGroupAlreadyExistsException"


class DeploymentGroupDoesNotExistException(CodeDeployError):
    name = "DeploymentGroupDoesNotExistException"


class DeploymentGroupNameRequiredException(CodeDeployError):
    name = "DeploymentGroupNameRequiredException"


class InvalidDeploymentGroupNameException(CodeDeployError):
    name = "InvalidDeploymentGroupNameException"


class DeploymentGroupLimitExceededException(CodeDeployError):
    name = "DeploymentGroupLimitExceededException"


class InvalidEC2TagException(CodeDeployError):
    name = "InvalidEC2TagException"


class InvalidEC2TagCombinationException(CodeDeployError):
    name = "InvalidEC2TagCombinationException"


class InvalidTagException(CodeDeployError):
    name = "InvalidTagException"


class InvalidOnPremisesTagCombinationException(CodeDeployError):
    name = "InvalidOnPremisesTagCombinationException"


class TagSetListLimitExceededException(CodeDeployError):
    name = "TagSetListLimitExceededException"


class InvalidAutoScalingGroupException(CodeDeployError):
    name = "InvalidAutoScalingGroupException"


class InvalidAutoScalingGroupProcessToSuspendException(CodeDeployError):
    name = "InvalidAutoScalingGroupProcessToSuspendException"


class InvalidDeploymentStyleException(CodeDeployError):
    name = "InvalidDeploymentStyleException"


class InvalidLoadBalancerInfoException(CodeDeployError):
    name = "InvalidLoadBalancerInfoException"


class InvalidTargetGroupPairException(CodeDeployError):
    name = "InvalidTargetGroupPairException"


class InvalidBlueGreenDeploymentConfigurationException(CodeDeployError):
    name = "InvalidBlueGreenDeploymentConfigurationException"


class InvalidAlarmConfigException(CodeDeployError):
    name = "InvalidAlarmConfigException"


class AlarmsLimitExceededException(CodeDeployError):
    name = "AlarmsLimitExceededException"


class InvalidAutoRollbackConfigException(CodeDeployError):
    name = "InvalidAutoRollbackConfigException"


class InvalidTriggerConfigException(CodeDeployError):
    name = "InvalidTriggerConfigException"


class TriggerTargetsLimitExceededException(CodeDeployError):
    name = "TriggerTargetsLimitExceededException"


class InvalidECSServiceException(CodeDeployError):
    name = "InvalidECSServiceException"


class ECSServiceMappingLimitExceededException(CodeDeployError):
    name = "ECSServiceMappingLimitExceededException"


class RoleRequiredException(CodeDeployError):
    name = "RoleRequiredException"


class InvalidRoleException(CodeDeployError):
    name = "InvalidRoleException"


class InvalidInputException(CodeDeployError):
    name = "InvalidInputException"


class ResourceArnRequiredException(CodeDeployError):
    name = "ResourceArnRequiredException"


class InvalidArnException(CodeDeployError):
    name = "InvalidArnException"


class ArnNotSupportedException(CodeDeployError):
    name = "ArnNotSupportedException"


class TagRequiredException(CodeDeployError):
    name = "TagRequiredException"


# --- application revision and on-premises instance errors (botocore model shapes) -------


class RevisionRequiredException(CodeDeployError):
    name = "RevisionRequiredException"


class InvalidRevisionException(CodeDeployError):
    name = "InvalidRevisionException"


class RevisionDoesNotExistException(CodeDeployError):
    name = "RevisionDoesNotExistException"


class DescriptionTooLongException(CodeDeployError):
    name = "DescriptionTooLongException"


class InvalidSortByException(CodeDeployError):
    name = "InvalidSortByException"


class InvalidSortOrderException(CodeDeployError):
    name = "InvalidSortOrderException"


class InvalidBucketNameFilterException(CodeDeployError):
    name = "InvalidBucketNameFilterException"


class InvalidKeyPrefixFilterException(CodeDeployError):
    name = "InvalidKeyPrefixFilterException"


class BucketNameFilterRequiredException(CodeDeployError):
    name = "BucketNameFilterRequiredException"


class InvalidDeployedStateFilterException(CodeDeployError):
    name = "InvalidDeployedStateFilterException"


class InstanceNameRequiredException(CodeDeployError):
    name = "InstanceNameRequiredException"


class InvalidInstanceNameException(CodeDeployError):
    name = "InvalidInstanceNameException"


class InstanceNameAlreadyRegisteredException(CodeDeployError):
    name = "InstanceNameAlreadyRegisteredException"


class IamArnRequiredException(CodeDeployError):
    name = "IamArnRequiredException"


class MultipleIamArnsProvidedException(CodeDeployError):
    name = "MultipleIamArnsProvidedException"


class InvalidIamUserArnException(CodeDeployError):
    name = "InvalidIamUserArnException"


class InvalidIamSessionArnException(CodeDeployError):
    name = "InvalidIamSessionArnException"


class IamUserArnAlreadyRegisteredException(CodeDeployError):
    name = "IamUserArnAlreadyRegisteredException"


class IamSessionArnAlreadyRegisteredException(CodeDeployError):
    name = "IamSessionArnAlreadyRegisteredException"


class InstanceNotRegisteredException(CodeDeployError):
    name = "InstanceNotRegisteredException"


class InvalidRegistrationStatusException(CodeDeployError):
    name = "InvalidRegistrationStatusException"


class InvalidTagFilterException(CodeDeployError):
    name = "InvalidTagFilterException"


class TagLimitExceededException(CodeDeployError):
    name = "TagLimitExceededException"


class InstanceLimitExceededException(CodeDeployError):
    name = "InstanceLimitExceededException"


# --- deployment and deployment target errors (botocore model shapes) -------------------------


class DeploymentLimitExceededException(CodeDeployError):
    name = "DeploymentLimitExceededException"


class DeploymentIdRequiredException(CodeDeployError):
    name = "DeploymentIdRequiredException"


class InvalidDeploymentIdException(CodeDeployError):
    name = "InvalidDeploymentIdException"


class DeploymentDoesNotExistException(CodeDeployError):
    name = "DeploymentDoesNotExistException"


class DeploymentNotStartedException(CodeDeployError):
    name = "DeploymentNotStartedException"


class DeploymentTargetIdRequiredException(CodeDeployError):
    name = "DeploymentTargetIdRequiredException"


class InvalidDeploymentTargetIdException(CodeDeployError):
    name = "InvalidDeploymentTargetIdException"


class DeploymentTargetDoesNotExistException(CodeDeployError):
    name = "DeploymentTargetDoesNotExistException"


class DeploymentTargetListSizeExceededException(CodeDeployError):
    name = "DeploymentTargetListSizeExceededException"


class InvalidTargetInstancesException(CodeDeployError):
    name = "InvalidTargetInstancesException"


class InvalidFileExistsBehaviorException(CodeDeployError):
    name = "InvalidFileExistsBehaviorException"


class InvalidTimeRangeException(CodeDeployError):
    name = "InvalidTimeRangeException"


class InvalidDeploymentStatusException(CodeDeployError):
    name = "InvalidDeploymentStatusException"


class InvalidExternalIdException(CodeDeployError):
    name = "InvalidExternalIdException"


class InvalidInstanceStatusException(CodeDeployError):
    name = "InvalidInstanceStatusException"


class InvalidInstanceTypeException(CodeDeployError):
    name = "InvalidInstanceTypeException"


class InvalidDeploymentInstanceTypeException(CodeDeployError):
    name = "InvalidDeploymentInstanceTypeException"


class InvalidTargetFilterNameException(CodeDeployError):
    name = "InvalidTargetFilterNameException"


class InstanceDoesNotExistException(CodeDeployError):
    name = "InstanceDoesNotExistException"


class InstanceIdRequiredException(CodeDeployError):
    name = "InstanceIdRequiredException"


# --- protocol errors (common to AWS protocols, not in any service model) ----------------------


class ProtocolError(CodeDeployError):
    modeled = False


class UnknownOperationException(ProtocolError):
    name = "UnknownOperationException"


class SerializationException(ProtocolError):
    """The body could not be read, or a member has the wrong type."""

    name = "SerializationException"


class InternalFailure(ProtocolError):
    name = "InternalFailure"
    http_status = 500


def all_error_classes() -> list[type[CodeDeployError]]:
    """Every concrete error class, for checks against the service model."""
    found: list[type[CodeDeployError]] = []
    pending: list[type[CodeDeployError]] = [CodeDeployError]
    while pending:
        current = pending.pop()
        for subclass in current.__subclasses__():
            pending.append(subclass)
            if subclass is not ProtocolError:
                found.append(subclass)
    return found


class DeploymentAlreadyCompletedException(CodeDeployError):
    name = "DeploymentAlreadyCompletedException"


# --- lifecycle hooks of Lambda and ECS deployments (botocore model shapes) -------------------


class InvalidLifecycleEventHookExecutionStatusException(CodeDeployError):
    name = "InvalidLifecycleEventHookExecutionStatusException"


class InvalidLifecycleEventHookExecutionIdException(CodeDeployError):
    name = "InvalidLifecycleEventHookExecutionIdException"


class LifecycleEventAlreadyCompletedException(CodeDeployError):
    name = "LifecycleEventAlreadyCompletedException"


class UnsupportedActionForDeploymentTypeException(CodeDeployError):
    name = "UnsupportedActionForDeploymentTypeException"


# --- ContinueDeployment (botocore model shapes) ---------------------------------------------


class DeploymentIsNotInReadyStateException(CodeDeployError):
    name = "DeploymentIsNotInReadyStateException"


class InvalidDeploymentWaitTypeException(CodeDeployError):
    name = "InvalidDeploymentWaitTypeException"
