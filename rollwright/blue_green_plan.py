"""The order of an EC2 blue/green deployment's steps, and what its rollback undoes.

A standard deployment (reference §5, "Flow"): provision green (only when the group's Auto Scaling
group is copied; discovered instances exist already) → install on green → the ready wait (only
with STOP_DEPLOYMENT) → register green → deregister blue → the termination wait and termination
of blue (TERMINATE), or nothing more (KEEP_ALIVE: blue keeps running, out of the load balancers).

A rollback puts traffic back on blue (the blue instances already deregistered are registered
again, then the green instances already registered are deregistered, ``rollback_batches``) and,
for a copied Auto Scaling group, deletes the copy with its instances; discovered green instances
are left running, since Rollwright did not create them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rollwright.blue_green import BlueGreenOptions
from rollwright.blue_green_rerouting import RerouteBatch, rollback_batches
from rollwright.deployment_configs import MinimumHealthyHosts


class BlueGreenStep(StrEnum):
    PROVISION_GREEN = "ProvisionGreen"  # create the Auto Scaling group copy
    INSTALL_GREEN = "InstallGreen"
    READY_WAIT = "ReadyWait"
    ALLOW_TRAFFIC_GREEN = "AllowTrafficGreen"
    BLOCK_TRAFFIC_BLUE = "BlockTrafficBlue"
    TERMINATION_WAIT = "TerminationWait"
    TERMINATE_BLUE = "TerminateBlue"
    # A rollback deployment's steps: traffic back on blue, then off green.
    ALLOW_TRAFFIC_BLUE = "AllowTrafficBlue"
    BLOCK_TRAFFIC_GREEN = "BlockTrafficGreen"
    DELETE_GREEN_COPY = "DeleteGreenCopy"  # a rolled-back copy's Auto Scaling group


def deployment_steps(options: BlueGreenOptions) -> tuple[BlueGreenStep, ...]:
    """The steps of a standard deployment with ``options``, in order."""
    steps = [
        *([BlueGreenStep.PROVISION_GREEN] if options.copies_auto_scaling_group else []),
        BlueGreenStep.INSTALL_GREEN,
        *([BlueGreenStep.READY_WAIT] if options.waits_for_ready else []),
        BlueGreenStep.ALLOW_TRAFFIC_GREEN,
        BlueGreenStep.BLOCK_TRAFFIC_BLUE,
    ]
    if options.terminates_blue:
        steps += [BlueGreenStep.TERMINATION_WAIT, BlueGreenStep.TERMINATE_BLUE]
    return tuple(steps)


ROLLBACK_STEPS = (BlueGreenStep.ALLOW_TRAFFIC_BLUE, BlueGreenStep.BLOCK_TRAFFIC_GREEN)


@dataclass(frozen=True)
class RollbackPlan:
    batches: tuple[RerouteBatch, ...]
    delete_auto_scaling_group: str | None  # the copy, deleted once traffic is back on blue


def rollback_plan(
    rule: MinimumHealthyHosts,
    *,
    blocked_blue: Sequence[str],
    allowed_green: Sequence[str],
    auto_scaling_group_copy: str | None,
) -> RollbackPlan:
    """What rolling back a blue/green deployment does, from what it had done: the traffic
    moves to undo, then the copy (if any) to delete."""
    return RollbackPlan(
        rollback_batches(rule, blocked_blue=blocked_blue, allowed_green=allowed_green),
        auto_scaling_group_copy,
    )
