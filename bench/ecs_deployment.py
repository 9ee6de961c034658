"""ECS deployments on the devstack (issue 6): what one linear deployment costs in Step Functions
state transitions and Lambda invocations, and how fast production traffic is back on the original
target group after a failed hook's report (target: 2 s or less).

The api function's ``WAIT_SCALE`` is set for the scenario (a 1-minute interval becomes 1 s); the
counts do not depend on it. Hooks are real functions answering through ``rollwright.client``; the
service is ``devstack.ecs_world``'s.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from bench.context import BenchContext
from bench.lambda_deployment import HOOK_SOURCE, _until_ended
from bench.report import ScenarioResult
from devstack.ecs_world import EcsWorld, build_ecs_world, create_ecs_group, ecs_appspec
from devstack.lambda_world import api_function, create_hook_functions, scale_waits
from devstack.state import DevstackState

WAIT_SCALE = "0.01"
APPLICATION, GROUP = "bench-ecs", "bench-ecs-group"
# Names of its own: ``lambda_deployment`` creates CodeDeployHook_bench_ok/_fail in the same
# devstack when ``python -m bench`` runs both scenarios in one BenchContext.
OK, FAIL = "CodeDeployHook_bench_ecs_ok", "CodeDeployHook_bench_ecs_fail"
ECS_HOOKS = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)


def _prepare(devstack: DevstackState) -> EcsWorld:
    lambda_client = devstack.aws_client("lambda")
    api = api_function(lambda_client)
    scale_waits(lambda_client, api, WAIT_SCALE)
    create_hook_functions(
        lambda_client,
        api["Role"],
        HOOK_SOURCE,
        {OK: {"VERDICT": "Succeeded"}, FAIL: {"VERDICT": "Failed"}},
    )
    world = build_ecs_world(
        devstack.aws_client("ec2"), devstack.aws_client("elbv2"), devstack.aws_client("ecs")
    )
    create_ecs_group(
        devstack.codedeploy_client(), world, application=APPLICATION, group=GROUP, role=api["Role"]
    )
    return world


def _deploy(devstack: DevstackState, world: EcsWorld, config: str, hooks: dict[str, str]) -> str:
    return str(
        devstack.codedeploy_client().create_deployment(
            applicationName=APPLICATION,
            deploymentGroupName=GROUP,
            deploymentConfigName=config,
            description=f"bench {uuid.uuid4()}",
            revision=ecs_appspec(world, hooks),
        )["deploymentId"]
    )


def _transitions(devstack: DevstackState, deployment_id: str) -> int:
    stepfunctions = devstack.aws_client("stepfunctions")
    machine = devstack.stack_outputs["EcsStateMachineArn"]
    execution = machine.replace(":stateMachine:", ":execution:") + f":{deployment_id}"
    events = stepfunctions.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    return sum(event["type"].endswith("StateEntered") for event in events)


def _production(devstack: DevstackState, world: EcsWorld) -> set[str]:
    """The target groups the production listener sends traffic to."""
    elbv2 = devstack.aws_client("elbv2")
    (listener,) = elbv2.describe_listeners(ListenerArns=[world.prod_listener])["Listeners"]
    groups: set[str] = set()
    for action in listener["DefaultActions"]:
        forwarded = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if forwarded:
            groups |= {g["TargetGroupArn"] for g in forwarded if g.get("Weight", 1)}
        elif action.get("TargetGroupArn"):
            groups.add(action["TargetGroupArn"])
    return groups


def _original_target_group(devstack: DevstackState, world: EcsWorld) -> str:
    ecs = devstack.aws_client("ecs")
    (service,) = ecs.describe_services(cluster=world.cluster, services=[world.service])["services"]
    (primary,) = [t for t in service["taskSets"] if t["status"] == "PRIMARY"]
    return str(primary["loadBalancers"][0]["targetGroupArn"])


def _after_allow_traffic(devstack: DevstackState, deployment_id: str) -> dict[str, Any] | None:
    codedeploy = devstack.codedeploy_client()
    try:
        (target_id,) = codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
    except codedeploy.exceptions.DeploymentNotStartedException:
        return None
    (target,) = codedeploy.batch_get_deployment_targets(
        deploymentId=deployment_id, targetIds=[target_id]
    )["deploymentTargets"]
    return dict(target["ecsTarget"]["lifecycleEvents"][-1])


def run(context: BenchContext) -> ScenarioResult:
    devstack, accounting = context.devstack(), context.request_counts()
    result = ScenarioResult(scenario="ecs_deployment")
    world = _prepare(devstack)

    # A linear deployment (10 steps) with all five hooks: what it costs.
    accounting.reset()
    linear = _deploy(
        devstack,
        world,
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
        dict.fromkeys(ECS_HOOKS, OK),
    )
    info = _until_ended(devstack, linear)
    counts = accounting.read()
    case = "linear 10%/1 min, 5 hooks"
    result.add(case, "state transitions", _transitions(devstack, linear), "transitions")
    result.add(case, "Lambda invocations", counts["lambda:Invoke"], "invocations")
    result.details["linear_status"] = info["status"]
    result.details["linear_requests"] = dict(counts.most_common())

    # A failing AfterAllowTraffic hook: from its report to production back on the original.
    original = _original_target_group(devstack, world)
    failing = _deploy(
        devstack, world, "CodeDeployDefault.ECSAllAtOnce", {"AfterAllowTraffic": FAIL}
    )
    reported = restored = None
    deadline = time.monotonic() + 180
    while restored is None and time.monotonic() < deadline:
        after = _after_allow_traffic(devstack, failing)
        if reported is None and after and after["status"] == "Failed" and "endTime" in after:
            reported = after["endTime"].timestamp()
        if reported is not None and _production(devstack, world) == {original}:
            restored = time.time()
        time.sleep(0.05)
    result.details["failing_status"] = _until_ended(devstack, failing)["status"]
    if reported is not None and restored is not None:
        result.add(
            "failed AfterAllowTraffic hook", "report to traffic back", restored - reported, "s"
        )
    return result
