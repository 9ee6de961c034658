"""How Rollwright records a cdk-nag finding it accepts: the exact finding, and why.

cdk-nag 3 checks the app as a CDK validation plugin and honours only acknowledgments of an exact
finding id (``AwsSolutions-IAM5[Resource::<Logical.Arn>:*]``): a wildcard is accepted one
permission at a time, never a rule wholesale.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

WILDCARD_RULE = "AwsSolutions-IAM5"


def accept(scope: IConstruct, rule: str, *, reason: str, finding: str | None = None) -> None:
    """Acknowledge ``rule`` (``AwsSolutions-XYZ``) on ``scope`` and its children, with a reason."""
    rule_id = f"{rule}[{finding}]" if finding is not None else rule
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def accept_wildcards(
    scope: IConstruct, statements: Iterable[iam.PolicyStatement], *, reason: str
) -> None:
    """Acknowledge every wildcard action and resource of ``statements`` on ``scope``."""
    for statement in statements:
        for action in statement.actions:
            if "*" in action:
                accept(scope, WILDCARD_RULE, finding=f"Action::{action}", reason=reason)
        for resource in statement.resources:
            accept_wildcard_resource(scope, resource, reason=reason)


def accept_wildcard_resource(scope: IConstruct, resource: str, *, reason: str) -> None:
    """Acknowledge the wildcard finding of one policy ``Resource`` (a string or token)."""
    text = _flatten(Stack.of(scope).resolve(resource))
    if "*" in text:
        accept(scope, WILDCARD_RULE, finding=f"Resource::{text}", reason=reason)


def _flatten(value: Any) -> str:
    """cdk-nag's text for a resolved CloudFormation value (its ``flattenCfnReference``)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        render = _INTRINSICS.get(function)
        if render is not None:
            return render(argument)
    return json.dumps(value, separators=(",", ":"))


def _join(argument: Any) -> str:
    delimiter, items = argument
    return str(delimiter).join(_flatten(item) for item in items)


def _get_att(argument: Any) -> str:
    logical_id, attribute = argument
    return f"<{_flatten(logical_id)}.{_flatten(attribute)}>"


_INTRINSICS: dict[str, Callable[[Any], str]] = {
    "Fn::Join": _join,
    "Fn::Sub": _flatten,
    "Fn::GetAtt": _get_att,
    "Fn::ImportValue": _flatten,
    "Ref": lambda argument: f"<{_flatten(argument)}>",
}
