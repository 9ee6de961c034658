"""Permissions of Lambda deployments: shifting the user's aliases, invoking hook functions."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from stacks.accepted_findings import accept_wildcards

ALIAS_ACTIONS = ["lambda:GetAlias", "lambda:GetFunctionConfiguration", "lambda:UpdateAlias"]
# AWSCodeDeployRoleForLambda lets CodeDeploy invoke only functions named CodeDeployHook_*.
HOOK_FUNCTION_PREFIX = "CodeDeployHook_"


def _functions(role: iam.IRole, name: str) -> str:
    stack = Stack.of(role)
    return f"arn:{stack.partition}:lambda:{stack.region}:{stack.account}:function:{name}"


def grant_alias_shifting(*roles: iam.IRole) -> None:
    """Read any function's versions and aliases and move an alias's weights (CreateDeployment
    checks them; the workflow shifts; StopDeployment puts traffic back)."""
    for role in roles:
        statement = iam.PolicyStatement(
            actions=ALIAS_ACTIONS,
            resources=[_functions(role, "*"), _functions(role, "*:*")],
        )
        role.add_to_principal_policy(statement)
        accept_wildcards(
            role,
            [statement],
            reason=(
                "A Lambda deployment group deploys whichever function its AppSpec names, any in "
                "this account and region (as CodeDeploy's AWSCodeDeployRoleForLambda allows)."
            ),
        )


def grant_hook_invocation(role: iam.IRole) -> None:
    """Invoke hook functions: those named CodeDeployHook_*, as CodeDeploy's managed role."""
    statement = iam.PolicyStatement(
        actions=["lambda:InvokeFunction"],
        resources=[
            _functions(role, f"{HOOK_FUNCTION_PREFIX}*"),
            _functions(role, f"{HOOK_FUNCTION_PREFIX}*:*"),
        ],
    )
    role.add_to_principal_policy(statement)
    accept_wildcards(
        role,
        [statement],
        reason=(
            "Hook functions are named by each AppSpec at run time; like CodeDeploy's "
            "AWSCodeDeployRoleForLambda, only functions named CodeDeployHook_* may be invoked."
        ),
    )
