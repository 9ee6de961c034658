"""What a deployment group is configured with: CodeDeploy's group members as frozen values.

``DeploymentGroupSettings`` is the whole configuration of a group; ``DeploymentGroupChanges`` is
what a CreateDeploymentGroup or UpdateDeploymentGroup request gives, each member ``None`` when the
request leaves it out (an update keeps what the group had). An empty list or structure is a change
(it clears the member), as CodeDeploy documents for ``autoScalingGroups``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum


class TagFilterType(StrEnum):
    KEY_ONLY = "KEY_ONLY"
    VALUE_ONLY = "VALUE_ONLY"
    KEY_AND_VALUE = "KEY_AND_VALUE"


@dataclass(frozen=True)
class TagFilter:
    """An EC2 or on-premises instance tag filter (``EC2TagFilter`` / ``TagFilter``)."""

    key: str | None
    value: str | None
    type: TagFilterType


TagSet = tuple[tuple[TagFilter, ...], ...]
"""Tag groups: an instance must match a filter of every group (AND across, OR within)."""


class DeploymentType(StrEnum):
    IN_PLACE = "IN_PLACE"
    BLUE_GREEN = "BLUE_GREEN"


class DeploymentOption(StrEnum):
    WITH_TRAFFIC_CONTROL = "WITH_TRAFFIC_CONTROL"
    WITHOUT_TRAFFIC_CONTROL = "WITHOUT_TRAFFIC_CONTROL"


@dataclass(frozen=True)
class DeploymentStyle:
    deployment_type: DeploymentType
    deployment_option: DeploymentOption


@dataclass(frozen=True)
class TargetGroupPair:
    """The ECS blue/green pair: two target groups, a production listener, maybe a test one."""

    target_groups: tuple[str, ...]
    prod_listener_arns: tuple[str, ...]
    test_listener_arns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class LoadBalancerInfo:
    elb_names: tuple[str, ...] = ()
    target_group_names: tuple[str, ...] = ()
    target_group_pairs: tuple[TargetGroupPair, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.elb_names or self.target_group_names or self.target_group_pairs)


class InstanceAction(StrEnum):
    TERMINATE = "TERMINATE"
    KEEP_ALIVE = "KEEP_ALIVE"


class DeploymentReadyAction(StrEnum):
    CONTINUE_DEPLOYMENT = "CONTINUE_DEPLOYMENT"
    STOP_DEPLOYMENT = "STOP_DEPLOYMENT"


class GreenFleetProvisioningAction(StrEnum):
    DISCOVER_EXISTING = "DISCOVER_EXISTING"
    COPY_AUTO_SCALING_GROUP = "COPY_AUTO_SCALING_GROUP"


@dataclass(frozen=True)
class BlueInstanceTermination:
    action: InstanceAction | None = None
    termination_wait_minutes: int | None = None


@dataclass(frozen=True)
class DeploymentReadyOption:
    action_on_timeout: DeploymentReadyAction | None = None
    wait_time_minutes: int | None = None


@dataclass(frozen=True)
class BlueGreenConfiguration:
    terminate_blue_instances: BlueInstanceTermination | None = None
    deployment_ready: DeploymentReadyOption | None = None
    green_fleet_provisioning: GreenFleetProvisioningAction | None = None


@dataclass(frozen=True)
class AlarmConfiguration:
    enabled: bool = False
    ignore_poll_alarm_failure: bool = False
    alarm_names: tuple[str, ...] = ()


class AutoRollbackEvent(StrEnum):
    DEPLOYMENT_FAILURE = "DEPLOYMENT_FAILURE"
    DEPLOYMENT_STOP_ON_ALARM = "DEPLOYMENT_STOP_ON_ALARM"
    DEPLOYMENT_STOP_ON_REQUEST = "DEPLOYMENT_STOP_ON_REQUEST"


@dataclass(frozen=True)
class AutoRollbackConfiguration:
    enabled: bool
    events: tuple[AutoRollbackEvent, ...]


class TriggerEventType(StrEnum):
    DEPLOYMENT_START = "DeploymentStart"
    DEPLOYMENT_SUCCESS = "DeploymentSuccess"
    DEPLOYMENT_FAILURE = "DeploymentFailure"
    DEPLOYMENT_STOP = "DeploymentStop"
    DEPLOYMENT_ROLLBACK = "DeploymentRollback"
    DEPLOYMENT_READY = "DeploymentReady"
    INSTANCE_START = "InstanceStart"
    INSTANCE_SUCCESS = "InstanceSuccess"
    INSTANCE_FAILURE = "InstanceFailure"
    INSTANCE_READY = "InstanceReady"


@dataclass(frozen=True)
class TriggerConfig:
    name: str
    target_arn: str
    events: tuple[TriggerEventType, ...]


@dataclass(frozen=True)
class EcsService:
    cluster_name: str
    service_name: str

    @property
    def identifier(self) -> str:
        """CodeDeploy's ``<clustername>:<servicename>`` form."""
        return f"{self.cluster_name}:{self.service_name}"


class OutdatedInstancesStrategy(StrEnum):
    UPDATE = "UPDATE"
    IGNORE = "IGNORE"


class AutoScalingGroupProcess(StrEnum):
    TERMINATE = "Terminate"
    AZ_REBALANCE = "AZRebalance"
    INSTANCE_REFRESH = "InstanceRefresh"
    SCHEDULED_ACTIONS = "ScheduledActions"


@dataclass(frozen=True)
class DeploymentGroupSettings:
    """Every configurable member of a deployment group, after the defaults are applied."""

    deployment_config_name: str
    service_role_arn: str
    deployment_style: DeploymentStyle
    ec2_tag_filters: tuple[TagFilter, ...] = ()
    ec2_tag_set: TagSet = ()
    on_premises_tag_filters: tuple[TagFilter, ...] = ()
    on_premises_tag_set: TagSet = ()
    auto_scaling_groups: tuple[str, ...] = ()
    trigger_configurations: tuple[TriggerConfig, ...] = ()
    alarm_configuration: AlarmConfiguration = AlarmConfiguration()
    auto_rollback_configuration: AutoRollbackConfiguration | None = None
    outdated_instances_strategy: OutdatedInstancesStrategy = OutdatedInstancesStrategy.UPDATE
    blue_green_configuration: BlueGreenConfiguration | None = None
    load_balancer_info: LoadBalancerInfo | None = None
    ecs_services: tuple[EcsService, ...] = ()
    auto_scaling_group_processes_to_suspend: tuple[AutoScalingGroupProcess, ...] | None = None
    termination_hook_enabled: bool = False

    @property
    def has_load_balancer(self) -> bool:
        return self.load_balancer_info is not None and not self.load_balancer_info.is_empty


@dataclass(frozen=True)
class DeploymentGroupChanges:
    """The members a request gives; ``None`` leaves a member as it is. Names match the settings."""

    deployment_config_name: str | None = None
    service_role_arn: str | None = None
    deployment_style: DeploymentStyle | None = None
    ec2_tag_filters: tuple[TagFilter, ...] | None = None
    ec2_tag_set: TagSet | None = None
    on_premises_tag_filters: tuple[TagFilter, ...] | None = None
    on_premises_tag_set: TagSet | None = None
    auto_scaling_groups: tuple[str, ...] | None = None
    trigger_configurations: tuple[TriggerConfig, ...] | None = None
    alarm_configuration: AlarmConfiguration | None = None
    auto_rollback_configuration: AutoRollbackConfiguration | None = None
    outdated_instances_strategy: OutdatedInstancesStrategy | None = None
    blue_green_configuration: BlueGreenConfiguration | None = None
    load_balancer_info: LoadBalancerInfo | None = None
    ecs_services: tuple[EcsService, ...] | None = None
    auto_scaling_group_processes_to_suspend: tuple[AutoScalingGroupProcess, ...] | None = None
    termination_hook_enabled: bool | None = None

    def applied_to(self, settings: DeploymentGroupSettings) -> DeploymentGroupSettings:
        given = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(settings, **{name: v for name, v in given.items() if v is not None})
