"""Answers to the workflow's waiting task (``.waitForTaskToken``): ``TaskTokens`` of
``server_rollout``. A token that no longer waits (answered already, timed out, or its execution
ended) is not an error here: whoever ends a rollout may answer it, and the sweep answers again."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

_NOT_WAITING = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class TaskTokens:
    def __init__(self, stepfunctions: Any) -> None:
        self._stepfunctions = stepfunctions

    def succeed(self, token: str, output: Mapping[str, Any]) -> bool:
        try:
            self._stepfunctions.send_task_success(taskToken=token, output=json.dumps(output))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _NOT_WAITING:
                return False
            raise
        return True

    def fail(self, token: str, error: str, cause: str) -> bool:
        try:
            self._stepfunctions.send_task_failure(taskToken=token, error=error, cause=cause[:32768])
        except ClientError as error_:
            if error_.response.get("Error", {}).get("Code") in _NOT_WAITING:
                return False
            raise
        return True
