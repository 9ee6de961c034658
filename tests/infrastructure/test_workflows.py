"""The three deployment state machines and their first phase."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.workflows import ROLLOUT_ENDED_ERROR
from tests.infrastructure.conftest import SynthesizedStack

PLATFORMS = ("Server", "Lambda", "Ecs")


def _definition(synthesized: SynthesizedStack, platform: str) -> tuple[dict[str, Any], str]:
    """The state machine's ASL (tokens replaced by their logical ids) and its raw JSON."""
    logical_id = synthesized.logical_id_of("AWS::StepFunctions::StateMachine", platform)
    parts = synthesized.resources[logical_id]["Properties"]["DefinitionString"]["Fn::Join"][1]
    text = "".join(
        part if isinstance(part, str) else part.get("Ref") or "<{}.{}>".format(*part["Fn::GetAtt"])
        for part in parts
    )
    return json.loads(text), json.dumps(parts)


def test_one_standard_state_machine_per_compute_platform(synthesized: SynthesizedStack) -> None:
    # Given the stack / When counting state machines / Then there are three standard ones
    synthesized.template.resource_count_is("AWS::StepFunctions::StateMachine", 3)
    for platform in PLATFORMS:
        synthesized.logical_id_of("AWS::StepFunctions::StateMachine", platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_first_state_invokes_the_workflow_function_to_begin(
    synthesized: SynthesizedStack, platform: str
) -> None:
    # Given a state machine / When reading its first state
    # Then it invokes the workflow function with action begin and the deployment id
    definition, _ = _definition(synthesized, platform)
    workflow = synthesized.logical_id_of("AWS::Lambda::Function", "WorkflowFunction")
    first = definition["States"][definition["StartAt"]]
    assert first["Type"] == "Task"
    assert first["Resource"] == "arn:AWS::Partition:states:::lambda:invoke"
    assert first["Parameters"]["FunctionName"] == f"<{workflow}.Arn>"
    assert first["Parameters"]["Payload"] == {"action": "begin", "deploymentId.$": "$.deploymentId"}
    assert first["OutputPath"] == "$.Payload"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_in_progress_succeeds_and_anything_else_fails_to_start(
    synthesized: SynthesizedStack, platform: str
) -> None:
    # Given a state machine / When following the begin task's answer
    # Then InProgress reaches Succeed and anything else a Fail with the function's message
    definition, _ = _definition(synthesized, platform)
    states = definition["States"]
    choice = states[states[definition["StartAt"]]["Next"]]
    assert choice["Type"] == "Choice"
    (rule,) = choice["Choices"]
    assert rule == {"Variable": "$.status", "StringEquals": "InProgress", "Next": rule["Next"]}
    if platform == "Server":
        # In place: the hosts' phase (below); blue/green: test_blue_green_workflow.py
        blue_green = states[rule["Next"]]
        assert blue_green["Type"] == "Choice"
        assert states[blue_green["Default"]]["Type"] == "Parallel"
    elif platform == "Lambda":
        assert rule["Next"] == "PlanTraffic"  # the traffic phases (test_lambda_workflow.py)
    else:
        assert rule["Next"] == "PlanEcsDeployment"  # the ECS phases (test_ecs_workflow.py)
    assert states[choice["Default"]] == {
        "Type": "Fail",
        "Error": "DeploymentStartFailed",
        "CausePath": "$.message",
    }


@pytest.mark.parametrize("platform", PLATFORMS)
def test_state_machine_logs_all_events_and_traces(
    synthesized: SynthesizedStack, platform: str
) -> None:
    # Given a state machine / When reading its logging and tracing
    # Then it logs ALL events with execution data to its log group and traces with X-Ray
    logical_id = synthesized.logical_id_of("AWS::StepFunctions::StateMachine", platform)
    properties = synthesized.resources[logical_id]["Properties"]
    assert properties["StateMachineType"] == "STANDARD"
    assert properties["TracingConfiguration"] == {"Enabled": True}
    logging = properties["LoggingConfiguration"]
    (destination,) = logging["Destinations"]
    log_group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert log_group_id.startswith(f"Workflows{platform}LogGroup")
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is True


def _server_rollout(synthesized: SynthesizedStack) -> tuple[dict[str, Any], dict[str, Any]]:
    definition, _ = _definition(synthesized, "Server")
    states = definition["States"]
    return states, states["Rollout"]


def test_server_hosts_phase_waits_once_with_a_task_token_bounded_by_eight_hours(
    synthesized: SynthesizedStack,
) -> None:
    # Given the Server machine / When reading the waiting branch of its hosts' phase
    _, rollout = _server_rollout(synthesized)
    waiting = rollout["Branches"][0]["States"]["DispatchAndWait"]
    # Then dispatch is invoked with the task token, and the wait times out after 8 hours
    assert waiting["Resource"] == "arn:AWS::Partition:states:::lambda:invoke.waitForTaskToken"
    assert waiting["Parameters"]["Payload"] == {
        "action": "dispatch",
        "deploymentId.$": "$.deploymentId",
        "taskToken.$": "$$.Task.Token",
    }
    assert waiting["TimeoutSeconds"] == 8 * 3600
    # And once answered, the branch fails on purpose, which ends the sweep branch at once
    stop = rollout["Branches"][0]["States"][waiting["Next"]]
    assert stop["Type"] == "Fail"
    assert stop["Error"] == ROLLOUT_ENDED_ERROR


def test_server_sweep_loops_on_its_interval_until_the_rollout_ends(
    synthesized: SynthesizedStack,
) -> None:
    # Given the Server machine / When reading the sweep branch
    _, rollout = _server_rollout(synthesized)
    branch = rollout["Branches"][1]
    states = branch["States"]
    # Then it sweeps at once, then waits the deployment's interval and sweeps again until ended
    assert branch["StartAt"] == "SweepHosts"
    assert states["SweepHosts"]["Parameters"]["Payload"]["action"] == "sweep"
    assert states["SweepHosts"]["Next"] == "RolloutEnded"
    (ended,) = states["RolloutEnded"]["Choices"]
    assert ended["Variable"] == "$.ended"
    assert states[ended["Next"]] == {"Type": "Succeed"}
    assert states["RolloutEnded"]["Default"] == "BetweenSweeps"
    assert states["BetweenSweeps"]["SecondsPath"] == "$.sweepIntervalSeconds"
    assert states["BetweenSweeps"]["Next"] == "SweepHosts"


def test_server_finish_runs_after_the_rollout_and_after_any_failure_of_it(
    synthesized: SynthesizedStack,
) -> None:
    # Given the Server machine / When following the hosts' phase
    states, rollout = _server_rollout(synthesized)
    # Then success and failure both reach finish (for an in-place deployment; a blue/green one
    # goes on to its next pass), which ends in Succeed or a Fail with the code
    assert rollout["Next"] == "AfterRollout"
    assert rollout["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AfterRollout"}
    ]
    assert states["AfterRollout"]["Default"] == "FinishDeployment"
    finish = states["FinishDeployment"]
    assert finish["Parameters"]["Payload"]["action"] == "finish"
    assert finish["Parameters"]["Payload"]["stateMachineArn.$"] == "$$.StateMachine.Id"
    choice = states[finish["Next"]]
    assert states[choice["Default"]] == {
        "Type": "Fail",
        "ErrorPath": "$.errorCode",
        "CausePath": "$.message",
    }


def test_the_workflow_functions_server_policy_names_only_the_server_machine(
    synthesized: SynthesizedStack,
) -> None:
    # Given the stack / When reading the workflow function's task-response policy (it also
    # starts rollback deployments)
    server = synthesized.logical_id_of("AWS::StepFunctions::StateMachine", "Server")
    policy_id = synthesized.logical_id_of("AWS::IAM::Policy", "WorkflowTaskResponses")
    (statement,) = synthesized.resources[policy_id]["Properties"]["PolicyDocument"]["Statement"]
    # Then it names the Server state machine only
    assert statement["Action"] == [
        "states:SendTaskFailure",
        "states:SendTaskSuccess",
        "states:StartExecution",
    ]
    assert statement["Resource"] == {"Ref": server}
