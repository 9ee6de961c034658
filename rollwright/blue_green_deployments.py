"""What CreateDeployment decides for an EC2 blue/green group before any workflow runs.

``blue_green_choices`` validates the request's ``targetInstances`` against the group's options,
labels the instances (the group's current targets are Blue; ``targetInstances`` picks the Green
ones for DISCOVER_EXISTING) and, for COPY_AUTO_SCALING_GROUP, names the Auto Scaling group that
will be copied. The result is what a blue/green deployment record will carry; the instances of a
copied group are only known once the copy is up, so ``fleets.green`` is empty then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rollwright.blue_green import (
    BlueGreenFleets,
    BlueGreenOptions,
    OverlappingFleetsError,
    blue_green_fleets,
    blue_green_options,
)
from rollwright.blue_green_fleet import copied_group
from rollwright.blue_green_targets import TargetInstances, discovered_green, valid_target_instances
from rollwright.deployment_group_settings import DeploymentGroupSettings
from rollwright.errors import InvalidTargetInstancesException
from rollwright.target_selection import Ec2Instance, TargetKind, select_targets


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
