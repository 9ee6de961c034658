"""The ``blue_green`` map of a blue/green deployment item (layout: ``blue_green_records``):
what CreateDeployment writes, and its reading back for GetDeployment."""

from __future__ import annotations

from typing import Any

from rollwright.blue_green import BlueGreenFleets, BlueGreenOptions
from rollwright.blue_green_deployments import BlueGreenDeployment
from rollwright.blue_green_plan import BlueGreenStep
from rollwright.blue_green_targets import TargetInstances
from rollwright.deployment_group_settings import (
    DeploymentReadyAction,
    GreenFleetProvisioningAction,
    InstanceAction,
    TagFilter,
    TagFilterType,
)
from rollwright.traffic_control import TrafficTargets


def blue_green_attribute(deployment: BlueGreenDeployment) -> dict[str, Any]:
    """The ``blue_green`` map CreateDeployment writes (before the first step)."""
    options = deployment.options
    attribute: dict[str, Any] = {
        "steps": [step.value for step in deployment.steps],
        "step_index": -1,
        "blue": list(deployment.fleets.blue),
        "green": list(deployment.fleets.green),
        "rollback": deployment.rollback,
        "ready_wait_seconds": deployment.ready_wait_seconds,
        "ready_wait_minutes": options.ready_wait_minutes,
        "termination_wait_seconds": deployment.termination_wait_seconds,
        **({"copy_source": deployment.copy_source} if deployment.copy_source else {}),
        **(
            {"target_instances": _target_instances_attribute(deployment.target_instances)}
            if deployment.target_instances is not None
            else {}
        ),
        **({"delete_copy": deployment.delete_copy} if deployment.delete_copy else {}),
        "configuration": {
            "provisioning": options.provisioning.value,
            "ready_action": options.ready_action.value,
            "ready_wait_minutes": options.ready_wait_minutes,
            "blue_action": options.blue_action.value,
            "termination_wait_minutes": options.termination_wait_minutes,
        },
    }
    return attribute


def read_blue_green(
    document: dict[str, Any] | None, load_balancers: dict[str, Any] | None = None
) -> BlueGreenDeployment | None:
    """The deployment's blue/green choices; ``load_balancers``: the item's (``rollout_items``)."""
    if not document:
        return None
    configuration = document["configuration"]
    return BlueGreenDeployment(
        options=BlueGreenOptions(
            provisioning=GreenFleetProvisioningAction(configuration["provisioning"]),
            ready_action=DeploymentReadyAction(configuration["ready_action"]),
            ready_wait_minutes=int(configuration["ready_wait_minutes"]),
            blue_action=InstanceAction(configuration["blue_action"]),
            termination_wait_minutes=int(configuration["termination_wait_minutes"]),
        ),
        fleets=BlueGreenFleets(
            blue=tuple(document.get("blue", ())), green=tuple(document.get("green", ()))
        ),
        steps=tuple(BlueGreenStep(name) for name in document["steps"]),
        ready_wait_seconds=int(document.get("ready_wait_seconds", 0)),
        termination_wait_seconds=int(document.get("termination_wait_seconds", 0)),
        rollback=bool(document.get("rollback")),
        copy_source=document.get("copy_source"),
        delete_copy=document.get("delete_copy"),
        target_instances=read_target_instances(document.get("target_instances")),
        load_balancers=(
            None
            if load_balancers is None
            else TrafficTargets(
                tuple(load_balancers.get("elb_names", ())),
                tuple(load_balancers.get("target_group_names", ())),
            )
        ),
    )


def _filter_attribute(tag_filter: TagFilter) -> dict[str, Any]:
    return {"key": tag_filter.key, "value": tag_filter.value, "type": tag_filter.type.value}


def _read_filter(document: dict[str, Any]) -> TagFilter:
    return TagFilter(document.get("key"), document.get("value"), TagFilterType(document["type"]))


def _target_instances_attribute(target_instances: TargetInstances) -> dict[str, Any]:
    return {
        "tag_filters": [_filter_attribute(f) for f in target_instances.tag_filters],
        "tag_set": [[_filter_attribute(f) for f in group] for group in target_instances.tag_set],
        "auto_scaling_groups": list(target_instances.auto_scaling_groups),
    }


def read_target_instances(document: dict[str, Any] | None) -> TargetInstances | None:
    if document is None:
        return None
    return TargetInstances(
        tag_filters=tuple(_read_filter(f) for f in document.get("tag_filters", [])),
        tag_set=tuple(
            tuple(_read_filter(f) for f in group) for group in document.get("tag_set", [])
        ),
        auto_scaling_groups=tuple(document.get("auto_scaling_groups", [])),
    )
