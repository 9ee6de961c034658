"""CodeDeploy's operations, one module per resource; each module exports its ``OPERATIONS``.

Each operation turns the request members into checked values (so bad input fails before anything
is written), in two phases: the model's constraints on every member first, required members first
of all, then CodeDeploy's rules (``rollwright.model_constraints``). It returns a result in the
member names of the operation's output shape in botocore's CodeDeploy model; timestamps stay
``datetime`` for the protocol to encode.
"""

from __future__ import annotations

from rollwright.operations import (
    applications,
    deployment_configs,
    deployment_groups,
    deployment_stops,
    deployment_targets,
    deployment_waits,
    deployments,
    lifecycle_hooks,
    on_premises_instances,
    resource_tags,
    revisions,
)
from rollwright.operations.shapes import Operation

OPERATIONS: dict[str, Operation] = {
    **applications.OPERATIONS,
    **revisions.OPERATIONS,
    **on_premises_instances.OPERATIONS,
    **deployment_configs.OPERATIONS,
    **deployment_groups.OPERATIONS,
    **resource_tags.OPERATIONS,
    **deployments.OPERATIONS,
    **deployment_targets.OPERATIONS,
    **deployment_stops.OPERATIONS,
    **deployment_waits.OPERATIONS,
    **lifecycle_hooks.OPERATIONS,
}
