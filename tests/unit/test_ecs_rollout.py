"""ECS deployments with fakes: CreateDeployment's checks against the service, the task definition
and the target groups, the replacement's target group and traffic steps, and the rollout's
decisions (traffic forward, traffic back on failure and stop, the termination wait)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from rollwright.account_region import AccountRegion
from rollwright.applications import Application, ComputePlatform
from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    BlueInstanceTermination,
    DeploymentGroupSettings,
    DeploymentOption,
    DeploymentReadyAction,
    DeploymentReadyOption,
    DeploymentStyle,
    DeploymentType,
    EcsService,
    InstanceAction,
    LoadBalancerInfo,
    TargetGroupPair,
)
from rollwright.deployment_groups import DeploymentGroup
from rollwright.deployment_requests import CreateDeploymentRequest
from rollwright.deployment_status import DeploymentStatus
from rollwright.ecs_deployments import EcsDeployments
from rollwright.ecs_records import TaskSet
from rollwright.ecs_rollout import EcsRollout
from rollwright.errors import (
    DeploymentIsNotInReadyStateException,
    InvalidDeploymentConfigNameException,
    InvalidRevisionException,
)
from rollwright.lambda_traffic import TrafficFailure
from rollwright.lifecycle import LifecycleEvent, LifecycleEventStatus
from rollwright.operations.ecs_deployment_shapes import ecs_deployment_members
from rollwright.predefined_deployment_configs import PREDEFINED_DEPLOYMENT_CONFIGS
from rollwright.revision_locations import AppSpecText, BundleType, RevisionType, S3Location
from rollwright.traffic_rollout import DeploymentEndedError
from tests.fakes.ecs_world import (
    BLUE,
    CLUSTER,
    GREEN,
    ORIGINAL,
    PROD,
    SERVICE,
    TASK_DEFINITION,
    TEST,
    FakeEcs,
    FakeListeners,
    InMemoryEcsDeployments,
    NoBookkeeping,
    RecordingHooks,
)
from tests.fakes.task_tokens import RecordingTokens

NOW = datetime(2026, 11, 28, tzinfo=UTC)
ECS_STYLE = DeploymentStyle(DeploymentType.BLUE_GREEN, DeploymentOption.WITH_TRAFFIC_CONTROL)


def appspec(container: str = "web", port: int = 80, hooks: dict[str, str] | None = None) -> str:
    return json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    "TargetService": {
                        "Type": "AWS::ECS::Service",
                        "Properties": {
                            "TaskDefinition": TASK_DEFINITION,
                            "LoadBalancerInfo": {"ContainerName": container, "ContainerPort": port},
                        },
                    }
                }
            ],
            "Hooks": [{event: function} for event, function in (hooks or {}).items()],
        }
    )


def request(text: str, config: str | None = None) -> CreateDeploymentRequest:
    revision = AppSpecText(
        RevisionType.APPSPEC_CONTENT, hashlib.sha256(text.encode()).hexdigest(), text
    )
    return CreateDeploymentRequest("app", "group", revision=revision, deployment_config_name=config)


def group(
    *, test_listener: bool = True, wait_minutes: int = 5, ready_minutes: int | None = None
) -> DeploymentGroup:
    pair = TargetGroupPair(("web-blue", "web-green"), (PROD,), (TEST,) if test_listener else None)
    return DeploymentGroup(
        deployment_group_id="group-id",
        application_id="app-id",
        name="group",
        compute_platform=ComputePlatform.ECS,
        settings=DeploymentGroupSettings(
            deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
            service_role_arn="arn:aws:iam::123456789012:role/codedeploy",
            deployment_style=ECS_STYLE,
            blue_green_configuration=BlueGreenConfiguration(
                terminate_blue_instances=BlueInstanceTermination(
                    InstanceAction.TERMINATE, wait_minutes
                ),
                deployment_ready=(
                    None
                    if ready_minutes is None
                    else DeploymentReadyOption(DeploymentReadyAction.STOP_DEPLOYMENT, ready_minutes)
                ),
            ),
            load_balancer_info=LoadBalancerInfo(target_group_pairs=(pair,)),
            ecs_services=(EcsService(CLUSTER, SERVICE),),
        ),
    )


class World:
    def __init__(self, *, controller: str = "CODE_DEPLOY", objects: Any = None) -> None:
        self.ecs = FakeEcs(controller=controller)
        self.listeners = FakeListeners()
        self.store = InMemoryEcsDeployments()
        self.tokens = RecordingTokens()
        self.hooks = RecordingHooks()
        self.now = NOW.timestamp()
        self.rollout = EcsRollout(
            self.store,
            self.ecs,
            self.listeners,
            tasks=self.tokens,
            hooks=self.hooks,
            groups=NoBookkeeping(),
            revisions=NoBookkeeping(),
            clock=lambda: self.now,
        )
        self.deployments = EcsDeployments(
            self.store,
            services=self.ecs,
            listeners=self.listeners,
            appspec_objects=objects,
            workflows=None,  # type: ignore[arg-type]
            rollout=lambda: self.rollout,
            account_region=AccountRegion("aws", "us-east-1", "123456789012"),
            wait_scale=0.01,
        )

    def create(
        self, text: str | None = None, *, config: str = "CodeDeployDefault.ECSAllAtOnce", **kw: Any
    ) -> str:
        created = self.deployments.create(
            request(text or appspec()),
            application=Application("app-id", "app", ComputePlatform.ECS, NOW),
            group=group(**kw),
            config=PREDEFINED_DEPLOYMENT_CONFIGS[config],
            deployment_id="d-ABCDEFGHI",
            key="key",
            now=NOW,
            creator="user",
        )
        return created.deployment_id

    def through_hook(self, event: LifecycleEvent) -> None:
        self.rollout.hook("d-ABCDEFGHI", event, f"token-{event}")


# --- CreateDeployment ---------------------------------------------------------------------------


def test_the_replacement_goes_on_the_target_group_the_original_does_not_use() -> None:
    world = World()

    world.create()

    (written,) = world.store.created
    traffic = written.target.traffic
    assert traffic is not None
    assert (traffic.original_target_group, traffic.replacement_target_group) == (BLUE, GREEN)
    assert (traffic.prod_listener, traffic.test_listener) == (PROD, TEST)
    assert written.target.original_task_set == ORIGINAL
    assert written.ended is None


def test_a_linear_config_becomes_ten_steps_with_scaled_waits() -> None:
    world = World()

    world.create(config="CodeDeployDefault.ECSLinear10PercentEvery1Minutes")

    steps = world.store.created[0].steps
    assert [step.weight for step in steps] == [Decimal(n) / 10 for n in range(1, 11)]
    assert {step.wait_seconds for step in steps[:-1]} == {1}  # 60 s x 0.01, at least 1 s


def test_the_termination_wait_is_the_groups_scaled() -> None:
    world = World()

    world.create(wait_minutes=10)

    assert world.store.created[0].target.termination_wait_seconds == 6


def test_a_server_config_is_refused_for_an_ecs_group() -> None:
    with pytest.raises(InvalidDeploymentConfigNameException):
        World().create(config="CodeDeployDefault.OneAtATime")


def test_a_malformed_appspec_is_refused_and_nothing_is_written() -> None:
    world = World()

    with pytest.raises(InvalidRevisionException):
        world.create("version: 0.0\nResources: []")

    assert world.store.created == []


@pytest.mark.parametrize(
    ("text", "controller", "code", "words"),
    [
        (appspec(container="api"), "CODE_DEPLOY", "INVALID_REVISION", "container api"),
        (appspec(port=8080), "CODE_DEPLOY", "INVALID_REVISION", "port 8080"),
        (appspec(), "ECS", "INVALID_ECS_SERVICE", "controller ECS"),
    ],
)
def test_a_revision_the_service_cannot_take_is_written_failed(
    text: str, controller: str, code: str, words: str
) -> None:
    world = World(controller=controller)

    world.create(text)

    ended = world.store.created[0].ended
    assert ended is not None
    assert ended.status is DeploymentStatus.FAILED
    assert ended.error_code == code
    assert words in ended.message


def test_a_missing_target_group_fails_the_deployment() -> None:
    world = World()
    del world.listeners.groups["web-green"]

    world.create()

    ended = world.store.created[0].ended
    assert ended is not None
    assert ended.error_code == "ELASTIC_LOAD_BALANCING_INVALID"


# --- the rollout ----------------------------------------------------------------------------------


def test_install_creates_the_replacement_on_the_green_target_group_at_the_originals_scale() -> None:
    world = World()
    deployment_id = world.create()

    world.rollout.install(deployment_id)

    assert world.ecs.created == [{"target_group": GREEN, "scale": 50.0}]
    record = world.store.find(deployment_id)
    assert record is not None
    assert record.replacement_task_set in world.ecs.task_sets


def test_install_succeeds_once_the_replacement_task_set_is_steady() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)

    answer = world.rollout.check_replacement(deployment_id)

    record = world.store.find(deployment_id)
    assert record is not None
    assert answer == {"steady": True}
    assert record.events[LifecycleEvent.INSTALL].status is LifecycleEventStatus.SUCCEEDED


def test_install_waits_while_the_replacement_task_set_stabilizes() -> None:
    world = World()
    world.ecs.replacement_stability = "STABILIZING"
    deployment_id = world.create()
    world.rollout.install(deployment_id)
    world.now += 30  # the hook timeout, scaled: 36 s

    answer = world.rollout.check_replacement(deployment_id)

    record = world.store.find(deployment_id)
    assert record is not None
    assert answer == {"steady": False}
    assert record.events[LifecycleEvent.INSTALL].status is LifecycleEventStatus.IN_PROGRESS
    assert world.rollout.plan(deployment_id)["steadyPollSeconds"] == 1


def test_a_replacement_never_steady_fails_the_deployment_with_ecs_update_error() -> None:
    world = World()
    world.ecs.replacement_stability = "STABILIZING"
    deployment_id = world.create()
    world.rollout.install(deployment_id)
    world.now += 36

    with pytest.raises(DeploymentEndedError):
        world.rollout.check_replacement(deployment_id)

    record = world.store.find(deployment_id)
    assert record is not None
    assert record.status is DeploymentStatus.FAILED
    assert record.outcome is not None
    assert record.outcome.error_code == "ECS_UPDATE_ERROR"
    assert "0 of 2 tasks running, STABILIZING" in record.outcome.message
    assert list(world.ecs.task_sets) == [ORIGINAL]


def test_allow_test_traffic_moves_only_the_test_listener() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)

    world.rollout.allow_test_traffic(deployment_id)

    assert world.listeners.weights(TEST) == {GREEN: 100}
    assert world.listeners.weights(PROD) == {BLUE: 1}


def test_a_canary_step_splits_the_production_listener() -> None:
    world = World()
    deployment_id = world.create(config="CodeDeployDefault.ECSCanary10Percent5Minutes")
    world.rollout.install(deployment_id)

    after = world.rollout.shift(deployment_id, 0)

    assert world.listeners.weights(PROD) == {BLUE: 90, GREEN: 10}
    assert (after["step"], after["done"]) == (1, False)


def test_the_last_step_puts_all_production_traffic_on_the_replacement() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)

    after = world.rollout.shift(deployment_id, 0)

    assert world.listeners.weights(PROD) == {GREEN: 100}
    assert after["done"] is True


def test_a_failed_hook_after_install_puts_traffic_back_and_removes_the_replacement() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)
    world.rollout.allow_test_traffic(deployment_id)
    world.store.start_event(
        deployment_id, LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC, token="t", now=0
    )

    ended = world.rollout.finish(deployment_id, {"Error": TrafficFailure.HOOK_FAILED.value})

    assert ended["status"] == "Failed"
    assert ended["errorCode"] == "HOOK_EXECUTION_FAILURE"
    assert world.listeners.weights(PROD) == {BLUE: 100}
    assert world.listeners.weights(TEST) == {BLUE: 100}
    assert list(world.ecs.task_sets) == [ORIGINAL]
    assert world.ecs.primary() == ORIGINAL


def test_a_failure_before_install_leaves_everything_as_it_was() -> None:
    world = World()
    deployment_id = world.create()
    world.store.start_event(deployment_id, LifecycleEvent.BEFORE_INSTALL, token="t", now=0)

    world.rollout.finish(deployment_id, {"Error": TrafficFailure.HOOK_FAILED.value})

    assert world.listeners.listeners == {PROD: {BLUE: 1}, TEST: {BLUE: 1}}
    assert list(world.ecs.task_sets) == [ORIGINAL]


def test_a_stop_during_the_termination_wait_makes_the_original_primary_again() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)
    world.rollout.shift(deployment_id, 0)
    world.rollout.wait_for_termination(deployment_id, "wait-token")

    stopped = world.rollout.end_now(deployment_id, TrafficFailure.STOPPED)

    assert stopped is True
    assert world.ecs.primary() == ORIGINAL
    assert world.listeners.weights(PROD) == {BLUE: 100}
    record = world.store.find(deployment_id)
    assert record is not None
    assert record.status is DeploymentStatus.STOPPED


def test_a_shift_after_a_stop_ends_the_step_and_changes_no_weight() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)
    world.rollout.end_now(deployment_id, TrafficFailure.STOPPED)

    with pytest.raises(Exception, match="has ended"):
        world.rollout.shift(deployment_id, 0)

    assert world.listeners.weights(PROD) == {BLUE: 100}


def test_success_deletes_the_original_and_keeps_the_replacement_primary() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)
    world.rollout.shift(deployment_id, 0)
    world.rollout.wait_for_termination(deployment_id, "wait-token")

    ended = world.rollout.finish(deployment_id, {"Error": ""})

    record = world.store.find(deployment_id)
    assert ended["status"] == "Succeeded"
    assert record is not None
    assert list(world.ecs.task_sets) == [record.replacement_task_set]
    assert world.ecs.primary() == record.replacement_task_set


def test_continue_answers_the_termination_wait_once() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)
    world.rollout.shift(deployment_id, 0)
    world.rollout.wait_for_termination(deployment_id, "wait-token")

    world.deployments.continue_deployment(deployment_id, "TERMINATION_WAIT")

    assert world.tokens.answers == [{"continued": "TERMINATION_WAIT"}]
    with pytest.raises(DeploymentIsNotInReadyStateException):
        world.deployments.continue_deployment(deployment_id, "TERMINATION_WAIT")


def test_continue_before_the_termination_wait_is_not_in_ready_state() -> None:
    world = World()
    deployment_id = world.create()

    with pytest.raises(DeploymentIsNotInReadyStateException):
        world.deployments.continue_deployment(deployment_id, "TERMINATION_WAIT")


def test_a_hook_event_with_a_function_starts_the_runner() -> None:
    world = World()
    deployment_id = world.create(appspec(hooks={"AfterInstall": "CodeDeployHook_check"}))

    world.rollout.hook(deployment_id, LifecycleEvent.AFTER_INSTALL, "token")
    world.rollout.hook(deployment_id, LifecycleEvent.BEFORE_INSTALL, "token-2")

    assert world.hooks.started == [LifecycleEvent.AFTER_INSTALL]
    assert world.tokens.answers == [{"event": "BeforeInstall"}]


def test_without_a_test_listener_allow_test_traffic_moves_nothing() -> None:
    world = World()
    deployment_id = world.create(test_listener=False)
    world.rollout.install(deployment_id)

    world.rollout.allow_test_traffic(deployment_id)

    assert world.listeners.listeners == {PROD: {BLUE: 1}, TEST: {BLUE: 1}}
    record = world.store.find(deployment_id)
    assert record is not None
    assert record.events[LifecycleEvent.ALLOW_TEST_TRAFFIC].status is LifecycleEventStatus.SUCCEEDED


def test_a_service_with_a_second_task_set_fails_the_deployment() -> None:
    world = World()
    leftover = f"{ORIGINAL[:-1]}9"
    world.ecs.task_sets[leftover] = TaskSet(leftover, "ecs-svc/9", "ACTIVE", "web:1", (GREEN,))

    world.create()

    ended = world.store.created[0].ended
    assert ended is not None
    assert ended.error_code == "INVALID_ECS_SERVICE"
    assert "2 task sets" in ended.message


def test_the_roles_alternate_when_the_original_is_on_the_green_target_group() -> None:
    world = World()
    world.ecs.task_sets[ORIGINAL] = TaskSet(ORIGINAL, "ecs-svc/1", "PRIMARY", "web:1", (GREEN,))

    world.create()

    traffic = world.store.created[0].target.traffic
    assert traffic is not None
    assert (traffic.original_target_group, traffic.replacement_target_group) == (GREEN, BLUE)


class YamlObjects:
    def __init__(self, text: str) -> None:
        self.text = text
        self.read_from: list[S3Location] = []

    def read(self, location: S3Location) -> bytes:
        self.read_from.append(location)
        return self.text.encode()


def test_an_appspec_in_s3_is_read_from_the_yaml_object() -> None:
    # Given an S3 object of bundle type YAML holding the AppSpec
    objects = YamlObjects(
        f"version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n"
        f"      Properties:\n        TaskDefinition: {TASK_DEFINITION}\n"
        f"        LoadBalancerInfo: {{ContainerName: web, ContainerPort: 80}}\n"
    )
    world = World(objects=objects)
    location = S3Location("bucket", "appspec.yaml", BundleType.YAML)

    # When a deployment of it is created
    world.deployments.create(
        CreateDeploymentRequest("app", "group", revision=location),
        application=Application("app-id", "app", ComputePlatform.ECS, NOW),
        group=group(),
        config=PREDEFINED_DEPLOYMENT_CONFIGS["CodeDeployDefault.ECSAllAtOnce"],
        deployment_id="d-ABCDEFGHI",
        key="key",
        now=NOW,
        creator="user",
    )

    # Then the object was read and the deployment written with its task definition
    assert objects.read_from == [location]
    assert world.store.created[0].appspec.task_definition == TASK_DEFINITION


# --- the ready wait (deploymentReadyOption) ------------------------------------------------------


def test_stop_deployment_ready_option_makes_the_deployment_wait_its_scaled_minutes() -> None:
    world = World()

    world.create(ready_minutes=10)

    target = world.store.created[0].target
    assert (target.ready_wait_minutes, target.ready_wait_seconds) == (10, 6)


def test_without_a_ready_option_production_traffic_is_rerouted_at_once() -> None:
    world = World()
    deployment_id = world.create()

    state = world.rollout.plan(deployment_id)

    assert state["readyWaitSeconds"] == 0


def test_the_ready_wait_makes_the_deployment_ready_and_keeps_production_on_the_original() -> None:
    world = World()
    deployment_id = world.create(ready_minutes=10)
    world.rollout.install(deployment_id)
    world.rollout.allow_test_traffic(deployment_id)

    world.rollout.wait_until_ready(deployment_id, "ready-token")

    record = world.store.find(deployment_id)
    assert record is not None
    assert record.status is DeploymentStatus.READY
    assert GREEN not in world.listeners.weights(PROD)
    assert world.listeners.weights(TEST) == {GREEN: 100}


def test_continue_ready_wait_answers_the_wait_once_and_the_deployment_goes_on() -> None:
    world = World()
    deployment_id = world.create(ready_minutes=10)
    world.rollout.install(deployment_id)
    world.rollout.wait_until_ready(deployment_id, "ready-token")

    world.deployments.continue_deployment(deployment_id, "READY_WAIT")

    record = world.store.find(deployment_id)
    assert record is not None
    assert record.status is DeploymentStatus.IN_PROGRESS
    assert world.tokens.answers == [{"continued": "READY_WAIT"}]
    with pytest.raises(DeploymentIsNotInReadyStateException):
        world.deployments.continue_deployment(deployment_id, "READY_WAIT")


def test_continue_termination_wait_during_the_ready_wait_is_not_in_ready_state() -> None:
    world = World()
    deployment_id = world.create(ready_minutes=10)
    world.rollout.install(deployment_id)
    world.rollout.wait_until_ready(deployment_id, "ready-token")

    with pytest.raises(DeploymentIsNotInReadyStateException):
        world.deployments.continue_deployment(deployment_id, "TERMINATION_WAIT")

    assert world.tokens.answers == []


def test_continue_ready_wait_without_a_ready_wait_is_not_in_ready_state() -> None:
    world = World()
    deployment_id = world.create()
    world.rollout.install(deployment_id)
    world.rollout.shift(deployment_id, 0)
    world.rollout.wait_for_termination(deployment_id, "wait-token")

    with pytest.raises(DeploymentIsNotInReadyStateException):
        world.deployments.continue_deployment(deployment_id, "READY_WAIT")


def test_a_ready_wait_that_runs_out_stops_the_deployment_and_removes_the_replacement() -> None:
    world = World()
    deployment_id = world.create(ready_minutes=10)
    world.rollout.install(deployment_id)
    world.rollout.allow_test_traffic(deployment_id)
    world.rollout.wait_until_ready(deployment_id, "ready-token")

    ended = world.rollout.ready_wait_expired(deployment_id)

    record = world.store.find(deployment_id)
    assert record is not None
    assert (ended["status"], record.status) == ("Stopped", DeploymentStatus.STOPPED)
    assert "10 minutes" in ended["message"]
    assert list(world.ecs.task_sets) == [ORIGINAL]
    assert world.listeners.weights(TEST) == {BLUE: 100}


# --- GetDeployment's ECS members ---------------------------------------------------------------


def test_get_deployment_answers_the_groups_blue_green_and_load_balancer_info() -> None:
    world = World()
    deployment_id = world.create(wait_minutes=7, ready_minutes=30)

    record = world.store.find(deployment_id)
    assert record is not None
    members = ecs_deployment_members(record)

    assert members["blueGreenDeploymentConfiguration"] == {
        "terminateBlueInstancesOnDeploymentSuccess": {
            "action": "TERMINATE",
            "terminationWaitTimeInMinutes": 7,
        },
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30},
    }
    assert members["loadBalancerInfo"] == {
        "targetGroupPairInfoList": [
            {
                "targetGroups": [{"name": "web-blue"}, {"name": "web-green"}],
                "prodTrafficRoute": {"listenerArns": [PROD]},
                "testTrafficRoute": {"listenerArns": [TEST]},
            }
        ]
    }
