"""The initial state of a Server deployment: order, counters, segments, start outcome."""

from __future__ import annotations

from rollwright.agent_protocol import BundleType, S3Revision
from rollwright.deployment_configs import MinimumHealthyHosts, MinimumHealthyHostsType
from rollwright.deployment_plan import (
    DeploymentSettings,
    InstanceHistory,
    plan_deployment,
)
from rollwright.lifecycle import LifecycleEvent
from rollwright.rollout import InstanceHealth, RevisionHealth
from rollwright.rollout_counters import RolloutErrorCode
from rollwright.target_selection import DeploymentTarget, TargetKind

ONE_AT_A_TIME = MinimumHealthyHosts(MinimumHealthyHostsType.MOST_CONCURRENCY, 1)


def _settings(rule: MinimumHealthyHosts = ONE_AT_A_TIME) -> DeploymentSettings:
    return DeploymentSettings(
        deployment_id="d-PLAN00001",
        application_name="app",
        application_id="app-id",
        deployment_group_name="group",
        deployment_group_id="group-id",
        revision=S3Revision("bucket", "key.zip", BundleType.ZIP),
        deployment_config_name="CodeDeployDefault.OneAtATime",
        minimum_healthy_hosts=rule,
    )


def _targets(*host_ids: str) -> list[DeploymentTarget]:
    return [DeploymentTarget(h, h, TargetKind.ON_PREMISES) for h in host_ids]


def test_hosts_are_placed_unhealthy_first_then_unknown_old_current():
    # Given hosts with different histories
    history = {
        "a": InstanceHistory(revision_health=RevisionHealth.CURRENT),
        "b": InstanceHistory(revision_health=RevisionHealth.OLD),
        "c": InstanceHistory(instance_health=InstanceHealth.UNHEALTHY),
    }
    # When the deployment is planned
    plan = plan_deployment(
        _settings(), _targets("a", "b", "c", "d"), create_time=1.0, history=history
    )
    # Then the positions follow CodeDeploy's order
    assert [(t.position, t.host_id) for t in plan.targets] == [
        (0, "c"),
        (1, "d"),
        (2, "b"),
        (3, "a"),
    ]
    assert plan.unhealthy_total == 1


def test_counters_start_with_every_host_pending_and_the_window_of_the_rule():
    plan = plan_deployment(_settings(), _targets("a", "b", "c"), create_time=1.0)
    counters = plan.counters
    assert (counters.minimum, counters.window, counters.pending_healthy) == (2, 1, 3)
    assert plan.start_outcome is None


def test_without_a_load_balancer_each_host_gets_one_agent_segment():
    plan = plan_deployment(_settings(), _targets("a"), create_time=1.0)
    (segment,) = plan.targets[0].segments
    assert segment[0] is LifecycleEvent.APPLICATION_STOP
    assert segment[-1] is LifecycleEvent.VALIDATE_SERVICE
    assert plan.targets[0].lifecycle_events[0] is LifecycleEvent.START


def test_no_targets_ends_with_no_instances():
    plan = plan_deployment(_settings(), [], create_time=1.0)
    assert plan.start_outcome is not None
    assert plan.start_outcome.error_code is RolloutErrorCode.NO_INSTANCES


def test_an_impossible_minimum_ends_with_health_constraints_invalid():
    rule = MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 95)
    plan = plan_deployment(_settings(rule), _targets(*"abcdefghij"), create_time=1.0)
    assert plan.start_outcome is not None
    assert plan.start_outcome.error_code is RolloutErrorCode.HEALTH_CONSTRAINTS_INVALID
