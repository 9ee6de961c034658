"""Auto Scaling lifecycle actions, which moto does not have: launch hooks that hold instances.

moto stores lifecycle hooks but launches every instance straight into ``InService``, emits no
``EC2 Instance-launch Lifecycle Action`` event, drops a hook's ``NotificationMetadata`` and has no
``CompleteLifecycleAction``. Around each Auto Scaling call that may launch instances this module
compares the groups' members: an instance new in a group with a launch hook is put in
``Pending:Wait`` and the hook's event is put on the default bus (source ``aws.autoscaling``, with
a fresh action token and the hook's metadata, as Auto Scaling does). ``CompleteLifecycleAction``
is answered here: ``CONTINUE`` puts the instance in service; ``ABANDON`` terminates it and lowers
the desired capacity (Auto Scaling would launch a replacement, which here would only fail again).

Scale-in of a group with a termination hook (``SetDesiredCapacity`` below the in-service count,
``TerminateInstanceInAutoScalingGroup`` with ``ShouldDecrementDesiredCapacity``) is answered here
instead of by moto, which would terminate at once: the instances to go (moto's own choice, the
first unprotected ones) stay members in ``Terminating:Wait`` and the hook's ``EC2
Instance-terminate Lifecycle Action`` event is put on the bus; completing the action (either
result) terminates the instance. Other calls that shrink a group (UpdateAutoScalingGroup's
MaxSize, policies) are left to moto and terminate without a lifecycle action.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Response

from devstack import moto_emulator
from devstack.settings import ACCOUNT_ID, REGION

SOURCE = "aws.autoscaling"
LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
LAUNCH_DETAIL_TYPE = "EC2 Instance-launch Lifecycle Action"
TERMINATE_DETAIL_TYPE = "EC2 Instance-terminate Lifecycle Action"
_XMLNS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"


@dataclass(frozen=True)
class PendingAction:
    auto_scaling_group: str
    hook_name: str
    instance_id: str
    token: str
    transition: str = LAUNCHING


class LifecycleActionEmulator:
    """Launch lifecycle actions around moto's Auto Scaling calls, and their completion."""

    # The calls after which a group may have new members.
    launching = frozenset(
        {
            "CreateAutoScalingGroup",
            "UpdateAutoScalingGroup",
            "SetDesiredCapacity",
            "ExecutePolicy",
            "AttachInstances",
            "TerminateInstanceInAutoScalingGroup",
        }
    )
    answered = frozenset({"CompleteLifecycleAction", "RecordLifecycleActionHeartbeat"})
    # The calls that may scale a group in.
    scaling_in = frozenset({"SetDesiredCapacity", "TerminateInstanceInAutoScalingGroup"})

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._metadata: dict[tuple[str, str], str] = {}  # (group, hook) -> NotificationMetadata
        self._pending: dict[str, PendingAction] = {}  # token -> action
        self.completed: list[tuple[PendingAction, str]] = []  # (action, result), in order
        self.heartbeats: list[PendingAction] = []  # RecordLifecycleActionHeartbeat, in order

    def remember_hook(self, body: bytes) -> None:
        """Keep a PutLifecycleHook's metadata, which moto drops."""
        params = _params(body)
        metadata = params.get("NotificationMetadata")
        if metadata is not None:
            key = (params.get("AutoScalingGroupName", ""), params.get("LifecycleHookName", ""))
            self._metadata[key] = metadata

    @contextmanager
    def watch(self, region: str | None, account_id: str = ACCOUNT_ID) -> Iterator[None]:
        region = region or REGION
        with self._lock:
            before = self._members(account_id, region)
            yield
            backend = moto_emulator.autoscaling_backend(account_id, region)
            for name, group in backend.autoscaling_groups.items():
                hooks = [
                    hook
                    for hook in backend.describe_lifecycle_hooks(name)
                    if hook.lifecycle_transition == LAUNCHING
                ]
                if not hooks:
                    continue
                for state in group.instance_states:
                    if state.instance.id in before.get(name, set()):
                        continue
                    state.lifecycle_state = "Pending:Wait"
                    for hook in hooks:
                        self._event(
                            account_id, region, group, hook, state.instance.id, transition=LAUNCHING
                        )

    def answer(self, operation: str, body: bytes, region: str | None) -> Response:
        params = _params(body)
        token = params.get("LifecycleActionToken")
        with self._lock:
            action = self._find(params, token)
            if action is None:
                return _error("No active Lifecycle Action found with the given token or instance.")
            if operation == "RecordLifecycleActionHeartbeat":
                self.heartbeats.append(action)
            if operation == "CompleteLifecycleAction":
                del self._pending[action.token]
                result = params.get("LifecycleActionResult", "")
                self._complete(action, result, region or REGION)
                self.completed.append((action, result))
        return _ok(operation)

    def _find(self, params: dict[str, str], token: str | None) -> PendingAction | None:
        if token is not None:
            return self._pending.get(token)
        for action in self._pending.values():
            if (
                action.instance_id == params.get("InstanceId")
                and action.auto_scaling_group == params.get("AutoScalingGroupName")
                and action.hook_name == params.get("LifecycleHookName")
            ):
                return action
        return None

    def _complete(self, action: PendingAction, result: str, region: str) -> None:
        backend = moto_emulator.autoscaling_backend(ACCOUNT_ID, region)
        group = backend.autoscaling_groups.get(action.auto_scaling_group)
        if group is None:
            return
        if action.transition == TERMINATING:
            # Whatever the result, a terminating instance terminates.
            group.instance_states = [
                s for s in group.instance_states if s.instance.id != action.instance_id
            ]
            backend.ec2_backend.terminate_instances([action.instance_id])
            backend.update_attached_elbs(group.name)
            backend.update_attached_target_groups(group.name)
        elif result == "CONTINUE":
            for state in group.instance_states:
                if state.instance.id == action.instance_id:
                    state.lifecycle_state = "InService"
        else:
            backend.terminate_instance(action.instance_id, should_decrement=True)

    def scale_in(self, operation: str, body: bytes, region: str | None) -> Response | None:
        """Answer a scale-in of a group with a termination hook (see the module's notes);
        None: not one, moto answers."""
        if operation not in self.scaling_in:
            return None
        region = region or REGION
        backend = moto_emulator.autoscaling_backend(ACCOUNT_ID, region)
        with self._lock:
            scale_in = _scale_in(operation, _params(body), backend)
            if scale_in is None:
                return None
            group, leaving, desired = scale_in
            group.desired_capacity = desired
            for state in leaving:
                state.lifecycle_state = "Terminating:Wait"
                for hook in _hooks(backend, group.name, TERMINATING):
                    self._event(
                        ACCOUNT_ID, region, group, hook, state.instance.id, transition=TERMINATING
                    )
        return _ok(operation)

    def _members(self, account_id: str, region: str) -> dict[str, set[str]]:
        backend = moto_emulator.autoscaling_backend(account_id, region)
        return {
            name: {state.instance.id for state in group.instance_states}
            for name, group in backend.autoscaling_groups.items()
        }

    def _event(
        self,
        account_id: str,
        region: str,
        group: Any,
        hook: Any,
        instance_id: str,
        *,
        transition: str,
    ) -> None:
        action = PendingAction(group.name, hook.name, instance_id, str(uuid.uuid4()), transition)
        self._pending[action.token] = action
        launching = transition == LAUNCHING
        detail = {
            "Origin": "EC2" if launching else "AutoScalingGroup",
            "Destination": "AutoScalingGroup" if launching else "EC2",
            "LifecycleActionToken": action.token,
            "AutoScalingGroupName": group.name,
            "LifecycleHookName": hook.name,
            "EC2InstanceId": instance_id,
            "LifecycleTransition": transition,
        }
        metadata = self._metadata.get((group.name, hook.name))
        if metadata is not None:
            detail["NotificationMetadata"] = metadata
        moto_emulator.events_backend(account_id, region).put_events(
            [
                {
                    "Source": SOURCE,
                    "DetailType": LAUNCH_DETAIL_TYPE if launching else TERMINATE_DETAIL_TYPE,
                    "Detail": json.dumps(detail),
                    "Resources": [group.arn],
                }
            ]
        )


