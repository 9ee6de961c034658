"""The Lambda API for Lambda deployments: aliases and versions of the user's function
(``LambdaFunctions``), and invoking hook functions (``HookInvoker``).

Weights go to Lambda as ``RoutingConfig.AdditionalVersionWeights`` on the alias: while traffic
shifts, the alias points at the original (current) version and the target version gets the
weight; at 100 % the alias points at the target version with no additional weights, and putting
traffic back points it at the original version with none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import error_code
from rollwright.lambda_records import Alias
from rollwright.lambda_rollout import HookReturn
from rollwright.lifecycle import LifecycleEvent

_MISSING = {"ResourceNotFoundException"}


class LambdaAliases:
    def __init__(self, lambda_client: Any) -> None:
        self._lambda = lambda_client

    def alias(self, function_name: str, alias: str) -> Alias | None:
        try:
            found = self._lambda.get_alias(FunctionName=function_name, Name=alias)
        except ClientError as error:
            if error_code(error) in _MISSING:
                return None
            raise
        weights = (found.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        return Alias(str(found["FunctionVersion"]), {k: float(v) for k, v in weights.items()})

    def version_exists(self, function_name: str, version: str) -> bool:
        try:
            self._lambda.get_function_configuration(FunctionName=function_name, Qualifier=version)
        except ClientError as error:
            if error_code(error) in _MISSING:
                return False
            raise
        return True

    def route(
        self, function_name: str, alias: str, *, current: str, target: str, weight: Decimal
    ) -> None:
        weights: dict[str, float] = {}
        if weight >= 1:
            version = target
        elif weight <= 0:
            version = current
        else:
            version, weights = current, {target: float(weight)}
        self._lambda.update_alias(
            FunctionName=function_name,
            Name=alias,
            FunctionVersion=version,
            RoutingConfig={"AdditionalVersionWeights": weights},
        )


class LambdaHookInvoker:
    """Hook functions run synchronously inside the hook runner, which the workflow invokes
    asynchronously (`docs/decisions.md`: how a hook's return value is learnt)."""

    def __init__(self, lambda_client: Any, *, runner_function: str = "") -> None:
        self._lambda = lambda_client
        self._runner = runner_function

    def start_runner(self, deployment_id: str, event: LifecycleEvent) -> None:
        self._lambda.invoke(
            FunctionName=self._runner,
            InvocationType="Event",
            Payload=json.dumps({"deploymentId": deployment_id, "event": event.value}).encode(),
        )

    def invoke_hook(self, function_name: str, payload: Mapping[str, Any]) -> HookReturn:
        try:
            answer = self._lambda.invoke(
                FunctionName=function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode(),
            )
        except ClientError as error:
            return HookReturn(f"{error_code(error)}: {error}", None)
        body = answer["Payload"].read()
        try:
            returned = json.loads(body) if body else None
        except ValueError:
            returned = None
        if answer.get("FunctionError"):
            detail = returned.get("errorMessage") if isinstance(returned, dict) else None
            return HookReturn(str(detail or answer["FunctionError"]), returned)
        return HookReturn(None, returned)
