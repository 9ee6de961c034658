"""CreateDeployment's ``targetInstances``: the replacement (green) instances of an EC2 blue/green
deployment, validated against the group's blue/green options, and the instances it selects.

CodeDeploy's rules (botocore's ``TargetInstances`` and ``InvalidTargetInstancesException``
documentation, reference §8):

- ``targetInstances`` is for blue/green deployments only; an in-place group refuses it.
- With ``DISCOVER_EXISTING`` it is required: it is the only thing that says which instances are
  green. It names them by ``tagFilters`` **or** ``ec2TagSet`` (never both), and/or by
  ``autoScalingGroups``; at least one instance must match ("a specified tag is not currently
  applied to any instances").
- With ``COPY_AUTO_SCALING_GROUP`` CodeDeploy provisions green itself, so ``targetInstances``
  would be ignored; Rollwright refuses it rather than silently ignoring what the caller asked for
  (``docs/decisions.md``).

Every refusal is one of the exceptions CreateDeployment's model lists:
InvalidTargetInstancesException for the tags and the shape, InvalidAutoScalingGroupException for
Auto Scaling group names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rollwright.blue_green import BlueGreenOptions
from rollwright.deployment_group_rules import (
    MAX_AUTO_SCALING_GROUPS,
    MAX_TAG_GROUPS,
    MAX_TAGS_PER_GROUP,
    NAME_MAX_LENGTH,
    TAG_KEY_MAX_LENGTH,
    TAG_VALUE_MAX_LENGTH,
)
from rollwright.deployment_group_settings import TagFilter, TagFilterType, TagSet
from rollwright.errors import InvalidAutoScalingGroupException, InvalidTargetInstancesException
from rollwright.target_selection import Ec2Instance, Ec2InstanceState, tags_select

# "The limit of 10 tags for a tag type was exceeded" (InvalidTargetInstancesException's doc).
MAX_TAG_FILTERS = 10
_GONE = frozenset({Ec2InstanceState.SHUTTING_DOWN, Ec2InstanceState.TERMINATED})


@dataclass(frozen=True)
class TargetInstances:
    """CreateDeployment's ``targetInstances`` once its members have the model's types."""

    tag_filters: tuple[TagFilter, ...] = ()
    tag_set: TagSet = ()
    auto_scaling_groups: tuple[str, ...] = ()

    @property
    def names_instances(self) -> bool:
        return bool(self.tag_filters or self.tag_set or self.auto_scaling_groups)


def valid_target_instances(
    target_instances: TargetInstances | None,
    options: BlueGreenOptions,
    *,
    deployment_group_name: str,
) -> TargetInstances | None:
    """The request's green instances for a blue/green group with ``options``; None when the
    green fleet is a copy of the group's Auto Scaling group."""
    if options.copies_auto_scaling_group:
        if target_instances is not None:
            raise InvalidTargetInstancesException(
                f"Deployment group {deployment_group_name} copies its Auto Scaling group for "
                "the replacement instances (COPY_AUTO_SCALING_GROUP): leave targetInstances out."
            )
        return None
    if target_instances is None or not target_instances.names_instances:
        raise InvalidTargetInstancesException(
            f"Deployment group {deployment_group_name} uses existing instances as the "
            "replacement environment (DISCOVER_EXISTING): give targetInstances with tagFilters, "
            "an ec2TagSet or autoScalingGroups naming them."
        )
    _check_tags(target_instances)
    _check_auto_scaling_groups(target_instances.auto_scaling_groups)
    return target_instances


def _check_tags(target_instances: TargetInstances) -> None:
    if target_instances.tag_filters and target_instances.tag_set:
        raise InvalidTargetInstancesException(
            "targetInstances takes tagFilters or an ec2TagSet, not both."
        )
    if len(target_instances.tag_filters) > MAX_TAG_FILTERS:
        raise InvalidTargetInstancesException(
            f"targetInstances.tagFilters holds at most {MAX_TAG_FILTERS} tag filters, "
            f"got {len(target_instances.tag_filters)}."
        )
    _check_tag_filters(target_instances.tag_filters)
    if len(target_instances.tag_set) > MAX_TAG_GROUPS:
        raise InvalidTargetInstancesException(
            f"targetInstances.ec2TagSet holds at most {MAX_TAG_GROUPS} tag groups, "
            f"got {len(target_instances.tag_set)}."
        )
    for group in target_instances.tag_set:
        if not 1 <= len(group) <= MAX_TAGS_PER_GROUP:
            raise InvalidTargetInstancesException(
                f"A tag group of targetInstances.ec2TagSet holds 1 to {MAX_TAGS_PER_GROUP} tag "
                f"filters, got {len(group)}."
            )
        _check_tag_filters(group)


def _check_tag_filters(filters: Sequence[TagFilter]) -> None:
    for tag in filters:
        if tag.key is not None and len(tag.key) > TAG_KEY_MAX_LENGTH:
            raise InvalidTargetInstancesException(
                f"A targetInstances tag key is longer than {TAG_KEY_MAX_LENGTH} characters."
            )
        if tag.value is not None and len(tag.value) > TAG_VALUE_MAX_LENGTH:
            raise InvalidTargetInstancesException(
                f"A targetInstances tag value is longer than {TAG_VALUE_MAX_LENGTH} characters."
            )
        if tag.type in (TagFilterType.KEY_ONLY, TagFilterType.KEY_AND_VALUE) and not tag.key:
            raise InvalidTargetInstancesException(
                f"A {tag.type} tag filter of targetInstances needs a Key."
            )
        if tag.type is TagFilterType.VALUE_ONLY and not tag.value:
            raise InvalidTargetInstancesException(
                "A VALUE_ONLY tag filter of targetInstances needs a Value."
            )


def _check_auto_scaling_groups(names: Sequence[str]) -> None:
    if len(names) > MAX_AUTO_SCALING_GROUPS:
        raise InvalidAutoScalingGroupException(
            f"targetInstances names at most {MAX_AUTO_SCALING_GROUPS} Auto Scaling groups, "
            f"got {len(names)}."
        )
    for name in names:
        if not 1 <= len(name) <= NAME_MAX_LENGTH:
            raise InvalidAutoScalingGroupException(
                f"An Auto Scaling group name is 1 to {NAME_MAX_LENGTH} characters long."
            )
    if len(set(names)) != len(names):
        raise InvalidAutoScalingGroupException(
            "targetInstances names an Auto Scaling group more than once."
        )


def green_instances(
    target_instances: TargetInstances, candidates: Sequence[Ec2Instance]
) -> tuple[str, ...]:
    """The instances ``targetInstances`` selects among ``candidates`` (by tags as a group's
    ``ec2TagFilters``/``ec2TagSet`` do, or by Auto Scaling group), in id order; instances on
    their way out are never green."""
    groups = set(target_instances.auto_scaling_groups)
    return tuple(
        sorted(
            instance.instance_id
            for instance in candidates
            if instance.state not in _GONE
            and (
                tags_select(target_instances.tag_filters, target_instances.tag_set, instance.tags)
                or instance.auto_scaling_group in groups
            )
        )
    )


def discovered_green(
    target_instances: TargetInstances, candidates: Sequence[Ec2Instance]
) -> tuple[str, ...]:
    """``green_instances``, refused when none matches."""
    found = green_instances(target_instances, candidates)
    if not found:
        raise InvalidTargetInstancesException(
            "targetInstances matches no running instance: no instance has the tags given and "
            "none belongs to the Auto Scaling groups given."
        )
    return found
