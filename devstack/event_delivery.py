"""EventBridge → Lambda targets: asynchronous invocations, as EventBridge makes them."""

from __future__ import annotations

import json
import logging
from typing import Any

from devstack.lambda_runtime import LambdaRuntime

logger = logging.getLogger("devstack.events")


class EventTargetDelivery:
    def __init__(self, runtime: LambdaRuntime) -> None:
        self._runtime = runtime

    def deliver(self, function_arn: str, event: dict[str, Any]) -> None:
        """Queue one event for a Lambda target; a missing function is a logged failed delivery."""
        region = function_arn.split(":")[3]
        try:
            self._runtime.invoke_event(function_arn, json.dumps(event).encode(), region=region)
        except Exception:
            logger.exception("EventBridge could not deliver to %s", function_arn)
