"""The rules for a deployment group's settings, each with CodeDeploy's exception name.

``valid_settings`` checks a group's whole configuration as it would be stored (after an update's
changes are applied), so a rule that ties two members together holds whichever request set them.
Limits are CodeDeploy's (reference §2, §6, §8, §9 and the botocore docs of each member).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rollwright.applications import ComputePlatform
from rollwright.deployment_group_settings import (
    AutoRollbackConfiguration,
    BlueGreenConfiguration,
    DeploymentGroupSettings,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
    EcsService,
    GreenFleetProvisioningAction,
    LoadBalancerInfo,
    TagFilter,
    TagFilterType,
    TagSet,
    TargetGroupPair,
    TriggerConfig,
)
from rollwright.errors import (
    AlarmsLimitExceededException,
    CodeDeployError,
    InvalidAlarmConfigException,
    InvalidAutoRollbackConfigException,
    InvalidAutoScalingGroupException,
    InvalidAutoScalingGroupProcessToSuspendException,
    InvalidBlueGreenDeploymentConfigurationException,
    InvalidDeploymentStyleException,
    InvalidEC2TagCombinationException,
    InvalidEC2TagException,
    InvalidECSServiceException,
    InvalidLoadBalancerInfoException,
    InvalidOnPremisesTagCombinationException,
    InvalidRoleException,
    InvalidTagException,
    InvalidTargetGroupPairException,
    InvalidTriggerConfigException,
    RoleRequiredException,
    TagSetListLimitExceededException,
    TriggerTargetsLimitExceededException,
)

TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256
MAX_TAG_GROUPS = 3
MAX_TAGS_PER_GROUP = 10
MAX_AUTO_SCALING_GROUPS = 10
MAX_TRIGGERS = 10
MAX_ALARMS = 10
ALARM_NAME_MAX_LENGTH = 255
MAX_LOAD_BALANCERS = 10
MAX_TARGET_GROUPS = 10
NAME_MAX_LENGTH = 255
MAX_TERMINATION_WAIT_MINUTES = 2880
# UG:limits: a blue/green deployment may wait for ContinueDeployment 48 h on EC2, 120 h on ECS.
MAX_READY_WAIT_MINUTES = {ComputePlatform.SERVER: 2880, ComputePlatform.ECS: 7200}
BLUE_GREEN_WITH_TRAFFIC_CONTROL = DeploymentStyle(
    DeploymentType.BLUE_GREEN, DeploymentOption.WITH_TRAFFIC_CONTROL
)
_ROLE_ARN = re.compile(r"arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_SNS_TOPIC_ARN = re.compile(r"arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}")
_LISTENER_ARN = re.compile(
    r"arn:aws(-[a-z]+)*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/(app|net|gwy)/\S+"
)
_ECS_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")


def valid_service_role_arn(arn: str | None) -> str:
    if not arn:
        raise RoleRequiredException("The service role ARN is required.")
    if not _ROLE_ARN.fullmatch(arn):
        raise InvalidRoleException(f"The service role ARN {arn!r} is not an IAM role ARN.")
    return arn


def valid_settings(
    platform: ComputePlatform, settings: DeploymentGroupSettings
) -> DeploymentGroupSettings:
    valid_service_role_arn(settings.service_role_arn)
    _check_targets(settings)
    _check_names(
        settings.auto_scaling_groups,
        MAX_AUTO_SCALING_GROUPS,
        InvalidAutoScalingGroupException,
        "Auto Scaling group",
    )
    _check_triggers(settings.trigger_configurations)
    _check_alarms(settings)
    if settings.auto_rollback_configuration is not None:
        _check_auto_rollback(settings.auto_rollback_configuration)
    if settings.load_balancer_info is not None:
        _check_load_balancer_info(settings.load_balancer_info)
    if settings.blue_green_configuration is not None:
        _check_blue_green(platform, settings.blue_green_configuration)
    _check_ecs_service_names(settings.ecs_services)
    processes = settings.auto_scaling_group_processes_to_suspend or ()
    if len(set(processes)) != len(processes):
        raise InvalidAutoScalingGroupProcessToSuspendException(
            "autoScalingGroupProcessesToSuspend names a process more than once."
        )
    if platform is ComputePlatform.SERVER:
        _check_server(settings)
    else:
        _check_traffic_shifting_platform(platform, settings)
    return settings


# --- members ------------------------------------------------------------------------------------


def _check_targets(settings: DeploymentGroupSettings) -> None:
    for filters, tag_set, error, combination, what in (
        (
            settings.ec2_tag_filters,
            settings.ec2_tag_set,
            InvalidEC2TagException,
            InvalidEC2TagCombinationException,
            "EC2",
        ),
        (
            settings.on_premises_tag_filters,
            settings.on_premises_tag_set,
            InvalidTagException,
            InvalidOnPremisesTagCombinationException,
            "on-premises",
        ),
    ):
        if filters and tag_set:
            raise combination(
                f"Use either {what} tag filters or an {what} tag set, not both."
                if what == "EC2"
                else "Use either on-premises instance tag filters or an on-premises tag set, "
                "not both."
            )
        _check_tag_filters(filters, error)
        _check_tag_set(tag_set, error)


def _check_tag_filters(filters: Sequence[TagFilter], error: type[CodeDeployError]) -> None:
    for tag in filters:
        if tag.key is not None and len(tag.key) > TAG_KEY_MAX_LENGTH:
            raise error(f"A tag filter key is longer than {TAG_KEY_MAX_LENGTH} characters.")
        if tag.value is not None and len(tag.value) > TAG_VALUE_MAX_LENGTH:
            raise error(f"A tag filter value is longer than {TAG_VALUE_MAX_LENGTH} characters.")
        if tag.type in (TagFilterType.KEY_ONLY, TagFilterType.KEY_AND_VALUE) and not tag.key:
            raise error(f"A {tag.type} tag filter needs a Key.")
        if tag.type is TagFilterType.VALUE_ONLY and not tag.value:
            raise error("A VALUE_ONLY tag filter needs a Value.")


def _check_tag_set(tag_set: TagSet, error: type[CodeDeployError]) -> None:
    if len(tag_set) > MAX_TAG_GROUPS:
        raise TagSetListLimitExceededException(
            f"A tag set has at most {MAX_TAG_GROUPS} tag groups, got {len(tag_set)}."
        )
    for group in tag_set:
        if not 1 <= len(group) <= MAX_TAGS_PER_GROUP:
            raise error(
                f"A tag group holds 1 to {MAX_TAGS_PER_GROUP} tag filters, got {len(group)}."
            )
        _check_tag_filters(group, error)


def _check_names(names: Sequence[str], limit: int, error: type[CodeDeployError], what: str) -> None:
    if len(names) > limit:
        raise error(f"At most {limit} {what} names can be given, got {len(names)}.")
    for name in names:
        if not 1 <= len(name) <= NAME_MAX_LENGTH:
            raise error(f"A {what} name must be 1 to {NAME_MAX_LENGTH} characters long.")
    if len(set(names)) != len(names):
        raise error(f"A {what} name is given more than once.")


def _check_triggers(triggers: Sequence[TriggerConfig]) -> None:
    if len(triggers) > MAX_TRIGGERS:
        raise TriggerTargetsLimitExceededException(
            f"A deployment group has at most {MAX_TRIGGERS} triggers, got {len(triggers)}."
        )
    for trigger in triggers:
        if not 1 <= len(trigger.name) <= NAME_MAX_LENGTH:
            raise InvalidTriggerConfigException(
                f"A trigger name is required, 1 to {NAME_MAX_LENGTH} characters long."
            )
    names = [trigger.name for trigger in triggers]
    if len(set(names)) != len(names):
        raise InvalidTriggerConfigException("A trigger name is given more than once.")
    for trigger in triggers:
        if not _SNS_TOPIC_ARN.fullmatch(trigger.target_arn):
            raise InvalidTriggerConfigException(
                f"The target of trigger {trigger.name!r} is not an SNS topic ARN: "
                f"{trigger.target_arn!r}."
            )
        if not trigger.events:
            raise InvalidTriggerConfigException(f"Trigger {trigger.name!r} names no events.")


def _check_alarms(settings: DeploymentGroupSettings) -> None:
    alarms = settings.alarm_configuration
    if len(alarms.alarm_names) > MAX_ALARMS:
        raise AlarmsLimitExceededException(
            f"A deployment group has at most {MAX_ALARMS} alarms, got {len(alarms.alarm_names)}."
        )
    for name in alarms.alarm_names:
        if not 1 <= len(name) <= ALARM_NAME_MAX_LENGTH:
            raise InvalidAlarmConfigException(
                f"An alarm name must be 1 to {ALARM_NAME_MAX_LENGTH} characters long."
            )
    if len(set(alarms.alarm_names)) != len(alarms.alarm_names):
        raise InvalidAlarmConfigException("An alarm is named more than once.")
    if alarms.enabled and not alarms.alarm_names:
        raise InvalidAlarmConfigException("The alarm configuration is enabled but names no alarms.")


def _check_auto_rollback(rollback: AutoRollbackConfiguration) -> None:
    if rollback.enabled and not rollback.events:
        raise InvalidAutoRollbackConfigException(
            "Automatic rollback is enabled but names no events."
        )
    if len(set(rollback.events)) != len(rollback.events):
        raise InvalidAutoRollbackConfigException("A rollback event is given more than once.")


def _check_load_balancer_info(info: LoadBalancerInfo) -> None:
    _check_names(
        info.elb_names, MAX_LOAD_BALANCERS, InvalidLoadBalancerInfoException, "load balancer"
    )
    _check_names(
        info.target_group_names, MAX_TARGET_GROUPS, InvalidLoadBalancerInfoException, "target group"
    )
    if len(info.target_group_pairs) > 1:
        raise InvalidTargetGroupPairException(
            f"At most one target group pair can be given, got {len(info.target_group_pairs)}."
        )
    for pair in info.target_group_pairs:
        _check_target_group_pair(pair)


def _check_target_group_pair(pair: TargetGroupPair) -> None:
    if len(pair.target_groups) != 2 or len(set(pair.target_groups)) != 2:
        raise InvalidTargetGroupPairException(
            "A target group pair needs two different target groups."
        )
    if any(not 1 <= len(name) <= NAME_MAX_LENGTH for name in pair.target_groups):
        raise InvalidTargetGroupPairException(
            f"A target group name must be 1 to {NAME_MAX_LENGTH} characters long."
        )
    routes = [("production", pair.prod_listener_arns)]
    if pair.test_listener_arns is not None:
        routes.append(("test", pair.test_listener_arns))
    for route, arns in routes:
        if len(arns) != 1:
            raise InvalidTargetGroupPairException(
                f"The {route} traffic route takes exactly one listener ARN, got {len(arns)}."
            )
        if not _LISTENER_ARN.fullmatch(arns[0]):
            raise InvalidTargetGroupPairException(
                f"The {route} listener {arns[0]!r} is not a load balancer listener ARN."
            )
    if pair.test_listener_arns is not None and pair.test_listener_arns == pair.prod_listener_arns:
        raise InvalidTargetGroupPairException(
            "The test traffic route must use a different listener than the production route."
        )


def _check_blue_green(platform: ComputePlatform, blue_green: BlueGreenConfiguration) -> None:
    termination = blue_green.terminate_blue_instances
    wait = None if termination is None else termination.termination_wait_minutes
    if wait is not None and not 0 <= wait <= MAX_TERMINATION_WAIT_MINUTES:
        raise InvalidBlueGreenDeploymentConfigurationException(
            f"terminationWaitTimeInMinutes is {wait}: use 0 to {MAX_TERMINATION_WAIT_MINUTES}."
        )
    ready = blue_green.deployment_ready
    if ready is not None and ready.wait_time_minutes is not None:
        limit = MAX_READY_WAIT_MINUTES.get(platform, 0)
        if not 0 <= ready.wait_time_minutes <= limit:
            raise InvalidBlueGreenDeploymentConfigurationException(
                f"waitTimeInMinutes is {ready.wait_time_minutes}: use 0 to {limit} on {platform}."
            )


def _check_ecs_service_names(services: Sequence[EcsService]) -> None:
    for service in services:
        for part in (service.cluster_name, service.service_name):
            if not _ECS_NAME.fullmatch(part):
                raise InvalidECSServiceException(
                    f"The ECS service {service.identifier!r} is not valid: cluster and service "
                    "names are 1 to 255 letters, digits, hyphens and underscores."
                )
    if len({service.identifier for service in services}) != len(services):
        raise InvalidECSServiceException("An ECS service is given more than once.")


# --- per compute platform -----------------------------------------------------------------------


def _check_server(settings: DeploymentGroupSettings) -> None:
    style = settings.deployment_style
    if settings.ecs_services:
        raise InvalidECSServiceException("ECS services apply only to the ECS compute platform.")
    if settings.load_balancer_info is not None and settings.load_balancer_info.target_group_pairs:
        raise InvalidTargetGroupPairException(
            "Target group pairs apply only to the ECS compute platform."
        )
    needs_load_balancer = style.deployment_option is DeploymentOption.WITH_TRAFFIC_CONTROL
    if needs_load_balancer and not settings.has_load_balancer:
        raise InvalidLoadBalancerInfoException(
            "WITH_TRAFFIC_CONTROL needs a load balancer: give loadBalancerInfo with a Classic "
            "Load Balancer or a target group."
        )
    if style.deployment_type is DeploymentType.IN_PLACE:
        return
    if style.deployment_option is not DeploymentOption.WITH_TRAFFIC_CONTROL:
        raise InvalidDeploymentStyleException(
            "A blue/green deployment reroutes traffic: use WITH_TRAFFIC_CONTROL."
        )
    if settings.on_premises_tag_filters or settings.on_premises_tag_set:
        raise InvalidDeploymentStyleException(
            "On-premises instances cannot take blue/green deployments."
        )
    blue_green = settings.blue_green_configuration
    if blue_green is None:
        raise InvalidBlueGreenDeploymentConfigurationException(
            "A blue/green deployment group needs a blueGreenDeploymentConfiguration."
        )
    copies = (
        blue_green.green_fleet_provisioning is GreenFleetProvisioningAction.COPY_AUTO_SCALING_GROUP
    )
    if copies and not settings.auto_scaling_groups:
        raise InvalidBlueGreenDeploymentConfigurationException(
            "COPY_AUTO_SCALING_GROUP needs an Auto Scaling group to copy."
        )
    if copies and len(settings.auto_scaling_groups) > 1:
        # CodeDeploy's words: a blue/green deployment copies one group.
        raise InvalidAutoScalingGroupException(
            "Exactly one AutoScaling group must be specified when selecting the "
            "COPY_AUTO_SCALING_GROUP green fleet provisioning option; "
            f"{len(settings.auto_scaling_groups)} were given."
        )
    if settings.auto_scaling_group_processes_to_suspend:
        raise InvalidAutoScalingGroupProcessToSuspendException(
            "Suspending Auto Scaling processes applies only to in-place deployments."
        )


def _check_traffic_shifting_platform(
    platform: ComputePlatform, settings: DeploymentGroupSettings
) -> None:
    """Lambda and ECS: blue/green with traffic control, and none of the instance members."""
    if settings.deployment_style != BLUE_GREEN_WITH_TRAFFIC_CONTROL:
        raise InvalidDeploymentStyleException(
            f"A {platform} deployment group must be BLUE_GREEN with WITH_TRAFFIC_CONTROL."
        )
    if settings.ec2_tag_filters or settings.ec2_tag_set:
        raise InvalidEC2TagException(f"EC2 tags do not apply to the {platform} compute platform.")
    if settings.on_premises_tag_filters or settings.on_premises_tag_set:
        raise InvalidTagException(
            f"On-premises instance tags do not apply to the {platform} compute platform."
        )
    if settings.auto_scaling_groups:
        raise InvalidAutoScalingGroupException(
            f"Auto Scaling groups do not apply to the {platform} compute platform."
        )
    if settings.auto_scaling_group_processes_to_suspend:
        raise InvalidAutoScalingGroupProcessToSuspendException(
            f"Auto Scaling processes do not apply to the {platform} compute platform."
        )
    blue_green = settings.blue_green_configuration
    info = settings.load_balancer_info or LoadBalancerInfo()
    if platform is ComputePlatform.LAMBDA:
        if settings.ecs_services:
            raise InvalidECSServiceException("ECS services apply only to the ECS compute platform.")
        if not info.is_empty:
            raise InvalidLoadBalancerInfoException(
                "Lambda deployments shift alias traffic and take no load balancer."
            )
        if blue_green is not None:
            raise InvalidBlueGreenDeploymentConfigurationException(
                "A blueGreenDeploymentConfiguration does not apply to Lambda deployments."
            )
        return
    if len(settings.ecs_services) != 1:
        raise InvalidECSServiceException(
            f"An ECS deployment group targets exactly one ECS service, got "
            f"{len(settings.ecs_services)}."
        )
    if info.elb_names or info.target_group_names or len(info.target_group_pairs) != 1:
        raise InvalidLoadBalancerInfoException(
            "An ECS deployment group needs loadBalancerInfo with exactly one target group pair "
            "and no other load balancers."
        )
    if blue_green is not None and blue_green.green_fleet_provisioning is not None:
        raise InvalidBlueGreenDeploymentConfigurationException(
            "greenFleetProvisioningOption applies only to EC2 blue/green deployments."
        )
