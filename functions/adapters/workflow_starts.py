"""Starting a deployment's state machine: the ``Workflows`` of ``rollwright.deployments``."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


class StepFunctionsWorkflows:
    def __init__(self, stepfunctions: Any, *, server_state_machine_arn: str) -> None:
        self._stepfunctions = stepfunctions
        self._server = server_state_machine_arn

    def start_server(self, deployment_id: str) -> None:
        """One execution per deployment, named by its id: a repeated start with the same input
        is answered with the running execution by Step Functions itself."""
        try:
            self._stepfunctions.start_execution(
                stateMachineArn=self._server,
                name=deployment_id,
                input=json.dumps({"deploymentId": deployment_id}),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise
