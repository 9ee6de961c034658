"""EC2 blue/green deployments on the Server state machine (stacks/blue_green_workflow.py)."""

from __future__ import annotations

from rollwright.workflow_answers import BLUE_GREEN_ERROR
from tests.infrastructure.conftest import SynthesizedStack
from tests.infrastructure.test_lambda_workflow import _actions, _statements
from tests.infrastructure.test_workflows import _definition


def test_a_blue_green_deployment_leaves_its_first_wait_for_its_steps(
    synthesized: SynthesizedStack,
) -> None:
    # Given the Server machine / When its first wait fails with the blue/green name
    definition, _ = _definition(synthesized, "Server")
    states = definition["States"]
    (caught,) = [
        c for c in states[definition["StartAt"]]["Catch"] if c["ErrorEquals"] == [BLUE_GREEN_ERROR]
    ]
    # Then the blue/green steps start, with an empty error
    start = states[caught["Next"]]
    assert (start["Result"], start["ResultPath"], start["Next"]) == (
        {"Error": ""},
        "$.error",
        "BlueGreenNext",
    )


def test_after_each_pass_a_blue_green_deployment_decides_its_next_step(
    synthesized: SynthesizedStack,
) -> None:
    # Given the Server machine / When the hosts' phase ends for a blue/green deployment (the flag
    # is blueGreenNext's; an in-place deployment's state has none)
    definition, _ = _definition(synthesized, "Server")
    states = definition["States"]
    (rule,) = states["AfterRollout"]["Choices"]
    assert rule["And"] == [
        {"Variable": "$.blueGreen", "IsPresent": True},
        {"Variable": "$.blueGreen", "BooleanEquals": True},
    ]
    assert rule["Next"] == "BlueGreenNext"
    # Then blueGreenNext gets the phase's error and its answer says where to go
    payload = states["BlueGreenNext"]["Parameters"]["Payload"]
    assert payload == {
        "action": "blueGreenNext",
        "deploymentId.$": "$.deploymentId",
        "error.$": "$.error",
    }
    choices = {c["StringEquals"]: c["Next"] for c in states["BlueGreenNextStep"]["Choices"]}
    assert choices == {
        "Rollout": "PassRollout",
        "Wait": "BlueGreenWait",
        "Poll": "BlueGreenProvisioning",
    }
    # And a copied Auto Scaling group's launch is looked at again after a Wait
    assert states["BlueGreenProvisioning"]["SecondsPath"] == "$.waitSeconds"
    assert states["BlueGreenProvisioning"]["Next"] == "BlueGreenNext"
    assert states["BlueGreenNextStep"]["Default"] == "FinishDeployment"


def test_a_blue_green_wait_is_a_task_token_timed_by_the_step_and_always_decided_again(
    synthesized: SynthesizedStack,
) -> None:
    definition, _ = _definition(synthesized, "Server")
    wait = definition["States"]["BlueGreenWait"]
    assert wait["Resource"] == "arn:AWS::Partition:states:::lambda:invoke.waitForTaskToken"
    assert wait["Parameters"]["Payload"]["action"] == "blueGreenWait"
    assert wait["TimeoutSecondsPath"] == "$.waitSeconds"
    # A timeout (the ready wait running out, the termination wait ending) is decided too
    assert wait["Next"] == "BlueGreenNext"
    assert wait["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "BlueGreenNext"}
    ]


def test_the_workflow_function_may_terminate_instances(synthesized: SynthesizedStack) -> None:
    statements = [
        statement
        for resource in synthesized.resources.values()
        if resource["Type"] == "AWS::IAM::Policy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "ec2:TerminateInstances"
    ]
    (statement,) = statements
    assert statement["Resource"] == "arn:aws:ec2:*:*:instance/*"


def test_the_workflow_may_pass_instance_profile_roles_to_ec2_only_and_attach_copies(
    synthesized: SynthesizedStack,
) -> None:
    # Given the workflow function's policy
    statements = _statements(synthesized, "WorkflowFunctionRole")
    # Then it may pass a role to EC2 (a copied group's launch template's instance profile), on
    # that condition only
    (to_ec2,) = [
        s
        for s in statements
        if "iam:PassRole" in _actions(s)
        and s.get("Condition") == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    ]
    assert _actions(to_ec2) == ["iam:PassRole"]
    # And it may attach the original's load balancers and target groups to a copy
    actions = {a for s in statements for a in _actions(s)}
    assert {
        "autoscaling:AttachLoadBalancerTargetGroups",
        "autoscaling:AttachLoadBalancers",
    } <= actions
