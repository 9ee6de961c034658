"""The three deployment state machines and their first phase."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rollwright.deployment_plan import HostLimits
from rollwright.workflow_answers import BLUE_GREEN_ERROR, START_FAILED_ERROR
from tests.infrastructure.conftest import SynthesizedStack

PLATFORMS = ("Server", "Lambda", "Ecs")
TRAFFIC_PLATFORMS = ("Lambda", "Ecs")
HOST_WAITS = ("BeginRollout", "PassRollout", "DispatchAndWait")


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


@pytest.mark.parametrize("platform", TRAFFIC_PLATFORMS)
def test_first_state_invokes_the_workflow_function_to_begin(
    synthesized: SynthesizedStack, platform: str
) -> None:
    # Given a traffic state machine / When reading its first state
    # Then it invokes the workflow function with action begin and the deployment id
    definition, _ = _definition(synthesized, platform)
    workflow = synthesized.logical_id_of("AWS::Lambda::Function", "WorkflowFunction")
    first = definition["States"][definition["StartAt"]]
    assert first["Type"] == "Task"
    assert first["Resource"] == "arn:AWS::Partition:states:::lambda:invoke"
    assert first["Parameters"]["FunctionName"] == f"<{workflow}.Arn>"
    assert first["Parameters"]["Payload"] == {"action": "begin", "deploymentId.$": "$.deploymentId"}
    assert first["OutputPath"] == "$.Payload"


@pytest.mark.parametrize("platform", TRAFFIC_PLATFORMS)
def test_in_progress_goes_on_and_anything_else_fails_to_start(
    synthesized: SynthesizedStack, platform: str
) -> None:
    # Given a traffic state machine / When following the begin task's answer
    # Then InProgress reaches the platform's phases and anything else a Fail with the message
    definition, _ = _definition(synthesized, platform)
    states = definition["States"]
    choice = states[states[definition["StartAt"]]["Next"]]
    assert choice["Type"] == "Choice"
    (rule,) = choice["Choices"]
    assert rule == {"Variable": "$.status", "StringEquals": "InProgress", "Next": rule["Next"]}
    if platform == "Lambda":
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


def _server_states(synthesized: SynthesizedStack) -> tuple[dict[str, Any], str]:
    definition, _ = _definition(synthesized, "Server")
    return definition["States"], definition["StartAt"]


def test_a_server_deployment_begins_with_a_wait_for_its_hosts_timed_by_the_sweep_interval(
    synthesized: SynthesizedStack,
) -> None:
    # Given the Server machine / When reading its first state
    states, start = _server_states(synthesized)
    first = states[start]
    # Then it is a wait for a task token whose step begins the deployment and dispatches it (with
    # when the wait was entered, which orders the waits' tokens), and it times out after the
    # stack's sweep interval (HostLimits' default here)
    assert start == "BeginRollout"
    assert first["Resource"] == "arn:AWS::Partition:states:::lambda:invoke.waitForTaskToken"
    assert first["Parameters"]["Payload"] == {
        "action": "rollout",
        "deploymentId.$": "$.deploymentId",
        "taskToken.$": "$$.Task.Token",
        "waitEnteredAt.$": "$$.State.EnteredTime",
    }
    assert first["TimeoutSeconds"] == HostLimits().sweep_interval_seconds
    # And a blue/green pass's first wait likewise; a wait after a sweep by the deployment's own
    assert states["PassRollout"]["TimeoutSeconds"] == HostLimits().sweep_interval_seconds
    assert states["DispatchAndWait"]["TimeoutSecondsPath"] == "$.error.sweepIntervalSeconds"


@pytest.mark.parametrize("wait", HOST_WAITS)
def test_every_wait_for_the_hosts_catches_its_named_answers_then_the_timeout_then_the_rest(
    synthesized: SynthesizedStack, wait: str
) -> None:
    # Given a wait for the hosts of the Server machine / When reading its catchers (in order)
    states, _ = _server_states(synthesized)
    catchers = [(c["ErrorEquals"], c["Next"]) for c in states[wait]["Catch"]]
    # Then a deployment that cannot start fails the execution with the step's reason, a
    # blue/green one goes on to its steps, a timeout sweeps, and anything else finishes
    assert catchers == [
        ([START_FAILED_ERROR], "DeploymentStartFailed"),
        ([BLUE_GREEN_ERROR], "BlueGreenStart"),
        (["States.Timeout"], "SweepHosts"),
        (["States.ALL"], "AfterRollout"),
    ]
    assert all(c["ResultPath"] == "$.error" for c in states[wait]["Catch"])
    assert states["DeploymentStartFailed"] == {
        "Type": "Fail",
        "Error": "DeploymentStartFailed",
        "CausePath": "$.error.Cause",
    }
    # And the named answers are never retried (the first matching retrier applies)
    named = states[wait]["Retry"][1]
    assert (named["ErrorEquals"], named["MaxAttempts"]) == (
        [START_FAILED_ERROR, BLUE_GREEN_ERROR],
        0,
    )
    assert states[wait]["Retry"][2]["ErrorEquals"] == ["States.TaskFailed"]
    # And an answered wait leaves no error for finish (the rollout stored its outcome)
    assert (states[wait]["ResultSelector"], states[wait]["ResultPath"]) == (
        {"Error": ""},
        "$.error",
    )


def test_a_plain_in_place_deployment_takes_four_state_transitions(
    synthesized: SynthesizedStack,
) -> None:
    # Given the Server machine / When following an in-place deployment whose rollout ends before
    # its first sweep
    states, start = _server_states(synthesized)
    path = [start, states[start]["Next"]]
    path.append(states[path[-1]]["Next"])
    choice = states[path[-1]]
    (succeeded,) = choice["Choices"]
    path.append(succeeded["Next"])
    # Then it enters four states: the wait, finish, its verdict and the end
    assert path == ["BeginRollout", "FinishDeployment", "DeploymentSucceeded", "Succeeded"]
    assert states["Succeeded"] == {"Type": "Succeed"}
    assert states[choice["Default"]] == {
        "Type": "Fail",
        "ErrorPath": "$.errorCode",
        "CausePath": "$.message",
    }
    finish = states["FinishDeployment"]["Parameters"]["Payload"]
    assert (finish["action"], finish["stateMachineArn.$"]) == ("finish", "$$.StateMachine.Id")


def test_the_sweep_follows_a_timed_out_wait_and_waits_again_until_the_rollout_ends(
    synthesized: SynthesizedStack,
) -> None:
    # Given the Server machine / When reading the sweep
    states, _ = _server_states(synthesized)
    sweep = states["SweepHosts"]
    # Then its answer takes the place of the timeout at $.error, with no error in it
    assert sweep["Parameters"]["Payload"]["action"] == "sweep"
    assert sweep["ResultSelector"] == {
        "Error": "",
        "ended.$": "$.Payload.ended",
        "sweepIntervalSeconds.$": "$.Payload.sweepIntervalSeconds",
    }
    assert sweep["ResultPath"] == "$.error"
    # And an ended rollout goes on to the blue/green steps or finish; otherwise a new wait
    choice = states[sweep["Next"]]
    ended = {"Variable": "$.error.ended", "BooleanEquals": True}
    blue_green = {
        "And": [
            {"Variable": "$.blueGreen", "IsPresent": True},
            {"Variable": "$.blueGreen", "BooleanEquals": True},
        ]
    }
    assert choice["Choices"] == [
        {"And": [ended, blue_green], "Next": "BlueGreenNext"},
        {**ended, "Next": "FinishDeployment"},
    ]
    assert choice["Default"] == "DispatchAndWait"
    # And a failed sweep finishes too
    assert sweep["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AfterRollout"}
    ]


def test_a_wait_answered_after_a_sweep_or_in_a_pass_finishes_or_goes_on_blue_green(
    synthesized: SynthesizedStack,
) -> None:
    states, _ = _server_states(synthesized)
    assert states["DispatchAndWait"]["Next"] == "AfterRollout"
    assert states["PassRollout"]["Next"] == "AfterRollout"
    assert states["AfterRollout"]["Default"] == "FinishDeployment"


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