def _hooks(backend: Any, group_name: str, transition: str) -> list[Any]:
    return [
        hook
        for hook in backend.describe_lifecycle_hooks(group_name)
        if hook.lifecycle_transition == transition
    ]


def _scale_in(
    operation: str, params: dict[str, str], backend: Any
) -> tuple[Any, list[Any], int] | None:
    """The group a call scales in, the instance states that leave it and its new desired
    capacity; None when the call is not a scale-in of a group with a termination hook."""
    if operation == "SetDesiredCapacity":
        group = backend.autoscaling_groups.get(params.get("AutoScalingGroupName", ""))
        if group is None or not params.get("DesiredCapacity", "").isdigit():
            return None
        desired = int(params["DesiredCapacity"])
        in_service = group.active_instances()
        if desired >= len(in_service) or desired < group.min_size:
            return None
        # moto's own choice: the first instances not protected from scale-in.
        leaving = [s for s in in_service if not s.protected_from_scale_in]
        leaving = leaving[: len(in_service) - desired]
    else:  # TerminateInstanceInAutoScalingGroup
        if params.get("ShouldDecrementDesiredCapacity") != "true":
            return None
        found = [
            (g, s)
            for g in backend.autoscaling_groups.values()
            for s in g.instance_states
            if s.instance.id == params.get("InstanceId") and s.lifecycle_state == "InService"
        ]
        if not found:
            return None
        group, state = found[0]
        leaving, desired = [state], max(group.desired_capacity - 1, 0)
    if not _hooks(backend, group.name, TERMINATING):
        return None
    return group, leaving, desired


def _params(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", errors="replace")).items()}


def _ok(operation: str) -> Response:
    request_id = str(uuid.uuid4())
    xml = (
        f'<{operation}Response xmlns="{_XMLNS}"><{operation}Result/>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return Response(xml, status=200, content_type="text/xml")


def _error(message: str) -> Response:
    xml = (
        f'<ErrorResponse xmlns="{_XMLNS}"><Error><Type>Sender</Type><Code>ValidationError</Code>'
        f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
        "</ErrorResponse>"
    )
    return Response(xml, status=400, content_type="text/xml")
