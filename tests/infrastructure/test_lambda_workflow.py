"""The Lambda state machine's traffic phases and the permissions of Lambda deployments."""

from __future__ import annotations

from typing import Any

from tests.infrastructure.conftest import SynthesizedStack
from tests.infrastructure.test_workflows import _definition


def _states(synthesized: SynthesizedStack) -> dict[str, Any]:
    definition, _ = _definition(synthesized, "Lambda")
    return dict(definition["States"])


def _statements(synthesized: SynthesizedStack, path_part: str) -> list[dict[str, Any]]:
    policy = synthesized.logical_id_of("AWS::IAM::Policy", path_part)
    return list(synthesized.resources[policy]["Properties"]["PolicyDocument"]["Statement"])


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_the_phases_run_plan_hook_shift_hook_in_order(synthesized: SynthesizedStack) -> None:
    states = _states(synthesized)
    assert states["PlanTraffic"]["Parameters"]["Payload"]["action"] == "lambdaPlan"
    assert states["PlanTraffic"]["Next"] == "BeforeAllowTraffic"
    assert states["BeforeAllowTraffic"]["Next"] == "ShiftTraffic"
    assert states["ShiftTraffic"]["Next"] == "TrafficShifted"
    shifted = states["TrafficShifted"]
    assert shifted["Choices"] == [
        {"Variable": "$.done", "BooleanEquals": True, "Next": "AfterAllowTraffic"}
    ]
    assert shifted["Default"] == "BetweenTrafficSteps"
    assert states["AfterAllowTraffic"]["Next"] == "TrafficDeployed"
    assert states["TrafficDeployed"]["Next"] == "FinishDeployment"
    assert states["FinishDeployment"]["Parameters"]["Payload"]["action"] == "lambdaFinish"


def test_traffic_steps_wait_in_a_wait_state_not_a_polling_loop(
    synthesized: SynthesizedStack,
) -> None:
    states = _states(synthesized)
    assert states["BetweenTrafficSteps"] == {
        "Type": "Wait",
        "SecondsPath": "$.waitSeconds",
        "Next": "ShiftTraffic",
    }


def test_hooks_wait_on_a_task_token_for_the_scaled_hook_timeout(
    synthesized: SynthesizedStack,
) -> None:
    states = _states(synthesized)
    for event in ("BeforeAllowTraffic", "AfterAllowTraffic"):
        hook = states[event]
        assert hook["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
        assert hook["TimeoutSecondsPath"] == "$.hookTimeoutSeconds"
        assert hook["Parameters"]["Payload"]["event"] == event
        assert hook["Parameters"]["Payload"]["taskToken.$"] == "$$.Task.Token"
        assert hook["ResultPath"] is None


def test_every_failure_of_a_traffic_phase_goes_to_finish_with_its_error(
    synthesized: SynthesizedStack,
) -> None:
    states = _states(synthesized)
    for name in ("PlanTraffic", "BeforeAllowTraffic", "ShiftTraffic", "AfterAllowTraffic"):
        assert states[name]["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "Next": "FinishDeployment", "ResultPath": "$.error"}
        ]


def test_only_the_hook_runner_invokes_hooks_and_only_codedeploy_hook_functions(
    synthesized: SynthesizedStack,
) -> None:
    invoking = [
        s
        for s in _statements(synthesized, "HookRunnerFunctionRole")
        if "lambda:InvokeFunction" in _actions(s)
    ]
    (statement,) = invoking
    resources = [str(r) for r in statement["Resource"]]
    assert all("function:CodeDeployHook_*" in r for r in resources), resources
    workflow_invokes = [
        s
        for s in _statements(synthesized, "WorkflowFunctionRole")
        if "lambda:InvokeFunction" in _actions(s)
    ]
    (statement,) = workflow_invokes
    assert all("HookRunnerFunction" in str(r) for r in statement["Resource"])


def test_the_api_and_the_workflow_may_shift_aliases_and_answer_hook_waits(
    synthesized: SynthesizedStack,
) -> None:
    for role in ("ApiFunctionRole", "WorkflowFunctionRole"):
        actions = {a for s in _statements(synthesized, role) for a in _actions(s)}
        assert {"lambda:GetAlias", "lambda:UpdateAlias"} <= actions
    # The hook waits of both traffic machines (Lambda and ECS), no other.
    machines = [
        {"Ref": synthesized.logical_id_of("AWS::StepFunctions::StateMachine", name)}
        for name in ("Lambda", "Ecs")
    ]
    (statement,) = _statements(synthesized, "HookTaskResponses")
    assert sorted(statement["Resource"], key=str) == sorted(machines, key=str)
