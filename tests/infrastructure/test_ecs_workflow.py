"""The ECS state machine's phases and the permissions of ECS deployments."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from tests.infrastructure.conftest import SynthesizedStack
from tests.infrastructure.test_lambda_workflow import _actions, _statements
from tests.infrastructure.test_workflows import _definition

ORDER = [
    "PlanEcsDeployment",
    "BeforeInstall",
    "Install",
    "CheckReplacementTaskSet",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "WaitUntilReady",
    "BeforeAllowTraffic",
    "ShiftTraffic",
]
# Between these, a Choice decides (the replacement steady; a ready wait or none).
CHOICES = {"CheckReplacementTaskSet": "ReplacementSteady", "WaitUntilReady": None}


def _states(synthesized: SynthesizedStack) -> dict[str, Any]:
    definition, _ = _definition(synthesized, "Ecs")
    return dict(definition["States"])


def test_the_phases_run_in_codedeploys_ecs_order(synthesized: SynthesizedStack) -> None:
    states = _states(synthesized)

    for name, following in pairwise(ORDER):
        if name == "WaitUntilReady":
            assert states[name]["Default"] == following
        elif name in CHOICES:
            choice = states[states[name]["Next"]]
            assert states[name]["Next"] == CHOICES[name]
            assert choice["Choices"][0]["Next"] == following
        else:
            assert states[name]["Next"] == following
    assert states["TrafficShifted"]["Choices"][0]["Next"] == "AfterAllowTraffic"
    assert states["AfterAllowTraffic"]["Next"] == "TerminationWait"
    assert states["TerminationWait"]["Next"] == "EcsDeployed"
    assert states["EcsDeployed"]["Next"] == "FinishDeployment"
    assert states["FinishDeployment"]["Parameters"]["Payload"]["action"] == "ecsFinish"


def test_every_hook_waits_on_a_task_token_for_the_scaled_hook_timeout(
    synthesized: SynthesizedStack,
) -> None:
    states = _states(synthesized)
    for event in ORDER[1:9]:
        if event in ("Install", "CheckReplacementTaskSet", "AllowTestTraffic", "WaitUntilReady"):
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


def test_install_asks_again_after_a_wait_until_the_replacement_is_steady(
    synthesized: SynthesizedStack,
) -> None:
    states = _states(synthesized)
    choice = states["ReplacementSteady"]

    assert choice["Choices"][0]["Variable"] == "$.replacement.steady"
    assert choice["Default"] == "ReplacementNotSteady"
    assert states["ReplacementNotSteady"]["SecondsPath"] == "$.steadyPollSeconds"
    assert states["ReplacementNotSteady"]["Next"] == "CheckReplacementTaskSet"
    assert states["CheckReplacementTaskSet"]["Catch"][0]["Next"] == "FinishDeployment"


def test_the_ready_wait_runs_only_with_a_wait_and_its_timeout_stops_the_deployment(
    synthesized: SynthesizedStack,
) -> None:
    states = _states(synthesized)
    (choice,) = states["WaitUntilReady"]["Choices"]
    wait = states["ReadyWait"]

    assert (choice["Variable"], choice["NumericGreaterThan"], choice["Next"]) == (
        "$.readyWaitSeconds",
        0,
        "ReadyWait",
    )
    assert wait["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
    assert wait["TimeoutSecondsPath"] == "$.readyWaitSeconds"
    assert wait["Next"] == "BeforeAllowTraffic"
    assert [(c["ErrorEquals"], c["Next"]) for c in wait["Catch"]] == [
        (["States.Timeout"], "ReadyWaitExpired"),
        (["States.ALL"], "FinishDeployment"),
    ]
    assert states["ReadyWaitExpired"]["Next"] == "FinishDeployment"


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
        pass_roles = [s for s in statements if "iam:PassRole" in _actions(s)]
        # Every PassRole names the one service it passes to (the workflow also passes instance
        # profile roles to EC2 for blue/green Auto Scaling copies); one of them is to ECS tasks.
        assert all(_passed_to(s) for s in pass_roles)
        (pass_role,) = [s for s in pass_roles if _passed_to(s) == "ecs-tasks.amazonaws.com"]
        assert pass_role["Condition"] == {
            "StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
        }


def _passed_to(statement: dict[str, Any]) -> str | None:
    """The service a PassRole statement's ``iam:PassedToService`` condition names, if any."""
    for operator in statement.get("Condition", {}).values():
        if "iam:PassedToService" in operator:
            return str(operator["iam:PassedToService"])
    return None


def test_the_hook_runner_may_not_touch_task_sets(synthesized: SynthesizedStack) -> None:
    actions = {a for s in _statements(synthesized, "HookRunnerFunctionRole") for a in _actions(s)}

    assert not any(action.startswith("ecs:") for action in actions)
