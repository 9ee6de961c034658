"""Starting a deployment's state machine: the ``Workflows`` of ``rollwright.deployments``."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


class StepFunctionsWorkflows:
    def __init__(
        self,
        stepfunctions: Any,
        *,
        server_state_machine_arn: str,
        lambda_state_machine_arn: str | None = None,
        ecs_state_machine_arn: str | None = None,
    ) -> None:
        self._stepfunctions = stepfunctions
        self._server = server_state_machine_arn
        self._lambda = lambda_state_machine_arn
        self._ecs = ecs_state_machine_arn

    def start_server(self, deployment_id: str) -> None:
        """One execution per deployment, named by its id: a repeated start with the same input
        is answered with the running execution by Step Functions itself."""
        self._start(self._server, deployment_id)

    def start_lambda(self, deployment_id: str) -> None:
        if self._lambda is None:
            raise RuntimeError("no Lambda state machine is configured")
        self._start(self._lambda, deployment_id)

    def stop_lambda(self, deployment_id: str) -> None:
        """Stop the deployment's execution (named by the deployment id) wherever it waits."""
        self._stop(self._lambda, deployment_id)

    def start_ecs(self, deployment_id: str) -> None:
        if self._ecs is None:
            raise RuntimeError("no ECS state machine is configured")
        self._start(self._ecs, deployment_id)

    def stop_ecs(self, deployment_id: str) -> None:
        self._stop(self._ecs, deployment_id)

    def _stop(self, state_machine_arn: str | None, deployment_id: str) -> None:
        if state_machine_arn is None:
            return
        execution = state_machine_arn.replace(":stateMachine:", ":execution:") + f":{deployment_id}"
        try:
            self._stepfunctions.stop_execution(
                executionArn=execution, error="DeploymentStopped", cause="StopDeployment"
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
                raise

    def _start(self, state_machine_arn: str, deployment_id: str) -> None:
        try:
            self._stepfunctions.start_execution(
                stateMachineArn=state_machine_arn,
                name=deployment_id,
                input=json.dumps({"deploymentId": deployment_id}),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise
