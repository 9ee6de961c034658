"""CreateDeployment's checks of an ECS deployment against ECS and Elastic Load Balancing: what
only they know, and what fails the deployment when it begins (``ecs_deployments``): the service
must be CodeDeploy's with one PRIMARY task set, the AppSpec's container and port must be in the
task definition, the target groups and listeners must exist and the PRIMARY task set must be on
one of the pair's target groups (the other one is the replacement's)."""

from __future__ import annotations

from rollwright.deployment_group_settings import TargetGroupPair
from rollwright.deployment_status import DeploymentStatus
from rollwright.ecs_appspec import EcsAppSpec
from rollwright.ecs_records import (
    EcsServiceState,
    EcsTraffic,
    ListenerWeights,
    TaskDefinition,
    TaskSet,
)
from rollwright.traffic_records import TrafficOutcome


def service_problem(name: str, service: EcsServiceState | None) -> TrafficOutcome | None:
    """Why the group's service cannot take a blue/green deployment, if it cannot."""
    if service is None or service.status != "ACTIVE":
        return _failed("INVALID_ECS_SERVICE", f"The ECS service {name} does not exist.")
    if service.deployment_controller != "CODE_DEPLOY":
        return _failed(
            "INVALID_ECS_SERVICE",
            f"The ECS service {name} has the deployment controller "
            f"{service.deployment_controller}; CodeDeploy deploys only to services whose "
            "controller is CODE_DEPLOY.",
        )
    if service.primary is None:
        return _failed("INVALID_ECS_SERVICE", f"The ECS service {name} has no PRIMARY task set.")
    if len(service.task_sets) > 1:
        return _failed(
            "INVALID_ECS_SERVICE",
            f"The ECS service {name} has {len(service.task_sets)} task sets; another "
            "deployment may be in progress.",
        )
    return None


def task_definition_problem(
    appspec: EcsAppSpec, definition: TaskDefinition | None
) -> TrafficOutcome | None:
    """Why the AppSpec's task definition cannot serve its load balancer container, if it cannot."""
    if definition is None:
        return _failed(
            "INVALID_REVISION",
            f"The task definition {appspec.task_definition} does not exist.",
        )
    container = next((c for c in definition.containers if c.name == appspec.container_name), None)
    if container is None:
        return _failed(
            "INVALID_REVISION",
            f"The container {appspec.container_name} is not in the task definition "
            f"{appspec.task_definition}.",
        )
    if appspec.container_port not in container.container_ports:
        return _failed(
            "INVALID_REVISION",
            f"The container {appspec.container_name} of {appspec.task_definition} has no "
            f"port mapping for port {appspec.container_port}.",
        )
    return None


def resolve_traffic(
    original: TaskSet, pair: TargetGroupPair, listeners: ListenerWeights
) -> tuple[EcsTraffic | None, TrafficOutcome | None]:
    """The pair resolved: the original's target group and the other one for the replacement,
    the listeners checked; or why the deployment cannot begin."""
    target_groups, prod, test = pair.target_groups, pair.prod_listener_arns, pair.test_listener_arns
    arns = listeners.target_group_arns(target_groups)
    missing = [name for name in target_groups if name not in arns]
    if missing:
        return None, _failed(
            "ELASTIC_LOAD_BALANCING_INVALID", f"The target group {missing[0]} does not exist."
        )
    in_use = [arn for arn in arns.values() if arn in original.target_groups]
    if len(in_use) != 1:
        return None, _failed(
            "ELASTIC_LOAD_BALANCING_INVALID",
            f"The PRIMARY task set {original.task_set_id} is not on exactly one of the target "
            f"groups {', '.join(target_groups)}.",
        )
    absent = [arn for arn in (*prod, *(test or ())) if not listeners.listener_exists(arn)]
    if absent:
        return None, _failed(
            "ELASTIC_LOAD_BALANCING_INVALID", f"The listener {absent[0]} does not exist."
        )
    (replacement,) = [arn for arn in arns.values() if arn != in_use[0]]
    return (
        EcsTraffic(
            original_target_group=in_use[0],
            replacement_target_group=replacement,
            prod_listener=prod[0],
            test_listener=test[0] if test else None,
        ),
        None,
    )


def _failed(code: str, message: str) -> TrafficOutcome:
    return TrafficOutcome(DeploymentStatus.FAILED, code, message)
