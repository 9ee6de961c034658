"""The ECS AppSpec (YAML or JSON): the service's replacement task set and the five ECS hooks.

```yaml
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "arn:aws:ecs:us-east-1:111122223333:task-definition/web:2"
        LoadBalancerInfo: {ContainerName: web, ContainerPort: 80}
        PlatformVersion: LATEST                                      # optional
        NetworkConfiguration:                                        # optional
          AwsvpcConfiguration: {Subnets: [..], SecurityGroups: [..], AssignPublicIp: DISABLED}
        CapacityProviderStrategy: [{Base: 0, CapacityProvider: cp, Weight: 1}]   # optional
Hooks:
  - BeforeInstall: CodeDeployHook_before
  - AfterAllowTestTraffic: CodeDeployHook_test
```

Keys are matched without regard to case, as for Lambda (``lambda_appspec``). What can be checked
without AWS is checked here (every refusal an ``InvalidAppSpecError`` naming the key and line;
CreateDeployment answers it as ``InvalidRevisionException``); whether the container is in the task
definition and the service is CodeDeploy's is checked against ECS when the deployment is created
(``ecs_deployments``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from rollwright.appspec import InvalidAppSpecError
from rollwright.lambda_appspec import appspec_hooks, appspec_member, appspec_text
from rollwright.lifecycle import LifecycleEvent
from rollwright.yaml_document import DocumentValue, load_document

ECS_APPSPEC_SIZE_LIMIT_BYTES = 64 * 1024
SERVICE_TYPE = "AWS::ECS::Service"
# A task definition ARN, or family:revision / family (ECS's own forms).
_TASK_DEFINITION = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:ecs:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:task-definition/)?"
    r"[a-zA-Z0-9_-]{1,255}(?::[1-9][0-9]*)?"
)
_CONTAINER = re.compile(r"[a-zA-Z0-9_-]{1,255}")
_NAME = re.compile(r"[a-zA-Z0-9_./:-]{1,255}")
_CAPACITY_BASE_MAX = 100_000
_CAPACITY_WEIGHT_MAX = 1_000


class EcsHook(StrEnum):
    """The ECS lifecycle events a hook function may run in (reference §5), in order."""

    BEFORE_INSTALL = "BeforeInstall"
    AFTER_INSTALL = "AfterInstall"
    AFTER_ALLOW_TEST_TRAFFIC = "AfterAllowTestTraffic"
    BEFORE_ALLOW_TRAFFIC = "BeforeAllowTraffic"
    AFTER_ALLOW_TRAFFIC = "AfterAllowTraffic"

    @property
    def event(self) -> LifecycleEvent:
        return LifecycleEvent(self.value)


class AssignPublicIp(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


@dataclass(frozen=True)
class AwsvpcConfiguration:
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...] = ()
    assign_public_ip: AssignPublicIp | None = None


@dataclass(frozen=True)
class CapacityProviderItem:
    capacity_provider: str
    base: int = 0
    weight: int = 0


@dataclass(frozen=True)
class EcsAppSpec:
    task_definition: str
    container_name: str
    container_port: int
    platform_version: str | None = None
    network_configuration: AwsvpcConfiguration | None = None
    capacity_provider_strategy: tuple[CapacityProviderItem, ...] = ()
    hooks: dict[EcsHook, str] = field(default_factory=dict)  # event → hook function name


def parse_ecs_appspec(text: str | bytes) -> EcsAppSpec:
    root = load_document(
        text, what="AppSpec", error=InvalidAppSpecError, size_limit=ECS_APPSPEC_SIZE_LIMIT_BYTES
    )
    version = _required(root, "version")
    if isinstance(version.value, bool) or str(version.value) not in {"0.0", "0"}:
        raise version.error(f"must be 0.0, got {version.value!r}")
    resources = _required(root, "resources")
    items = resources.items()
    if len(items) != 1:
        raise resources.error(f"must name exactly one ECS service, got {len(items)}")
    spec = _service(items[0])
    hooks_node = appspec_member(root, "hooks", required=False)
    hooks = _hooks(hooks_node) if hooks_node is not None else {}
    return EcsAppSpec(**spec, hooks=hooks)  # type: ignore[arg-type]


def _required(node: DocumentValue, key: str) -> DocumentValue:
    found = appspec_member(node, key, required=True)
    assert found is not None
    return found


def _service(item: DocumentValue) -> dict[str, object]:
    members = item.mapping()
    if len(members) != 1:
        raise item.error("must be one resource name mapped to its definition")
    (logical_name,) = members
    resource = item.child(logical_name, members[logical_name])
    kind = _required(resource, "type")
    if kind.value != SERVICE_TYPE:
        raise kind.error(f"must be {SERVICE_TYPE}, got {kind.value!r}")
    properties = _required(resource, "properties")
    task_definition = appspec_text(
        properties, "taskdefinition", _TASK_DEFINITION, "a task definition ARN or family:revision"
    )
    balancer = _required(properties, "loadbalancerinfo")
    container = appspec_text(balancer, "containername", _CONTAINER, "a container name")
    port = _integer(_required(balancer, "containerport"), 1, 65535)
    platform = appspec_member(properties, "platformversion", required=False)
    network = appspec_member(properties, "networkconfiguration", required=False)
    strategy = appspec_member(properties, "capacityproviderstrategy", required=False)
    return {
        "task_definition": task_definition,
        "container_name": container,
        "container_port": port,
        "platform_version": None if platform is None else platform.text(),
        "network_configuration": None if network is None else _network(network),
        "capacity_provider_strategy": () if strategy is None else _strategy(strategy),
    }


def _integer(node: DocumentValue, low: int, high: int) -> int:
    value = node.value
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise node.error(f"must be a whole number from {low} to {high}, got {node.value!r}")
    return value


def _names(node: DocumentValue, what: str) -> tuple[str, ...]:
    names = node.texts()
    for name in names:
        if not _NAME.fullmatch(name):
            raise node.error(f"must list {what}, got {name!r}")
    return names


def _network(node: DocumentValue) -> AwsvpcConfiguration:
    vpc = _required(node, "awsvpcconfiguration")
    subnets = _names(_required(vpc, "subnets"), "subnet IDs")
    if not subnets:
        raise vpc.child("Subnets", None).error("must list at least one subnet")
    groups_node = appspec_member(vpc, "securitygroups", required=False)
    public = appspec_member(vpc, "assignpublicip", required=False)
    return AwsvpcConfiguration(
        subnets=subnets,
        security_groups=() if groups_node is None else _names(groups_node, "security group IDs"),
        assign_public_ip=None if public is None else public.choice(AssignPublicIp),
    )


def _strategy(node: DocumentValue) -> tuple[CapacityProviderItem, ...]:
    items = []
    for entry in node.items():
        provider = appspec_text(entry, "capacityprovider", _NAME, "a capacity provider name")
        base = appspec_member(entry, "base", required=False)
        weight = appspec_member(entry, "weight", required=False)
        items.append(
            CapacityProviderItem(
                capacity_provider=provider,
                base=0 if base is None else _integer(base, 0, _CAPACITY_BASE_MAX),
                weight=0 if weight is None else _integer(weight, 0, _CAPACITY_WEIGHT_MAX),
            )
        )
    if len({item.capacity_provider for item in items}) != len(items):
        raise node.error("names a capacity provider more than once")
    return tuple(items)


def _hooks(node: DocumentValue) -> dict[EcsHook, str]:
    return appspec_hooks(node, EcsHook, "an ECS lifecycle hook")
