"""The ECS state machine's phases and the permissions of ECS deployments."""

from __future__ import annotations

from typing import Any

from tests.infrastructure.conftest import SynthesizedStack
from tests.infrastructure.test_lambda_workflow import _actions, _statements
from tests.infrastructure.test_workflows import _definition

ORDER = [
    "PlanEcsDeployment",
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "ShiftTraffic",
]


def _states(synthesized: SynthesizedStack) -> dict[str, Any]:
    definition, _ = _definition(synthesized, "Ecs")
    return dict(definition["States"])


def test_the_phases_run_in_codedeploys_ecs_order(synthesized: SynthesizedStack) -> None:
    states = _states(synthesized)

    assert [states[name]["Next"] for name in ORDER[:-1]] == ORDER[1:]
    assert states["TrafficShifted"]["Choices"][0]["Next"] == "AfterAllowTraffic"
    assert states["AfterAllowTraffic"]["Next"] == "TerminationWait"
    assert states["TerminationWait"]["Next"] == "EcsDeployed"
    assert states["EcsDeployed"]["Next"] == "FinishDeployment"
    assert states["FinishDeployment"]["Parameters"]["Payload"]["action"] == "ecsFinish"


def test_every_hook_waits_on_a_task_token_for_the_scaled_hook_timeout(
    synthesized: SynthesizedStack,
) -> None:
    states = _states(synthesized)
    for event in ORDER[1:7]:
        if event in ("Install", "AllowTestTraffic"):
            continue
        hook = states[event]
        assert hook["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
        assert hook["TimeoutSecondsPath"] == "$.hookTimeoutSeconds"
        assert hook["Parameters"]["Payload"]["action"] == "ecsHook"


def test_the_termination_wait_times_out_into_success_and_fails_into_finish(
    synthesized: SynthesizedStack,
) -> None:
    wait = _states(synthesized)["TerminationWait"]

    assert wait["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
    assert wait["TimeoutSecondsPath"] == "$.terminationWaitSeconds"
    assert [(c["ErrorEquals"], c["Next"]) for c in wait["Catch"]] == [
        (["States.Timeout"], "EcsDeployed"),
        (["States.ALL"], "FinishDeployment"),
    ]


def test_the_api_the_workflow_and_the_alarm_function_may_move_task_sets_and_listeners(
    synthesized: SynthesizedStack,
) -> None:
    wanted = {
        "ecs:CreateTaskSet",
        "ecs:DeleteTaskSet",
        "ecs:UpdateServicePrimaryTaskSet",
        "elasticloadbalancing:ModifyListener",
        "ecs:DescribeTaskDefinition",
    }
    for role in ("ApiFunctionRole", "WorkflowFunctionRole", "AlarmFunctionRole"):
        statements = _statements(synthesized, role)
        actions = {a for s in statements for a in _actions(s)}
        assert wanted <= actions
        (pass_role,) = [s for s in statements if "iam:PassRole" in _actions(s)]
        assert pass_role["Condition"] == {
            "StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
        }


def test_the_hook_runner_may_not_touch_task_sets(synthesized: SynthesizedStack) -> None:
    actions = {a for s in _statements(synthesized, "HookRunnerFunctionRole") for a in _actions(s)}

    assert not any(action.startswith("ecs:") for action in actions)
