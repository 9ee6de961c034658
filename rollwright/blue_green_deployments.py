"""What CreateDeployment decides for an EC2 blue/green group before any workflow runs.

``blue_green_choices`` validates the request's ``targetInstances`` against the group's options,
labels the instances (the group's current targets are Blue; ``targetInstances`` picks the Green
ones for DISCOVER_EXISTING) and, for COPY_AUTO_SCALING_GROUP, names the Auto Scaling group that
will be copied. The result is what a blue/green deployment record will carry; the instances of a
copied group are only known once the copy is up, so ``fleets.green`` is empty then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rollwright.blue_green import (
    BlueGreenFleets,
    BlueGreenOptions,
    InstanceLabel,
    OverlappingFleetsError,
    blue_green_fleets,
    blue_green_options,
    label_events,
)
from rollwright.blue_green_fleet import copied_group
from rollwright.blue_green_plan import ROLLBACK_STEPS, BlueGreenStep, deployment_steps
from rollwright.blue_green_targets import TargetInstances, discovered_green, valid_target_instances
from rollwright.blue_green_waits import ready_wait, termination_wait
from rollwright.deployment_group_settings import DeploymentGroupSettings
from rollwright.deployment_plan import DeploymentPlan
from rollwright.errors import InvalidTargetInstancesException
from rollwright.minimum_healthy_hosts import plan_health
from rollwright.rollout_counters import initial_counters, start_outcome
from rollwright.target_selection import DeploymentTarget, Ec2Instance, TargetKind, select_targets
from rollwright.traffic_control import TrafficTargets


@dataclass(frozen=True)
class BlueGreenChoices:
    options: BlueGreenOptions
    target_instances: TargetInstances | None  # None: the green fleet is a copied group
    fleets: BlueGreenFleets
    copied_auto_scaling_group: str | None = None


def blue_green_choices(
    settings: DeploymentGroupSettings,
    *,
    deployment_group_name: str,
    target_instances: TargetInstances | None,
    blue_candidates: Sequence[Ec2Instance],
    green_candidates: Callable[[TargetInstances], Sequence[Ec2Instance]],
) -> BlueGreenChoices:
    """The blue/green choices of a deployment to the group with ``settings``.
    ``blue_candidates`` are the instances the group's own targeting may select;
    ``green_candidates`` reads those valid ``targetInstances`` may select (not called for a
    copied group, nor before ``targetInstances`` passed its rules)."""
    options = blue_green_options(settings.blue_green_configuration)
    green_request = valid_target_instances(
        target_instances, options, deployment_group_name=deployment_group_name
    )
    blue = tuple(
        target.instance_name
        for target in select_targets(settings, ec2_instances=blue_candidates)
        if target.kind is TargetKind.EC2
    )
    if green_request is None:
        source = copied_group(settings.auto_scaling_groups, deployment_group_name)
        return BlueGreenChoices(options, None, blue_green_fleets(blue, ()), source)
    green = discovered_green(green_request, green_candidates(green_request))
    try:
        fleets = blue_green_fleets(blue, green)
    except OverlappingFleetsError as overlap:
        raise InvalidTargetInstancesException(
            f"{overlap} targetInstances must name instances outside deployment group "
            f"{deployment_group_name}."
        ) from None
    return BlueGreenChoices(options, green_request, fleets)


# --- what a created blue/green deployment records ------------------------------------------------


@dataclass(frozen=True)
class BlueGreenDeployment:
    """A blue/green deployment's fixed choices: its options, fleets, the steps it runs
    (``blue_green_plan``) and its waits in the workflow's seconds (``blue_green_waits``)."""

    options: BlueGreenOptions
    fleets: BlueGreenFleets
    steps: tuple[BlueGreenStep, ...]
    ready_wait_seconds: int
    termination_wait_seconds: int
    target_instances: TargetInstances | None = None
    rollback: bool = False
    # COPY_AUTO_SCALING_GROUP: the group copied (green is its copy's instances, known once the
    # copy is up); a rollback: the copy it deletes once traffic is back on blue.
    copy_source: str | None = None
    delete_copy: str | None = None
    # The load balancers it reroutes (read back with the deployment, for ``loadBalancerInfo``).
    load_balancers: TrafficTargets | None = None


def blue_green_deployment(choices: BlueGreenChoices, *, wait_scale: float) -> BlueGreenDeployment:
    options = choices.options
    return BlueGreenDeployment(
        options,
        choices.fleets,
        deployment_steps(options),
        ready_wait_seconds=ready_wait(options, wait_scale=wait_scale).seconds or 0,
        termination_wait_seconds=termination_wait(options, wait_scale=wait_scale).seconds,
        target_instances=choices.target_instances,
        copy_source=choices.copied_auto_scaling_group,
    )


def blue_green_rollback(
    options: BlueGreenOptions, fleets: BlueGreenFleets, *, delete_copy: str | None = None
) -> BlueGreenDeployment:
    """The rollback of a deployment with ``fleets``: traffic back on its blue instances, then
    off its green ones (reference §5, the blue/green rollback columns), then the deletion of its
    Auto Scaling group copy (``delete_copy``), if it made one; no waits."""
    steps = ROLLBACK_STEPS + ((BlueGreenStep.DELETE_GREEN_COPY,) if delete_copy else ())
    return BlueGreenDeployment(
        options,
        fleets,
        steps,
        ready_wait_seconds=0,
        termination_wait_seconds=0,
        rollback=True,
        delete_copy=delete_copy,
    )


def blue_green_targets(deployment: BlueGreenDeployment) -> tuple[DeploymentTarget, ...]:
    """Every instance of both fleets as a deployment target (EC2 instances only)."""
    return tuple(
        DeploymentTarget(i.instance_id, i.instance_id, TargetKind.EC2)
        for i in deployment.fleets.instances()
    )


def blue_green_plan(plan: DeploymentPlan, deployment: BlueGreenDeployment) -> DeploymentPlan:
    """``plan`` (made for the same targets) with each instance's label and whole lifecycle
    (``label_events``), green first. Its segments and counters are those of the first pass,
    which the workflow sets (``blue_green_rollout``); until then every instance is Pending. A
    deployment whose green install could never succeed ends at once, as an in-place one does.

    The order puts the label of the first pass first (green; blue for a rollback): the sweep of a
    pass restarts a Pending host whose position is below the pass's claims, so the instances
    waiting for a later pass must hold positions above any the current pass claims."""
    labelled = deployment.fleets.instances()
    if deployment.rollback:
        labelled = (
            *deployment.fleets.instances(InstanceLabel.BLUE),
            *deployment.fleets.instances(InstanceLabel.GREEN),
        )
    by_host = {t.host_id: t for t in plan.targets}
    targets = tuple(
        replace(
            by_host[i.instance_id],
            position=position,
            healthy_at_start=True,
            lifecycle_events=label_events(i.label, rollback=deployment.rollback),
            segments=(),
            label=i.label.value,
        )
        for position, i in enumerate(labelled)
    )
    health = plan_health(plan.settings.minimum_healthy_hosts, len(targets))
    green = len(deployment.fleets.green)
    first = None
    if not deployment.rollback and deployment.copy_source is None:
        # (A copy's size is known once the copy is made: see ``blue_green_rollout``.)
        first = start_outcome(
            plan_health(plan.settings.minimum_healthy_hosts, green), available=green
        )
    return replace(
        plan,
        targets=targets,
        counters=initial_counters(health, healthy=len(targets), unhealthy=0),
        start_outcome=first,
    )
