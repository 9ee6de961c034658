"""The Auto Scaling lifecycle hooks a Server deployment group installs in its Auto Scaling groups.

CodeDeploy installs a launch hook in every Auto Scaling group of a deployment group (and, with
``terminationHookEnabled``, a termination hook too), names it after the group plus a unique id,
reports the names in ``DeploymentGroupInfo.autoScalingGroups`` and removes the hooks when the Auto
Scaling group leaves the deployment group or the group is deleted; the hooks it could not remove
are answered in ``hooksNotCleanedUp`` (reference §2, botocore ``AutoScalingGroup``).

Here: the names, what a change of the group's settings installs and removes (``plan_hooks``), and
the ``LifecycleHooks`` interface the Auto Scaling adapter implements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rollwright.deployment_group_settings import DeploymentGroupSettings

LAUNCH_HOOK_PREFIX = "CodeDeploy-managed-automatic-launch-deployment-hook"
# The termination hook's prefix is not documented; this follows the launch hook's form.
TERMINATION_HOOK_PREFIX = "CodeDeploy-managed-termination-hook"
# Auto Scaling's LifecycleHookName: 1..255 of [A-Za-z0-9-_/]. A group name may also hold
# + = , . @, which a hook name cannot: those become "-".
_NOT_IN_HOOK_NAME = re.compile(r"[^A-Za-z0-9_/-]")
HOOK_NAME_MAX_LENGTH = 255


# The hooks' NotificationMetadata marks them as Rollwright's: lifecycle events of other hooks
# with CodeDeploy's names (AWS CodeDeploy's own, in the same account) are left to their owner.
MANAGED_BY = "rollwright"


def hook_metadata(deployment_group_id: str) -> str:
    """The ``NotificationMetadata`` of a deployment group's hooks."""
    return json.dumps({"managedBy": MANAGED_BY, "deploymentGroupId": deployment_group_id})


@dataclass(frozen=True)
class InstalledHooks:
    """The hooks installed in one Auto Scaling group (botocore ``AutoScalingGroup``)."""

    auto_scaling_group: str
    launch_hook: str
    termination_hook: str | None = None


@dataclass(frozen=True)
class HookPlan:
    """What a deployment group's new settings install and remove. ``kept`` is the group's hooks
    afterwards; ``install`` and ``remove`` are the hooks to put and to delete."""

    kept: tuple[InstalledHooks, ...]
    install: tuple[InstalledHooks, ...]
    remove: tuple[InstalledHooks, ...]


def auto_scaling_group_info(hooks: InstalledHooks) -> dict[str, str]:
    """botocore's ``AutoScalingGroup``: the Auto Scaling group's name and the hooks in it."""
    info = {"name": hooks.auto_scaling_group}
    if hooks.launch_hook:
        info["hook"] = hooks.launch_hook
    if hooks.termination_hook:
        info["terminationHook"] = hooks.termination_hook
    return info


def installed_hooks(info: dict[str, str]) -> InstalledHooks:
    """The inverse of ``auto_scaling_group_info``."""
    return InstalledHooks(info["name"], info.get("hook", ""), info.get("terminationHook"))


def hook_name(prefix: str, deployment_group_name: str, unique_id: str) -> str:
    name = f"{prefix}-{_NOT_IN_HOOK_NAME.sub('-', deployment_group_name)}-{unique_id}"
    return name[:HOOK_NAME_MAX_LENGTH]


def plan_hooks(
    current: Sequence[InstalledHooks],
    settings: DeploymentGroupSettings,
    *,
    deployment_group_name: str,
    new_id: Callable[[], str],
) -> HookPlan:
    """The hooks ``settings`` needs, starting from ``current``.

    An Auto Scaling group that stays keeps its launch hook; one that leaves loses its hooks; a
    new one gets a launch hook (and a termination hook when enabled). Turning
    ``terminationHookEnabled`` on or off installs or removes only the termination hooks.
    """
    by_group = {hooks.auto_scaling_group: hooks for hooks in current}
    kept: list[InstalledHooks] = []
    install: list[InstalledHooks] = []
    remove: list[InstalledHooks] = []
    wanted = settings.auto_scaling_groups
    for group in wanted:
        existing = by_group.get(group)
        if existing is None:
            unique_id = new_id()
            hooks = InstalledHooks(
                auto_scaling_group=group,
                launch_hook=hook_name(LAUNCH_HOOK_PREFIX, deployment_group_name, unique_id),
                termination_hook=hook_name(
                    TERMINATION_HOOK_PREFIX, deployment_group_name, unique_id
                )
                if settings.termination_hook_enabled
                else None,
            )
            install.append(hooks)
        elif settings.termination_hook_enabled and existing.termination_hook is None:
            termination = hook_name(TERMINATION_HOOK_PREFIX, deployment_group_name, new_id())
            hooks = InstalledHooks(group, existing.launch_hook, termination)
            install.append(InstalledHooks(group, "", termination))
        elif not settings.termination_hook_enabled and existing.termination_hook is not None:
            hooks = InstalledHooks(group, existing.launch_hook)
            remove.append(InstalledHooks(group, "", existing.termination_hook))
        else:
            hooks = existing
        kept.append(hooks)
    remove += [hooks for hooks in current if hooks.auto_scaling_group not in wanted]
    return HookPlan(tuple(kept), tuple(install), tuple(remove))


class LifecycleHooks(Protocol):
    """Auto Scaling lifecycle hooks (the adapter calls Auto Scaling). An empty hook name in an
    ``InstalledHooks`` means "not this one"."""

    def install(self, hooks: InstalledHooks, *, deployment_group_id: str) -> None:
        """Put the hooks; InvalidAutoScalingGroupException if the Auto Scaling group does not
        exist. ``deployment_group_id`` rides in the hooks' notification metadata."""

    def remove(self, hooks: InstalledHooks) -> bool:
        """Delete the hooks (a hook or Auto Scaling group already gone counts as removed);
        False if they could not be removed."""


def install_all(
    hooks: LifecycleHooks, plan: HookPlan, *, deployment_group_id: str
) -> Callable[[], None]:
    """Install the plan's hooks, all or none: if one fails, the ones already put are removed and
    the error raised. Returns the undo, for a write of the group that then fails."""
    installed: list[InstalledHooks] = []

    def undo() -> None:
        for done in installed:
            hooks.remove(done)

    try:
        for wanted in plan.install:
            hooks.install(wanted, deployment_group_id=deployment_group_id)
            installed.append(wanted)
    except Exception:
        undo()
        raise
    return undo


def remove_all(hooks: LifecycleHooks, removed: Sequence[InstalledHooks]) -> list[InstalledHooks]:
    """Remove the hooks; the ones that could not be removed (``hooksNotCleanedUp``)."""
    return [each for each in removed if not hooks.remove(each)]
