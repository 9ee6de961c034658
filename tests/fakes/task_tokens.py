"""A stand-in for Step Functions' task tokens that records every answer it is given.

It is the ``TaskAnswers`` of the traffic rollouts (``rollwright.traffic_rollout``) and the
``TaskTokens`` of the Server rollout (``rollwright.rollout_store``): the assignments under
``TYPE_CHECKING`` make mypy say so when either protocol changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rollwright.rollout_store import TaskTokens
    from rollwright.traffic_rollout import TaskAnswers


class RecordingTokens:
    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []  # the outputs of succeeded tasks, in order
        self.failures: list[tuple[str, str, str]] = []  # (token, error, cause), in order

    def succeed(self, token: str, output: Mapping[str, Any]) -> bool:
        self.answers.append(dict(output))
        return True

    def fail(self, token: str, error: str, cause: str) -> bool:
        self.failures.append((token, error, cause))
        return True


if TYPE_CHECKING:
    _traffic_answers: TaskAnswers = RecordingTokens()
    _server_tokens: TaskTokens = RecordingTokens()
