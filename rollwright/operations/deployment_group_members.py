"""A deployment group's configurable members read from CodeDeploy's request shape.

``read_changes`` reads the members of a CreateDeploymentGroup or UpdateDeploymentGroup request
and checks the model's constraints on them (the deployment configuration name's length and
pattern, every enum, the list of Auto Scaling processes), each with its member's exception; nothing
else: ``deployment_group_rules`` checks CodeDeploy's rules on the values once every member has
passed the model (``rollwright.model_constraints``). ``read_settings`` reads settings stored in
the same shape (``deployment_group_shapes.settings_members``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollwright.deployment_configs import valid_deployment_config_name
from rollwright.deployment_group_settings import (
    AlarmConfiguration,
    AutoRollbackConfiguration,
    AutoRollbackEvent,
    AutoScalingGroupProcess,
    BlueGreenConfiguration,
    BlueInstanceTermination,
    DeploymentGroupChanges,
    DeploymentGroupSettings,
    DeploymentOption,
    DeploymentReadyAction,
    DeploymentReadyOption,
    DeploymentStyle,
    DeploymentType,
    EcsService,
    GreenFleetProvisioningAction,
    InstanceAction,
    LoadBalancerInfo,
    OutdatedInstancesStrategy,
    TagFilter,
    TagFilterType,
    TagSet,
    TargetGroupPair,
    TriggerConfig,
    TriggerEventType,
)
from rollwright.errors import (
    CodeDeployError,
    InvalidAutoRollbackConfigException,
    InvalidAutoScalingGroupProcessToSuspendException,
    InvalidBlueGreenDeploymentConfigurationException,
    InvalidDeploymentConfigNameException,
    InvalidDeploymentStyleException,
    InvalidEC2TagException,
    InvalidInputException,
    InvalidTagException,
    InvalidTriggerConfigException,
)
from rollwright.model_constraints import check_length, enum_value
from rollwright.request_members import (
    optional_boolean,
    optional_integer,
    optional_string,
    optional_string_list,
    optional_structure,
    optional_structures,
)

Members = Mapping[str, Any]
# The model's bound on ec2DeploymentOptions.autoScalingGroupProcessesToSuspend.
MAX_PROCESSES_TO_SUSPEND = 4


def _names(structures: list[Members] | None) -> tuple[str, ...]:
    # A name the model leaves optional but CodeDeploy needs is read as empty, for the rules
    # (deployment_group_rules) to refuse after every member's model constraints are checked.
    return tuple(optional_string(s, "name") or "" for s in structures or ())


# --- reading ------------------------------------------------------------------------------------


def read_changes(params: Members) -> DeploymentGroupChanges:
    ec2_set = optional_structure(params, "ec2TagSet")
    on_premises_set = optional_structure(params, "onPremisesTagSet")
    ec2_options = optional_structure(params, "ec2DeploymentOptions")
    return DeploymentGroupChanges(
        deployment_config_name=_deployment_config_name(
            optional_string(params, "deploymentConfigName")
        ),
        service_role_arn=optional_string(params, "serviceRoleArn"),
        deployment_style=_deployment_style(optional_structure(params, "deploymentStyle")),
        ec2_tag_filters=tag_filters_member(
            optional_structures(params, "ec2TagFilters"), InvalidEC2TagException
        ),
        ec2_tag_set=None
        if ec2_set is None
        else tag_set_member(ec2_set, "ec2TagSetList", InvalidEC2TagException),
        on_premises_tag_filters=tag_filters_member(
            optional_structures(params, "onPremisesInstanceTagFilters"), InvalidTagException
        ),
        on_premises_tag_set=None
        if on_premises_set is None
        else tag_set_member(on_premises_set, "onPremisesTagSetList", InvalidTagException),
        auto_scaling_groups=_optional_tuple(optional_string_list(params, "autoScalingGroups")),
        trigger_configurations=_triggers(optional_structures(params, "triggerConfigurations")),
        alarm_configuration=_alarms(optional_structure(params, "alarmConfiguration")),
        auto_rollback_configuration=_auto_rollback(
            optional_structure(params, "autoRollbackConfiguration")
        ),
        outdated_instances_strategy=None
        if (strategy := optional_string(params, "outdatedInstancesStrategy")) is None
        else enum_value(
            OutdatedInstancesStrategy, strategy, InvalidInputException, "outdatedInstancesStrategy"
        ),
        blue_green_configuration=_blue_green(
            optional_structure(params, "blueGreenDeploymentConfiguration")
        ),
        load_balancer_info=_load_balancer_info(optional_structure(params, "loadBalancerInfo")),
        ecs_services=_ecs_services(optional_structures(params, "ecsServices")),
        auto_scaling_group_processes_to_suspend=None
        if ec2_options is None
        else _processes_to_suspend(ec2_options),
        termination_hook_enabled=optional_boolean(params, "terminationHookEnabled"),
    )


def read_settings(members: Members) -> DeploymentGroupSettings:
    """Settings stored by ``settings_members`` (complete, already valid)."""
    changes = read_changes(members)
    if (
        changes.deployment_config_name is None
        or changes.service_role_arn is None
        or changes.deployment_style is None
    ):
        raise ValueError("Stored deployment group settings are incomplete.")
    base = DeploymentGroupSettings(
        deployment_config_name=changes.deployment_config_name,
        service_role_arn=changes.service_role_arn,
        deployment_style=changes.deployment_style,
    )
    return changes.applied_to(base)


def _deployment_config_name(name: str | None) -> str | None:
    """The name's length and pattern; both group operations model InvalidDeploymentConfigName
    but not DeploymentConfigNameRequired, so an empty name is invalid rather than missing."""
    if name is None:
        return None
    if name == "":
        raise InvalidDeploymentConfigNameException(
            "The deployment configuration name cannot be empty."
        )
    return valid_deployment_config_name(name)


def _processes_to_suspend(ec2_options: Members) -> tuple[AutoScalingGroupProcess, ...]:
    error = InvalidAutoScalingGroupProcessToSuspendException
    processes = optional_string_list(ec2_options, "autoScalingGroupProcessesToSuspend") or []
    check_length(
        processes,
        maximum=MAX_PROCESSES_TO_SUSPEND,
        error=error,
        what="autoScalingGroupProcessesToSuspend",
    )
    return tuple(
        enum_value(AutoScalingGroupProcess, process, error, "Auto Scaling process")
        for process in processes
    )


def _optional_tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def tag_filters_member(
    structures: list[Members] | None, error: type[CodeDeployError]
) -> tuple[TagFilter, ...] | None:
    """A list of ``EC2TagFilter`` / ``TagFilter`` (also CreateDeployment's ``targetInstances``)."""
    if structures is None:
        return None
    filters = []
    for structure in structures:
        key, value = optional_string(structure, "Key"), optional_string(structure, "Value")
        given_type = optional_string(structure, "Type")
        if given_type is None:
            # Without a Type, the filter matches what it names: a key, a value, or both.
            kind = (
                TagFilterType.KEY_AND_VALUE
                if key and value
                else TagFilterType.VALUE_ONLY
                if value
                else TagFilterType.KEY_ONLY
            )
        else:
            kind = enum_value(TagFilterType, given_type, error, "tag filter type")
        filters.append(TagFilter(key, value, kind))
    return tuple(filters)


def tag_set_member(structure: Members, member: str, error: type[CodeDeployError]) -> TagSet:
    groups = structure.get(member)
    if groups is None:
        return ()
    if not isinstance(groups, list):
        raise error(f"{member} must be a list of tag groups.")
    return tuple(
        tag_filters_member(optional_structures({member: group}, member), error) or ()
        for group in groups
    )


def _deployment_style(structure: Members | None) -> DeploymentStyle | None:
    if structure is None:
        return None
    given_type = optional_string(structure, "deploymentType")
    given_option = optional_string(structure, "deploymentOption")
    kind = (
        DeploymentType.IN_PLACE
        if given_type is None
        else enum_value(
            DeploymentType, given_type, InvalidDeploymentStyleException, "deployment type"
        )
    )
    # An option left out is the one the type implies: blue/green reroutes traffic.
    option = (
        (
            DeploymentOption.WITH_TRAFFIC_CONTROL
            if kind is DeploymentType.BLUE_GREEN
            else DeploymentOption.WITHOUT_TRAFFIC_CONTROL
        )
        if given_option is None
        else enum_value(
            DeploymentOption, given_option, InvalidDeploymentStyleException, "deployment option"
        )
    )
    return DeploymentStyle(kind, option)


def _triggers(structures: list[Members] | None) -> tuple[TriggerConfig, ...] | None:
    if structures is None:
        return None
    return tuple(
        TriggerConfig(
            name=optional_string(s, "triggerName") or "",
            target_arn=optional_string(s, "triggerTargetArn") or "",
            events=tuple(
                dict.fromkeys(
                    enum_value(TriggerEventType, e, InvalidTriggerConfigException, "trigger event")
                    for e in optional_string_list(s, "triggerEvents") or ()
                )
            ),
        )
        for s in structures
    )


def _alarms(structure: Members | None) -> AlarmConfiguration | None:
    if structure is None:
        return None
    return AlarmConfiguration(
        enabled=bool(optional_boolean(structure, "enabled")),
        ignore_poll_alarm_failure=bool(optional_boolean(structure, "ignorePollAlarmFailure")),
        alarm_names=_names(optional_structures(structure, "alarms")),
    )


def _auto_rollback(structure: Members | None) -> AutoRollbackConfiguration | None:
    if structure is None:
        return None
    return AutoRollbackConfiguration(
        enabled=bool(optional_boolean(structure, "enabled")),
        events=tuple(
            enum_value(AutoRollbackEvent, e, InvalidAutoRollbackConfigException, "rollback event")
            for e in optional_string_list(structure, "events") or ()
        ),
    )


def _blue_green(structure: Members | None) -> BlueGreenConfiguration | None:
    if structure is None:
        return None
    error = InvalidBlueGreenDeploymentConfigurationException
    termination = optional_structure(structure, "terminateBlueInstancesOnDeploymentSuccess")
    ready = optional_structure(structure, "deploymentReadyOption")
    green = optional_structure(structure, "greenFleetProvisioningOption")
    return BlueGreenConfiguration(
        terminate_blue_instances=None
        if termination is None
        else BlueInstanceTermination(
            action=None
            if (action := optional_string(termination, "action")) is None
            else enum_value(InstanceAction, action, error, "blue instance action"),
            termination_wait_minutes=optional_integer(termination, "terminationWaitTimeInMinutes"),
        ),
        deployment_ready=None
        if ready is None
        else DeploymentReadyOption(
            action_on_timeout=None
            if (timeout := optional_string(ready, "actionOnTimeout")) is None
            else enum_value(DeploymentReadyAction, timeout, error, "action on timeout"),
            wait_time_minutes=optional_integer(ready, "waitTimeInMinutes"),
        ),
        green_fleet_provisioning=None
        if green is None or (provisioning := optional_string(green, "action")) is None
        else enum_value(GreenFleetProvisioningAction, provisioning, error, "green fleet action"),
    )


def _load_balancer_info(structure: Members | None) -> LoadBalancerInfo | None:
    if structure is None:
        return None
    pairs = []
    for pair in optional_structures(structure, "targetGroupPairInfoList") or ():
        prod = optional_structure(pair, "prodTrafficRoute") or {}
        test = optional_structure(pair, "testTrafficRoute")
        pairs.append(
            TargetGroupPair(
                target_groups=_names(optional_structures(pair, "targetGroups")),
                prod_listener_arns=tuple(optional_string_list(prod, "listenerArns") or ()),
                test_listener_arns=None
                if test is None
                else tuple(optional_string_list(test, "listenerArns") or ()),
            )
        )
    return LoadBalancerInfo(
        elb_names=_names(optional_structures(structure, "elbInfoList")),
        target_group_names=_names(optional_structures(structure, "targetGroupInfoList")),
        target_group_pairs=tuple(pairs),
    )


def _ecs_services(structures: list[Members] | None) -> tuple[EcsService, ...] | None:
    if structures is None:
        return None
    return tuple(
        EcsService(
            cluster_name=optional_string(s, "clusterName") or "",
            service_name=optional_string(s, "serviceName") or "",
        )
        for s in structures
    )
