"""Lifecycle actions of Rollwright's hooks reach the auto scaling function; the functions that
manage hooks and complete actions may do only that."""

from __future__ import annotations

from typing import Any

from tests.infrastructure.conftest import SynthesizedStack

HOOK_ACTIONS = {"autoscaling:PutLifecycleHook", "autoscaling:DeleteLifecycleHook"}
COMPLETE = "autoscaling:CompleteLifecycleAction"
HEARTBEAT = "autoscaling:RecordLifecycleActionHeartbeat"


def _actions_of(synthesized: SynthesizedStack, function: str) -> dict[str, list[Any]]:
    """Every action granted to the function's role, with the resources it is granted on."""
    role = synthesized.logical_id_of("AWS::IAM::Role", f"{function}Role")
    granted: dict[str, list[Any]] = {}
    for policy in synthesized.template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"].get("Roles", []):
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                resources = statement["Resource"]
                granted.setdefault(action, []).extend(
                    resources if isinstance(resources, list) else [resources]
                )
    return granted


def test_rule_matches_lifecycle_actions_of_rollwright_hooks(synthesized: SynthesizedStack) -> None:
    # Given the auto scaling rule / When reading its pattern
    # Then Auto Scaling's launch and terminate lifecycle actions of CodeDeploy-managed hooks
    rule = synthesized.resources[synthesized.logical_id_of("AWS::Events::Rule", "AutoScaling")]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.autoscaling"],
        "detail-type": [
            "EC2 Instance-launch Lifecycle Action",
            "EC2 Instance-terminate Lifecycle Action",
        ],
        "detail": {"LifecycleHookName": [{"prefix": "CodeDeploy-managed-"}]},
    }


def test_rule_targets_the_auto_scaling_function_with_retries_and_a_dead_letter_queue(
    synthesized: SynthesizedStack,
) -> None:
    # Given the rule / When reading its target / Then the function, with retries and the DLQ
    function = synthesized.logical_id_of("AWS::Lambda::Function", "AutoScalingFunction")
    dead_letters = synthesized.logical_id_of("AWS::SQS::Queue", "AutoScalingDeadLetters")
    rule = synthesized.resources[synthesized.logical_id_of("AWS::Events::Rule", "AutoScaling")]
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dead_letters, "Arn"]}}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0


def test_only_the_api_and_workflow_functions_put_and_delete_hooks(
    synthesized: SynthesizedStack,
) -> None:
    # Given the functions' roles / When reading their Auto Scaling grants
    # Then the api function (deployment groups) and the workflow (a blue/green deployment's
    # group adopting its green Auto Scaling groups) manage hooks, on Auto Scaling group ARNs
    for function in ("ApiFunction", "WorkflowFunction"):
        granted = _actions_of(synthesized, function)
        assert set(granted) >= HOOK_ACTIONS
        for action in HOOK_ACTIONS:
            (resource,) = granted[action]
            assert "autoScalingGroup:*:autoScalingGroupName/*" in str(resource)
    for other in ("AgentFunction", "AlarmFunction", "AutoScalingFunction"):
        assert not HOOK_ACTIONS & set(_actions_of(synthesized, other))


def test_the_auto_scaling_and_workflow_functions_complete_lifecycle_actions(
    synthesized: SynthesizedStack,
) -> None:
    # Given the functions' roles / When reading their Auto Scaling grants
    # Then the auto scaling function (at once) and the workflow (a launch's end) complete actions
    for function in ("AutoScalingFunction", "WorkflowFunction"):
        assert COMPLETE in _actions_of(synthesized, function)
    for other in ("ApiFunction", "AgentFunction", "AlarmFunction"):
        assert COMPLETE not in _actions_of(synthesized, other)


def test_only_the_workflow_function_records_lifecycle_action_heartbeats(
    synthesized: SynthesizedStack,
) -> None:
    # Given the functions' roles / When reading their Auto Scaling grants
    # Then only the workflow (its sweep, while a launch or termination runs) sends heartbeats
    (resource,) = _actions_of(synthesized, "WorkflowFunction")[HEARTBEAT]
    assert "autoScalingGroup:*:autoScalingGroupName/*" in str(resource)
    for other in ("ApiFunction", "AgentFunction", "AlarmFunction", "AutoScalingFunction"):
        assert HEARTBEAT not in _actions_of(synthesized, other)
