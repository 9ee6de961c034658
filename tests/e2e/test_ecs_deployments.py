"""ECS blue/green deployments on the devstack: a cluster with one EC2 container instance, a
CODE_DEPLOY service with its original task set PRIMARY, two target groups behind a production and
a test listener, real hook functions (``CodeDeployHook_*``, run by the devstack's Lambda runtime)
that answer through PutLifecycleEventHookExecutionStatus; the stock CodeDeploy client in, the
listeners' weights and the service's task sets out, watched at every step.

The stack's wait scale is set on the api function for this module (``WAIT_SCALE``), so a
1-minute linear interval waits 2 seconds. Each deployment moves the service to the other target
group (the roles alternate, as in CodeDeploy), so every test reads which one is original first.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devstack.alarms import put_quiet_alarm
from devstack.ecs_world import (
    EcsWorld,
    build_ecs_world,
    create_ecs_group,
    ecs_appspec,
    termination_wait,
)
from devstack.lambda_world import api_function, create_hook_functions, scale_waits, set_variables
from devstack.state import DevstackState
from tests.e2e.test_lambda_deployments import HOOK_SOURCE

WAIT_SCALE = "0.02"
RUN_TIMEOUT = 150.0
HOOKS = {
    "CodeDeployHook_ecs_ok": {"VERDICT": "Succeeded"},
    "CodeDeployHook_ecs_fail": {"VERDICT": "Failed"},
}
OK, FAIL = "CodeDeployHook_ecs_ok", "CodeDeployHook_ecs_fail"
ALARM = "e2e-ecs-errors"


@dataclass(frozen=True)
class Snapshot:
    """What the deployment changes, at one moment."""

    prod: dict[str, int]
    test: dict[str, int]
    task_sets: tuple[tuple[str, str], ...]  # (target group name, status), sorted


@dataclass
class EcsApp:
    devstack: DevstackState
    world: EcsWorld
    application: str = "e2e-ecs"
    group: str = "e2e-ecs-group"

    @property
    def names(self) -> dict[str, str]:
        return {
            self.world.blue_target_group: self.world.blue_name,
            self.world.green_target_group: self.world.green_name,
        }

    def _weights(self, listener: str) -> dict[str, int]:
        elbv2 = self.devstack.aws_client("elbv2")
        (found,) = elbv2.describe_listeners(ListenerArns=[listener])["Listeners"]
        weights: dict[str, int] = {}
        for action in found["DefaultActions"]:
            groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
            if groups:
                weights.update(
                    {self.names[g["TargetGroupArn"]]: g.get("Weight", 1) for g in groups}
                )
            elif action.get("TargetGroupArn"):
                weights[self.names[action["TargetGroupArn"]]] = 100
        shares = {name: weight for name, weight in weights.items() if weight}
        # One target group takes everything, whatever weight it is written with.
        return dict.fromkeys(shares, 100) if len(shares) == 1 else shares

    def snapshot(self) -> Snapshot:
        ecs = self.devstack.aws_client("ecs")
        (service,) = ecs.describe_services(
            cluster=self.world.cluster, services=[self.world.service]
        )["services"]
        task_sets = tuple(
            sorted(
                (self.names[t["loadBalancers"][0]["targetGroupArn"]], t["status"])
                for t in service.get("taskSets") or ()
            )
        )
        return Snapshot(
            self._weights(self.world.prod_listener),
            self._weights(self.world.test_listener),
            task_sets,
        )

    def original(self) -> tuple[str, str]:
        """The (original, replacement) target group names now."""
        (primary,) = [name for name, status in self.snapshot().task_sets if status == "PRIMARY"]
        other = self.world.green_name if primary == self.world.blue_name else self.world.blue_name
        return primary, other

    def deploy(self, config: str, hooks: dict[str, str]) -> str:
        return str(
            self.devstack.codedeploy_client().create_deployment(
                applicationName=self.application,
                deploymentGroupName=self.group,
                deploymentConfigName=config,
                # Identical requests are one deployment (CreateDeployment is idempotent here).
                description=f"e2e {uuid.uuid4()}",
                revision=ecs_appspec(self.world, hooks),
            )["deploymentId"]
        )

    def info(self, deployment_id: str) -> dict[str, Any]:
        codedeploy = self.devstack.codedeploy_client()
        return dict(codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"])

    def watch(
        self, deployment_id: str, *, until: Any = None
    ) -> tuple[dict[str, Any], list[Snapshot]]:
        """Poll until the deployment ends (or ``until(snapshot)``): its info and every distinct
        snapshot seen.

        Snapshots (direct calls to the devstack's ECS and ELB) are taken back to back, while a
        thread reads the deployment's status (a call through the API and its function, much
        slower on a loaded machine), so that no traffic step goes unseen however slow that is."""
        seen: list[Snapshot] = []
        ended: list[dict[str, Any]] = []
        stop = threading.Event()

        def read_status() -> None:
            while not stop.is_set():
                info = self.info(deployment_id)
                if info["status"] in ("Succeeded", "Failed", "Stopped"):
                    ended.append(info)
                    return
                stop.wait(0.2)

        reader = threading.Thread(target=read_status, daemon=True)
        reader.start()
        deadline = time.monotonic() + RUN_TIMEOUT
        try:
            while time.monotonic() < deadline:
                snapshot = self.snapshot()
                if not seen or seen[-1] != snapshot:
                    seen.append(snapshot)
                if until is not None and until(snapshot):
                    return self.info(deployment_id), seen
                if ended:
                    final = self.snapshot()
                    if seen[-1] != final:
                        seen.append(final)
                    return ended[0], seen
                time.sleep(0.05)
        finally:
            stop.set()
            reader.join(timeout=30)
        raise AssertionError(
            f"{deployment_id} did not end within {RUN_TIMEOUT} s: {self.info(deployment_id)}, "
            f"{seen[-1]}"
        )

    def target(self, deployment_id: str) -> dict[str, Any]:
        codedeploy = self.devstack.codedeploy_client()
        (target_id,) = codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
        (target,) = codedeploy.batch_get_deployment_targets(
            deploymentId=deployment_id, targetIds=[target_id]
        )["deploymentTargets"]
        assert target["deploymentTargetType"] == "ECSTarget"
        return dict(target["ecsTarget"])

    def termination_wait(self, minutes: int, *, ready_wait: int | None = None) -> None:
        self.devstack.codedeploy_client().update_deployment_group(
            applicationName=self.application,
            currentDeploymentGroupName=self.group,
            blueGreenDeploymentConfiguration=termination_wait(minutes, ready_wait=ready_wait),
        )


@pytest.fixture(scope="module")
def app(devstack: DevstackState) -> Iterator[EcsApp]:
    lambda_client = devstack.aws_client("lambda")
    api = api_function(lambda_client)
    variables = scale_waits(lambda_client, api, WAIT_SCALE)
    create_hook_functions(lambda_client, api["Role"], HOOK_SOURCE, HOOKS)
    world = build_ecs_world(
        devstack.aws_client("ec2"), devstack.aws_client("elbv2"), devstack.aws_client("ecs")
    )
    ecs_app = EcsApp(devstack, world)
    create_ecs_group(
        devstack.codedeploy_client(),
        world,
        application=ecs_app.application,
        group=ecs_app.group,
        role=api["Role"],
    )
    yield ecs_app
    set_variables(lambda_client, api, variables)


def test_a_linear_deployment_shifts_the_production_listener_ten_percent_a_step(app: EcsApp):
    # Given the service on its original task set, and hooks that answer Succeeded
    original, replacement = app.original()
    hooks = dict.fromkeys(("BeforeInstall", "AfterInstall", "AfterAllowTraffic"), OK)

    # When a linear deployment of 10 % every 3 minutes runs (3.6 s a step at the module's wait
    # scale: every step is seen even on a loaded machine, where 1.2-s steps were missed)
    config = "e2e.ECSLinear10PercentEvery3Minutes"
    app.devstack.codedeploy_client().create_deployment_config(
        deploymentConfigName=config,
        computePlatform="ECS",
        trafficRoutingConfig={
            "type": "TimeBasedLinear",
            "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 3},
        },
    )
    deployment_id = app.deploy(config, hooks)
    info, seen = app.watch(deployment_id)

    # Then production traffic moved 10 % a step, with both task sets up, onto the replacement
    assert info["status"] == "Succeeded", info
    shares = [s.prod[replacement] for s in seen if s.prod.get(replacement)]
    assert list(dict.fromkeys(shares)) == [10 * n for n in range(1, 11)]
    assert shares == sorted(shares)
    both = ((original, "PRIMARY"), (replacement, "ACTIVE"))
    assert all(
        tuple(sorted(both)) == s.task_sets for s in seen if 0 < s.prod.get(replacement, 0) < 100
    )
    assert seen[-1].prod == {replacement: 100}
    assert seen[-1].task_sets == ((replacement, "PRIMARY"),)
    assert info["computePlatform"] == "ECS"
    assert info["deploymentOverview"]["Succeeded"] == 1
    # and GetDeployment answers the group's style, blue/green configuration and load balancers
    assert info["deploymentStyle"] == {
        "deploymentType": "BLUE_GREEN",
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
    }
    group = app.devstack.codedeploy_client().get_deployment_group(
        applicationName=app.application, deploymentGroupName=app.group
    )["deploymentGroupInfo"]
    assert info["blueGreenDeploymentConfiguration"] == group["blueGreenDeploymentConfiguration"]
    assert info["loadBalancerInfo"] == group["loadBalancerInfo"]
    (pair,) = info["loadBalancerInfo"]["targetGroupPairInfoList"]
    assert pair["testTrafficRoute"] == {"listenerArns": [app.world.test_listener]}


def test_all_at_once_sends_test_traffic_to_the_replacement_before_production(app: EcsApp):
    # Given an AfterAllowTestTraffic hook that answers Succeeded
    original, replacement = app.original()

    # When an all-at-once deployment runs
    deployment_id = app.deploy("CodeDeployDefault.ECSAllAtOnce", {"AfterAllowTestTraffic": OK})
    info, seen = app.watch(deployment_id)

    # Then the test listener went to the replacement before production did, then production
    assert info["status"] == "Succeeded", info
    target = app.target(deployment_id)
    at = {e["lifecycleEventName"]: e for e in target["lifecycleEvents"]}
    assert at["AllowTestTraffic"]["endTime"] <= at["AllowTraffic"]["startTime"]
    assert all(s.prod == {original: 100} for s in seen if s.test == {original: 100})
    assert seen[-1].prod == {replacement: 100}
    assert seen[-1].test == {replacement: 100}
    # and the target reads back as CodeDeploy's ECSTarget
    assert target["targetId"] == f"{app.world.cluster}:{app.world.service}"
    assert target["status"] == "Succeeded"
    assert [(e["lifecycleEventName"], e["status"]) for e in target["lifecycleEvents"]] == [
        (name, "Succeeded")
        for name in (
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "AllowTestTraffic",
            "AfterAllowTestTraffic",
            "BeforeAllowTraffic",
            "AllowTraffic",
            "AfterAllowTraffic",
        )
    ]
    single = app.devstack.codedeploy_client().get_deployment_target(
        deploymentId=deployment_id, targetId=target["targetId"]
    )["deploymentTarget"]
    assert single == {"deploymentTargetType": "ECSTarget", "ecsTarget": target}
    (task_set,) = target["taskSetsInfo"]
    assert (task_set["taskSetLabel"], task_set["trafficWeight"]) == ("Green", 100.0)
    assert task_set["targetGroup"] == {"name": replacement}


def test_a_failed_after_allow_test_traffic_hook_puts_both_listeners_back(app: EcsApp):
    # Given an AfterAllowTestTraffic hook that answers Failed
    original, _replacement = app.original()

    # When a deployment runs
    deployment_id = app.deploy("CodeDeployDefault.ECSAllAtOnce", {"AfterAllowTestTraffic": FAIL})
    info, seen = app.watch(deployment_id)

    # Then the test listener had moved, and both listeners and the task sets are as before
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    # (the hook's answer may come faster than the listener is polled: the events say it moved)
    events = {
        e["lifecycleEventName"]: e["status"] for e in app.target(deployment_id)["lifecycleEvents"]
    }
    assert (events["AllowTestTraffic"], events["AfterAllowTestTraffic"]) == ("Succeeded", "Failed")
    assert events["AllowTraffic"] == "Skipped"
    assert all(s.prod == {original: 100} for s in seen)
    assert seen[-1] == Snapshot({original: 100}, {original: 100}, ((original, "PRIMARY"),))


def test_a_failed_after_allow_traffic_hook_shifts_production_back(app: EcsApp):
    # Given an AfterAllowTraffic hook that answers Failed
    original, replacement = app.original()

    # When an all-at-once deployment runs
    deployment_id = app.deploy("CodeDeployDefault.ECSAllAtOnce", {"AfterAllowTraffic": FAIL})
    info, seen = app.watch(deployment_id)

    # Then production had gone to the replacement (AllowTraffic done; the hook's answer may come
    # faster than the listener is polled), and it is back on the original, the replacement gone
    assert info["status"] == "Failed"
    events = {
        e["lifecycleEventName"]: e["status"] for e in app.target(deployment_id)["lifecycleEvents"]
    }
    assert (events["AllowTraffic"], events["AfterAllowTraffic"]) == ("Succeeded", "Failed")
    assert seen[-1] == Snapshot({original: 100}, {original: 100}, ((original, "PRIMARY"),))
    assert replacement not in seen[-1].prod


def test_stop_deployment_mid_traffic_puts_production_back_at_once(app: EcsApp):
    # Given a canary waiting between its steps
    original, replacement = app.original()
    deployment_id = app.deploy("CodeDeployDefault.ECSCanary10Percent15Minutes", {})
    app.watch(deployment_id, until=lambda s: s.prod.get(replacement) == 10)

    # When it is stopped
    answer = app.devstack.codedeploy_client().stop_deployment(deploymentId=deployment_id)

    # Then the stop succeeded, traffic is back on the original and the replacement is gone
    assert answer["status"] == "Succeeded"
    snapshot = app.snapshot()
    assert snapshot == Snapshot({original: 100}, {original: 100}, ((original, "PRIMARY"),))
    info, _ = app.watch(deployment_id)
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "MANUAL_STOP"


def test_continue_deployment_ends_the_termination_wait_early(app: EcsApp):
    # Given a group that waits 60 minutes (72 s scaled) before terminating the original
    app.termination_wait(60)
    original, replacement = app.original()
    deployment_id = app.deploy("CodeDeployDefault.ECSAllAtOnce", {})
    try:
        info, _ = app.watch(
            deployment_id,
            until=lambda s: s.task_sets == ((original, "ACTIVE"), (replacement, "PRIMARY")),
        )
        assert info["status"] == "InProgress"
        assert info["instanceTerminationWaitTimeStarted"] is True
        # When the wait is continued
        app.devstack.codedeploy_client().continue_deployment(
            deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT"
        )
        started = time.monotonic()
        info, seen = app.watch(deployment_id)
    finally:
        app.termination_wait(0)

    # Then the deployment succeeded well before the wait's end and the original is gone
    assert info["status"] == "Succeeded"
    assert time.monotonic() - started < 30
    assert seen[-1].task_sets == ((replacement, "PRIMARY"),)


def test_continue_deployment_of_an_ended_deployment_is_refused(app: EcsApp):
    # Given an ECS deployment that has ended
    deployment_id = app.deploy("CodeDeployDefault.ECSAllAtOnce", {})
    app.watch(deployment_id)
    codedeploy = app.devstack.codedeploy_client()

    # When it is continued, Then CodeDeploy's exception says why
    with pytest.raises(codedeploy.exceptions.DeploymentAlreadyCompletedException):
        codedeploy.continue_deployment(
            deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT"
        )
    with pytest.raises(codedeploy.exceptions.InvalidDeploymentWaitTypeException):
        codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="SOON")


def test_an_alarm_during_the_canary_bake_shifts_production_back_at_once(app: EcsApp):
    # Given a group watching an alarm (in OK), and a canary baking at 10 %
    cloudwatch = app.devstack.aws_client("cloudwatch")
    put_quiet_alarm(cloudwatch, ALARM)
    codedeploy = app.devstack.codedeploy_client()
    codedeploy.update_deployment_group(
        applicationName=app.application,
        currentDeploymentGroupName=app.group,
        alarmConfiguration={"enabled": True, "alarms": [{"name": ALARM}]},
    )
    original, replacement = app.original()
    try:
        deployment_id = app.deploy("CodeDeployDefault.ECSCanary10Percent15Minutes", {})
        app.watch(deployment_id, until=lambda s: s.prod.get(replacement) == 10)

        # When the alarm goes to ALARM (the devstack sends CloudWatch's state-change event)
        cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="errors")
        info, _ = app.watch(deployment_id)
    finally:
        codedeploy.update_deployment_group(
            applicationName=app.application,
            currentDeploymentGroupName=app.group,
            alarmConfiguration={"enabled": False, "alarms": []},
        )
        cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="quiet")

    # Then it is Stopped with ALARM_ACTIVE, traffic back on the original, the replacement gone
    assert info["status"] == "Stopped", info
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert app.snapshot() == Snapshot({original: 100}, {original: 100}, ((original, "PRIMARY"),))


def test_continue_deployment_of_an_unknown_deployment_is_refused(app: EcsApp):
    # Given no such deployment / When it is continued / Then CodeDeploy's exceptions say why
    codedeploy = app.devstack.codedeploy_client()
    with pytest.raises(codedeploy.exceptions.DeploymentDoesNotExistException):
        codedeploy.continue_deployment(deploymentId="d-AAAAAAAAA")
    with pytest.raises(codedeploy.exceptions.InvalidDeploymentIdException):
        codedeploy.continue_deployment(deploymentId="not-an-id")
    with pytest.raises(codedeploy.exceptions.DeploymentIdRequiredException):
        codedeploy.continue_deployment()


def test_continue_ready_wait_reroutes_production_after_the_ready_wait(app: EcsApp):
    # Given a group that waits (STOP_DEPLOYMENT, 60 minutes: 72 s scaled) before rerouting
    app.termination_wait(0, ready_wait=60)
    original, replacement = app.original()
    codedeploy = app.devstack.codedeploy_client()
    deployment_id = app.deploy("CodeDeployDefault.ECSAllAtOnce", {"AfterAllowTestTraffic": OK})
    try:
        app.watch(deployment_id, until=lambda s: app.info(deployment_id)["status"] == "Ready")
        waiting, ready_info = app.snapshot(), app.info(deployment_id)
        with pytest.raises(codedeploy.exceptions.DeploymentIsNotInReadyStateException):
            codedeploy.continue_deployment(
                deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT"
            )

        # When rerouting is continued
        codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="READY_WAIT")
        started = time.monotonic()
        info, seen = app.watch(deployment_id)
    finally:
        app.termination_wait(0)

    # Then it was Ready with test traffic on the replacement and production on the original,
    # and then production went over and it succeeded well before the ready wait's end
    assert waiting.prod == {original: 100}
    assert waiting.test == {replacement: 100}
    assert ready_info["instanceTerminationWaitTimeStarted"] is False
    assert info["status"] == "Succeeded", info
    assert time.monotonic() - started < 30
    assert seen[-1].prod == {replacement: 100}
    ready = info["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]
    assert ready == {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60}


def test_a_ready_wait_that_runs_out_stops_the_deployment(app: EcsApp):
    # Given a group that waits 1 minute (2 s scaled) for ContinueDeployment(READY_WAIT)
    app.termination_wait(0, ready_wait=1)
    original, _replacement = app.original()
    try:
        # When nobody continues the deployment
        deployment_id = app.deploy("CodeDeployDefault.ECSAllAtOnce", {})
        info, seen = app.watch(deployment_id)
    finally:
        app.termination_wait(0)

    # Then it is Stopped, production never moved, the test listener and task sets are back
    assert info["status"] == "Stopped", info
    assert info["errorInformation"]["code"] == "TIMEOUT"
    assert all(s.prod == {original: 100} for s in seen)
    assert seen[-1] == Snapshot({original: 100}, {original: 100}, ((original, "PRIMARY"),))
