"""What every operation is: a function of the domain services and the request members."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rollwright.applications import Applications
from rollwright.blue_green_continue import BlueGreenContinues
from rollwright.deployment_configs import DeploymentConfigs
from rollwright.deployment_groups import DeploymentGroups
from rollwright.deployment_stops import DeploymentStops
from rollwright.deployments import Deployments
from rollwright.on_premises_instances import OnPremisesInstances
from rollwright.resource_tags import ResourceTags
from rollwright.revisions import ApplicationRevisions

Params = Mapping[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class CodeDeployServices:
    """The domain services the operations call, wired to their stores by the api function."""

    applications: Applications
    revisions: ApplicationRevisions
    on_premises_instances: OnPremisesInstances
    deployment_configs: DeploymentConfigs
    deployment_groups: DeploymentGroups
    resource_tags: ResourceTags
    deployments: Deployments
    deployment_stops: DeploymentStops
    # The signed caller of the request being served (API Gateway's userArn), set per request.
    caller: str | None = None
    # ContinueDeployment for EC2 blue/green deployments (Server).
    blue_green_waits: BlueGreenContinues | None = None


Operation = Callable[[CodeDeployServices, Params], Result]
