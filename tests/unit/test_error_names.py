"""Every exception the API can answer with is one a CodeDeploy client knows."""

from __future__ import annotations

import botocore.session

from rollwright.errors import all_error_classes

MODEL = botocore.session.get_session().get_service_model("codedeploy")
# The protocol-level errors of AWS JSON and Smithy RPC v2 services; no service model lists them.
COMMON_PROTOCOL_ERRORS = {"UnknownOperationException", "SerializationException", "InternalFailure"}


def test_every_modeled_error_is_an_exception_shape_of_the_codedeploy_model() -> None:
    exception_shapes = {shape.name for shape in MODEL.error_shapes}
    modeled = {error.name for error in all_error_classes() if error.modeled}
    assert modeled
    assert modeled <= exception_shapes, modeled - exception_shapes


def test_every_other_error_is_a_common_protocol_error() -> None:
    unmodeled = {error.name for error in all_error_classes() if not error.modeled}
    assert unmodeled <= COMMON_PROTOCOL_ERRORS


def test_the_application_operations_raise_only_errors_their_operation_may_raise() -> None:
    # The model lists each operation's errors; ours must be among the operation's or common.
    expected = {
        "CreateApplication": {
            "ApplicationNameRequiredException",
            "InvalidApplicationNameException",
            "ApplicationAlreadyExistsException",
            "InvalidComputePlatformException",
            "InvalidTagsToAddException",
            "ThrottlingException",
        },
        "BatchGetApplications": {
            "ApplicationNameRequiredException",
            "InvalidApplicationNameException",
            "ApplicationDoesNotExistException",
            "BatchLimitExceededException",
        },
        "ListApplications": {"InvalidNextTokenException"},
        "UpdateApplication": {
            "ApplicationNameRequiredException",
            "InvalidApplicationNameException",
            "ApplicationAlreadyExistsException",
            "ApplicationDoesNotExistException",
        },
    }
    for operation, names in expected.items():
        modeled = {shape.name for shape in MODEL.operation_model(operation).error_shapes}
        assert names <= modeled, (operation, names - modeled)


def test_every_error_has_a_name_of_its_own() -> None:
    names = [error.name for error in all_error_classes()]
    assert len(names) == len(set(names))
