#!/usr/bin/env python3
"""The CDK app: synthesizes the ``Rollwright`` stack into ``cdk.out`` (or ``$CDK_OUTDIR``).

Runs offline and without Docker (``python app.py``); the stack is environment-agnostic, so the same
template deploys to any account and region, and the devstack deploys it locally.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from rollwright.deployment_plan import HostLimits
from stacks.control_plane import STACK_NAME, ControlPlaneStack

CDK_JSON = Path(__file__).resolve().parent / "cdk.json"
# The principal allowed to assume the host role for on-premises servers (an ARN); default: the
# account itself, so that IAM identities the account permits (and tags) can.
ON_PREMISES_PRINCIPAL_CONTEXT = "rollwright:onPremisesPrincipalArn"
# How long a host may stay silent before its deployment fails it (seconds; ``HostLimits``).
# Every wait of the traffic workflows (traffic steps, hook timeouts) is multiplied by it; 1 in AWS.
WAIT_SCALE_CONTEXT = "rollwright:waitScale"
HOST_LIMIT_CONTEXT = {
    "start_seconds": "rollwright:hostStartSeconds",
    "heartbeat_seconds": "rollwright:hostHeartbeatSeconds",
    "sweep_interval_seconds": "rollwright:hostSweepIntervalSeconds",
}


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context, so that ``python app.py`` synthesizes what ``cdk synth`` does."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def build(app: App) -> ControlPlaneStack:
    """Add the Rollwright stack, checked by cdk-nag's AWS Solutions rules, to ``app``."""
    principal_arn = app.node.try_get_context(ON_PREMISES_PRINCIPAL_CONTEXT)
    stack = ControlPlaneStack(
        app,
        STACK_NAME,
        description="Rollwright: a serverless, CodeDeploy-compatible deployment service",
        on_premises_principal=iam.ArnPrincipal(principal_arn) if principal_arn else None,
        host_limits=host_limits(app),
        wait_scale=wait_scale(app),
        analytics_reporting=False,
    )
    # cdk-nag 3 is a validation plugin: synthesis fails on any finding not acknowledged.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return stack


def host_limits(app: App) -> HostLimits:
    """The host limits of cdk.json's context (``-c rollwright:hostStartSeconds=60`` etc.)."""
    defaults = HostLimits()
    chosen = {}
    for field, key in HOST_LIMIT_CONTEXT.items():
        value = app.node.try_get_context(key)
        chosen[field] = getattr(defaults, field) if value in (None, "") else int(value)
    return HostLimits(**chosen)


def wait_scale(app: App) -> float:
    """cdk.json's ``rollwright:waitScale`` (default 1; tests override it per deployment: see
    `docs/decisions.md`)."""
    value = app.node.try_get_context(WAIT_SCALE_CONTEXT)
    scale = 1.0 if value in (None, "") else float(value)
    if not scale > 0:
        raise ValueError(f"{WAIT_SCALE_CONTEXT} must be a positive number, got {value!r}")
    return scale


def main() -> None:
    app = App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"), context=cdk_json_context())
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
