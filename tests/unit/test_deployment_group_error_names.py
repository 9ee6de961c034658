"""The deployment config, deployment group and tagging operations raise only errors their
operation's model lists (or the common protocol errors)."""

from __future__ import annotations

import ast
from pathlib import Path

import botocore.session
import pytest

import rollwright

MODEL = botocore.session.get_session().get_service_model("codedeploy")
PACKAGE = Path(rollwright.__file__).parent
# Raised in any operation: the model leaves throttling and protocol errors out of most lists.
COMMON = {"ThrottlingException", "SerializationException", "InternalFailure"}


def _raised_in(*modules: str) -> set[str]:
    names: set[str] = set()
    for module in modules:
        for node in ast.walk(ast.parse((PACKAGE / module).read_text())):
            if isinstance(node, ast.Name) and node.id.endswith("Exception"):
                names.add(node.id)
    return names


@pytest.mark.parametrize(
    ("operations", "modules"),
    [
        (
            ["CreateDeploymentConfig"],
            ["deployment_config_rules.py", "operations/deployment_configs.py"],
        ),
        (
            ["CreateDeploymentGroup", "UpdateDeploymentGroup"],
            ["deployment_group_rules.py", "operations/deployment_group_members.py"],
        ),
        (["TagResource", "UntagResource"], ["resource_tags.py"]),
    ],
)
def test_the_rules_raise_only_errors_their_operations_list(
    operations: list[str], modules: list[str]
) -> None:
    raised = _raised_in(*modules) - {"CodeDeployError", "Exception"}
    for operation in operations:
        modeled = {shape.name for shape in MODEL.operation_model(operation).error_shapes}
        # Update lists InvalidRoleException for an empty role; Create adds RoleRequiredException.
        allowed = (
            modeled
            | COMMON
            | ({"RoleRequiredException"} if operation.startswith("Update") else set())
        )
        assert raised <= allowed, (operation, raised - allowed)
