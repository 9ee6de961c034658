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
