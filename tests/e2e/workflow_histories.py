"""What the devstack's state machines did, for the report of a failed end-to-end test: a
hung deployment is explained by where its execution waits and what its steps answered."""

from __future__ import annotations

import json
from typing import Any

from devstack.state import DevstackState

# The tail of each execution's history: a hang shows in its last states.
EVENTS_PER_EXECUTION = 40


def workflow_histories(devstack: DevstackState) -> str:
    stepfunctions = devstack.aws_client("stepfunctions")
    lines: list[str] = []
    for machine in stepfunctions.list_state_machines()["stateMachines"]:
        executions = stepfunctions.list_executions(stateMachineArn=machine["stateMachineArn"])
        for execution in executions["executions"]:
            # moto lists an execution started without a name with none.
            name = execution.get("name", execution["executionArn"].rsplit(":", 1)[-1])
            lines.append(f"{machine['name']} {name} {execution['status']}")
            events = stepfunctions.get_execution_history(executionArn=execution["executionArn"])
            history = sorted(events["events"], key=lambda event: event["id"])
            lines.extend(f"  {_event(event)}" for event in history[-EVENTS_PER_EXECUTION:])
    return "\n".join(lines)


def _event(event: dict[str, Any]) -> str:
    details = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
    shown = json.dumps(details, default=str)[:300]
    return f"{event['timestamp']:%H:%M:%S.%f} {event['type']} {shown}"
