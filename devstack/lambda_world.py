"""Lambda functions on the devstack as the Lambda and ECS deployment tests and benchmarks need them
(like ``ecs_world``): the api function with its waits scaled, hook functions, a function with two
published versions behind an alias, a CodeDeploy Lambda application with its deployment group, and
the AppSpec that shifts the alias.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]


def function_zip(files: Mapping[str, str], *, with_package: bool = False) -> bytes:
    """A deployment package of ``files`` (name → source); ``with_package`` adds the rollwright
    package, for hooks that answer through ``rollwright.client``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        if with_package:
            for path in (REPOSITORY_ROOT / "rollwright").rglob("*.py"):
                archive.write(path, str(path.relative_to(REPOSITORY_ROOT)))
    return buffer.getvalue()


def api_function(lambda_client: Any) -> dict[str, Any]:
    """The stack's api function (GetFunctionConfiguration's fields): the one whose environment
    names the Lambda state machine and the artifacts bucket."""
    for page in lambda_client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            variables = (function.get("Environment") or {}).get("Variables") or {}
            if "LAMBDA_STATE_MACHINE_ARN" in variables and "ARTIFACTS_BUCKET" in variables:
                return dict(function)
    raise LookupError("no api function on the devstack")


def scale_waits(lambda_client: Any, api: Mapping[str, Any], wait_scale: str) -> dict[str, str]:
    """Give the api function ``WAIT_SCALE`` (every wait of the traffic workflows, multiplied);
    its variables before, for ``set_variables`` to put back."""
    variables = dict(api["Environment"]["Variables"])
    set_variables(lambda_client, api, {**variables, "WAIT_SCALE": wait_scale})
    return variables


def set_variables(lambda_client: Any, api: Mapping[str, Any], variables: Mapping[str, str]) -> None:
    lambda_client.update_function_configuration(
        FunctionName=api["FunctionName"], Environment={"Variables": dict(variables)}
    )


def create_hook_functions(
    lambda_client: Any, role: str, source: str, environments: Mapping[str, Mapping[str, str]]
) -> None:
    """One hook function per name, each running ``source`` (with the rollwright package) in its
    own environment."""
    for name, environment in environments.items():
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="hook.handler",
            Timeout=60,
            Code={"ZipFile": function_zip({"hook.py": source}, with_package=True)},
            Environment={"Variables": dict(environment)},
        )


def create_versioned_function(
    lambda_client: Any, role: str, *, function: str, alias: str, source: str
) -> None:
    """``function`` with versions 1 and 2 (``source % version``), and ``alias`` on version 1."""
    lambda_client.create_function(
        FunctionName=function,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": function_zip({"app.py": source % 1})},
    )
    lambda_client.publish_version(FunctionName=function)
    lambda_client.update_function_code(
        FunctionName=function, ZipFile=function_zip({"app.py": source % 2})
    )
    lambda_client.publish_version(FunctionName=function)
    lambda_client.create_alias(FunctionName=function, Name=alias, FunctionVersion="1")


def create_lambda_group(codedeploy: Any, *, application: str, group: str, role: str) -> None:
    """A Lambda application and its deployment group (blue/green with traffic control)."""
    codedeploy.create_application(applicationName=application, computePlatform="Lambda")
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName=group,
        serviceRoleArn=role,
        deploymentStyle={
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
    )


def lambda_appspec(
    *, function: str, alias: str, current: str, target: str, hooks: Mapping[str, str]
) -> str:
    """The AppSpec (JSON) that moves ``alias`` of ``function`` from version ``current`` to
    ``target``, with ``hooks`` (lifecycle event → hook function)."""
    return json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    "app": {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Name": function,
                            "Alias": alias,
                            "CurrentVersion": current,
                            "TargetVersion": target,
                        },
                    }
                }
            ],
            "Hooks": [{event: name} for event, name in hooks.items()],
        }
    )


def appspec_content(content: str) -> dict[str, Any]:
    """CreateDeployment's ``revision`` for an inline AppSpec."""
    return {
        "revisionType": "AppSpecContent",
        "appSpecContent": {
            "content": content,
            "sha256": hashlib.sha256(content.encode()).hexdigest(),
        },
    }
