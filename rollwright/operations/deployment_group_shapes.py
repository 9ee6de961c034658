"""A deployment group's settings written in CodeDeploy's request shape.

The state table keeps settings in this shape too, read back by ``deployment_group_members``, so
one codec, tested by round trip, serves the API and storage.
"""

from __future__ import annotations

from typing import Any

from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    DeploymentGroupSettings,
    LoadBalancerInfo,
    TagFilter,
    TagSet,
)
from rollwright.operations.shapes import Result


def settings_members(settings: DeploymentGroupSettings) -> Result:
    """The settings as CreateDeploymentGroup members; empty or unset members are left out."""
    members: Result = {
        "deploymentConfigName": settings.deployment_config_name,
        "serviceRoleArn": settings.service_role_arn,
        "deploymentStyle": {
            "deploymentType": settings.deployment_style.deployment_type.value,
            "deploymentOption": settings.deployment_style.deployment_option.value,
        },
        "ec2TagFilters": [_tag_filter(t) for t in settings.ec2_tag_filters],
        "onPremisesInstanceTagFilters": [_tag_filter(t) for t in settings.on_premises_tag_filters],
        "autoScalingGroups": list(settings.auto_scaling_groups),
        "triggerConfigurations": [
            {
                "triggerName": t.name,
                "triggerTargetArn": t.target_arn,
                "triggerEvents": [e.value for e in t.events],
            }
            for t in settings.trigger_configurations
        ],
        "alarmConfiguration": {
            "enabled": settings.alarm_configuration.enabled,
            "ignorePollAlarmFailure": settings.alarm_configuration.ignore_poll_alarm_failure,
            "alarms": [{"name": n} for n in settings.alarm_configuration.alarm_names],
        },
        "outdatedInstancesStrategy": settings.outdated_instances_strategy.value,
        "terminationHookEnabled": settings.termination_hook_enabled,
    }
    if settings.ec2_tag_set:
        members["ec2TagSet"] = {"ec2TagSetList": _tag_set_members(settings.ec2_tag_set)}
    if settings.on_premises_tag_set:
        members["onPremisesTagSet"] = {
            "onPremisesTagSetList": _tag_set_members(settings.on_premises_tag_set)
        }
    if settings.auto_rollback_configuration is not None:
        members["autoRollbackConfiguration"] = {
            "enabled": settings.auto_rollback_configuration.enabled,
            "events": [e.value for e in settings.auto_rollback_configuration.events],
        }
    if settings.blue_green_configuration is not None:
        members["blueGreenDeploymentConfiguration"] = _blue_green_members(
            settings.blue_green_configuration
        )
    if settings.load_balancer_info is not None and not settings.load_balancer_info.is_empty:
        members["loadBalancerInfo"] = _load_balancer_members(settings.load_balancer_info)
    if settings.ecs_services:
        members["ecsServices"] = [
            {"serviceName": s.service_name, "clusterName": s.cluster_name}
            for s in settings.ecs_services
        ]
    if settings.auto_scaling_group_processes_to_suspend is not None:
        members["ec2DeploymentOptions"] = {
            "autoScalingGroupProcessesToSuspend": [
                p.value for p in settings.auto_scaling_group_processes_to_suspend
            ]
        }
    return members


def _tag_filter(tag: TagFilter) -> Result:
    members: Result = {"Type": tag.type.value}
    if tag.key is not None:
        members["Key"] = tag.key
    if tag.value is not None:
        members["Value"] = tag.value
    return members


def _tag_set_members(tag_set: TagSet) -> list[list[Result]]:
    return [[_tag_filter(tag) for tag in group] for group in tag_set]


def _blue_green_members(blue_green: BlueGreenConfiguration) -> Result:
    members: Result = {}
    termination = blue_green.terminate_blue_instances
    if termination is not None:
        members["terminateBlueInstancesOnDeploymentSuccess"] = _present(
            action=None if termination.action is None else termination.action.value,
            terminationWaitTimeInMinutes=termination.termination_wait_minutes,
        )
    ready = blue_green.deployment_ready
    if ready is not None:
        members["deploymentReadyOption"] = _present(
            actionOnTimeout=None
            if ready.action_on_timeout is None
            else ready.action_on_timeout.value,
            waitTimeInMinutes=ready.wait_time_minutes,
        )
    if blue_green.green_fleet_provisioning is not None:
        members["greenFleetProvisioningOption"] = {
            "action": blue_green.green_fleet_provisioning.value
        }
    return members


def _load_balancer_members(info: LoadBalancerInfo) -> Result:
    members: Result = {}
    if info.elb_names:
        members["elbInfoList"] = [{"name": n} for n in info.elb_names]
    if info.target_group_names:
        members["targetGroupInfoList"] = [{"name": n} for n in info.target_group_names]
    if info.target_group_pairs:
        members["targetGroupPairInfoList"] = [
            {
                "targetGroups": [{"name": n} for n in pair.target_groups],
                "prodTrafficRoute": {"listenerArns": list(pair.prod_listener_arns)},
                **(
                    {}
                    if pair.test_listener_arns is None
                    else {"testTrafficRoute": {"listenerArns": list(pair.test_listener_arns)}}
                ),
            }
            for pair in info.target_group_pairs
        ]
    return members


def _present(**members: Any) -> Result:
    return {name: value for name, value in members.items() if value is not None}
