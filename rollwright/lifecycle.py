"""CodeDeploy's lifecycle events for Server deployments and the rules attached to them."""

from __future__ import annotations

from enum import StrEnum


class LifecycleEvent(StrEnum):
    START = "Start"
    BEFORE_BLOCK_TRAFFIC = "BeforeBlockTraffic"
    BLOCK_TRAFFIC = "BlockTraffic"
    AFTER_BLOCK_TRAFFIC = "AfterBlockTraffic"
    APPLICATION_STOP = "ApplicationStop"
    DOWNLOAD_BUNDLE = "DownloadBundle"
    BEFORE_INSTALL = "BeforeInstall"
    INSTALL = "Install"
    AFTER_INSTALL = "AfterInstall"
    APPLICATION_START = "ApplicationStart"
    VALIDATE_SERVICE = "ValidateService"
    # ECS blue/green only: the test listener moves to the replacement task set.
    ALLOW_TEST_TRAFFIC = "AllowTestTraffic"
    AFTER_ALLOW_TEST_TRAFFIC = "AfterAllowTestTraffic"
    BEFORE_ALLOW_TRAFFIC = "BeforeAllowTraffic"
    ALLOW_TRAFFIC = "AllowTraffic"
    AFTER_ALLOW_TRAFFIC = "AfterAllowTraffic"
    END = "End"


class LifecycleEventStatus(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    UNKNOWN = "Unknown"


class LifecycleErrorCode(StrEnum):
    """``Diagnostics.errorCode`` in CodeDeploy's model."""

    SUCCESS = "Success"
    SCRIPT_MISSING = "ScriptMissing"
    SCRIPT_NOT_EXECUTABLE = "ScriptNotExecutable"
    SCRIPT_TIMED_OUT = "ScriptTimedOut"
    SCRIPT_FAILED = "ScriptFailed"
    UNKNOWN_ERROR = "UnknownError"


# The test listener's events exist only in ECS deployments (``ecs_records``).
ECS_TEST_TRAFFIC_EVENTS = frozenset(
    {LifecycleEvent.ALLOW_TEST_TRAFFIC, LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC}
)

# Events the service (or, for DownloadBundle and Install, the agent itself) performs, and the ECS
# test-traffic events no host has; an appspec may not attach scripts to them.
RESERVED_EVENTS = frozenset(
    {
        LifecycleEvent.START,
        LifecycleEvent.DOWNLOAD_BUNDLE,
        LifecycleEvent.INSTALL,
        LifecycleEvent.BLOCK_TRAFFIC,
        LifecycleEvent.ALLOW_TRAFFIC,
        LifecycleEvent.END,
        *ECS_TEST_TRAFFIC_EVENTS,
    }
)

# Events whose scripts come from the last successful install rather than the revision being
# deployed (a standard, not blue/green-rollback, deployment).
LAST_SUCCESSFUL_INSTALL_EVENTS = frozenset(
    {
        LifecycleEvent.APPLICATION_STOP,
        LifecycleEvent.BEFORE_BLOCK_TRAFFIC,
        LifecycleEvent.AFTER_BLOCK_TRAFFIC,
    }
)

# Events whose failure ``ignoreApplicationStopFailures`` forgives.
IGNORABLE_STOP_EVENTS = LAST_SUCCESSFUL_INSTALL_EVENTS

# The canonical order of an in-place deployment with a load balancer; without one, the six
# traffic events are left out.
IN_PLACE_WITH_TRAFFIC = (
    LifecycleEvent.START,
    LifecycleEvent.BEFORE_BLOCK_TRAFFIC,
    LifecycleEvent.BLOCK_TRAFFIC,
    LifecycleEvent.AFTER_BLOCK_TRAFFIC,
    LifecycleEvent.APPLICATION_STOP,
    LifecycleEvent.DOWNLOAD_BUNDLE,
    LifecycleEvent.BEFORE_INSTALL,
    LifecycleEvent.INSTALL,
    LifecycleEvent.AFTER_INSTALL,
    LifecycleEvent.APPLICATION_START,
    LifecycleEvent.VALIDATE_SERVICE,
    LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
    LifecycleEvent.ALLOW_TRAFFIC,
    LifecycleEvent.AFTER_ALLOW_TRAFFIC,
    LifecycleEvent.END,
)
TRAFFIC_EVENTS = frozenset(
    {
        LifecycleEvent.BEFORE_BLOCK_TRAFFIC,
        LifecycleEvent.BLOCK_TRAFFIC,
        LifecycleEvent.AFTER_BLOCK_TRAFFIC,
        LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
        LifecycleEvent.ALLOW_TRAFFIC,
        LifecycleEvent.AFTER_ALLOW_TRAFFIC,
    }
)
IN_PLACE_WITHOUT_TRAFFIC = tuple(e for e in IN_PLACE_WITH_TRAFFIC if e not in TRAFFIC_EVENTS)

# An Auto Scaling termination deployment (scale-in with ``terminationHookEnabled``): the instance
# leaves its load balancers and its application stops (the user guide's hook availability table
# and scale-in diagram); without a load balancer, as in place, the traffic events are left out.
TERMINATION_WITH_TRAFFIC = (
    LifecycleEvent.START,
    LifecycleEvent.BEFORE_BLOCK_TRAFFIC,
    LifecycleEvent.BLOCK_TRAFFIC,
    LifecycleEvent.AFTER_BLOCK_TRAFFIC,
    LifecycleEvent.APPLICATION_STOP,
    LifecycleEvent.END,
)
TERMINATION_WITHOUT_TRAFFIC = tuple(e for e in TERMINATION_WITH_TRAFFIC if e not in TRAFFIC_EVENTS)

# Events a host agent runs (everything but the control plane's own Start, End and traffic moves).
AGENT_EVENTS = frozenset(
    e
    for e in LifecycleEvent
    if e not in ECS_TEST_TRAFFIC_EVENTS
    and e
    not in {
        LifecycleEvent.START,
        LifecycleEvent.END,
        LifecycleEvent.BLOCK_TRAFFIC,
        LifecycleEvent.ALLOW_TRAFFIC,
    }
)
