"""The Server workflow's EC2 blue/green steps (``stacks/blue_green_workflow.py``):
``blueGreenNext`` (with the workflow's ``error``) and ``blueGreenWait`` (with the wait's
``taskToken``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.adapters.blue_green_records import BlueGreenRecords
from rollwright.blue_green_rollout import BlueGreenRollout
from rollwright.rollout_store import TaskTokens


class BlueGreenSteps:
    def __init__(
        self,
        records: BlueGreenRecords,
        rollout: Callable[[str], BlueGreenRollout],
        tokens: TaskTokens,
    ) -> None:
        """``rollout``: the rollout for the invoked function's ARN (its services are built on
        first use, so a deployment that copies no Auto Scaling group never builds them)."""
        self._records = records
        self._rollout = rollout
        self._tokens = tokens

    def next_step(self, event: dict[str, Any], function_arn: str) -> dict[str, Any]:
        return self._rollout(function_arn).next_step(event["deploymentId"], event.get("error"))

    def wait(self, event: dict[str, Any]) -> dict[str, Any]:
        """Keep the wait's token for ContinueDeployment (or a stop); if the wait ended before
        it could be kept (a stop), answer it at once."""
        deployment_id, token = event["deploymentId"], event["taskToken"]
        if not self._records.store_wait_token(deployment_id, token):
            self._tokens.succeed(token, {"deploymentId": deployment_id, "waited": False})
            return {"deploymentId": deployment_id, "waiting": False}
        return {"deploymentId": deployment_id, "waiting": True}
