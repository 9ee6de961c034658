"""In-memory Auto Scaling lifecycle hooks and actions (``rollwright.auto_scaling_*``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rollwright.auto_scaling_hooks import InstalledHooks
from rollwright.auto_scaling_launches import LifecycleAction, LifecycleActionResult
from rollwright.errors import InvalidAutoScalingGroupException


@dataclass
class FakeLifecycleHooks:
    """Hooks per Auto Scaling group name; groups in ``stuck`` refuse removal."""

    groups: set[str] = field(default_factory=lambda: {"web-asg", "api-asg"})
    installed: dict[str, dict[str, str]] = field(default_factory=dict)  # group -> hook -> group id
    stuck: set[str] = field(default_factory=set)

    def install(self, hooks: InstalledHooks, *, deployment_group_id: str) -> None:
        if hooks.auto_scaling_group not in self.groups:
            raise InvalidAutoScalingGroupException(
                f"The Auto Scaling group {hooks.auto_scaling_group} does not exist."
            )
        names = self.installed.setdefault(hooks.auto_scaling_group, {})
        for name in (hooks.launch_hook, hooks.termination_hook):
            if name:
                names[name] = deployment_group_id

    def remove(self, hooks: InstalledHooks) -> bool:
        if hooks.auto_scaling_group in self.stuck:
            return False
        names = self.installed.get(hooks.auto_scaling_group, {})
        for name in (hooks.launch_hook, hooks.termination_hook):
            if name:
                names.pop(name, None)
        return True

    def names(self, group: str) -> set[str]:
        return set(self.installed.get(group, {}))


@dataclass
class RecordingLifecycleActions:
    completed: list[tuple[str, LifecycleActionResult]] = field(default_factory=list)

    def complete(self, action: LifecycleAction, result: LifecycleActionResult) -> None:
        self.completed.append((action.instance_id, result))


@dataclass
class InMemoryHeldActions:
    held: dict[str, LifecycleAction] = field(default_factory=dict)

    def hold(self, action: LifecycleAction) -> None:
        self.held[action.instance_id] = action

    def release(self, instance_id: str) -> LifecycleAction | None:
        return self.held.pop(instance_id, None)

    def holds(self, instance_id: str) -> bool:
        return instance_id in self.held
