"""EC2 blue/green deployments: the fleets, the per-label lifecycles and the deployment's phases.

A blue/green deployment of a Server group leaves the running (*Blue*, original) instances alone
and installs the revision on a *Green* (replacement) fleet, either instances that exist already
(``DISCOVER_EXISTING``: CreateDeployment's ``targetInstances``) or a copy of the group's Auto
Scaling group (``COPY_AUTO_SCALING_GROUP``, ``blue_green_fleet``). Then it reroutes: green
instances are registered with the load balancers (AllowTraffic) and blue ones deregistered
(BlockTraffic), in batches under the deployment configuration's minimum healthy hosts
(``blue_green_rerouting``), with an optional wait for ContinueDeployment before rerouting and a
wait before blue instances are terminated (``blue_green_waits``). Reference §5 and §8.

Each label has its own lifecycle (the reference's availability table): green runs the install
events and then the allow-traffic events; blue runs only the block-traffic events. A rollback
swaps the traffic halves: blue gets traffic back (the allow-traffic events) and green loses it
(the block-traffic events), and its hooks read scripts from other revisions than a standard
deployment's (``script_revision``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    DeploymentReadyAction,
    GreenFleetProvisioningAction,
    InstanceAction,
)
from rollwright.lifecycle import LAST_SUCCESSFUL_INSTALL_EVENTS, LifecycleEvent
from rollwright.lifecycle_segments import LifecycleSegment, segments_of


class InstanceLabel(StrEnum):
    """CodeDeploy's ``TargetLabel`` / ``InstanceType``: original or replacement environment."""

    BLUE = "Blue"
    GREEN = "Green"


# --- the group's options, with CodeDeploy's defaults filled in ---------------------------------


@dataclass(frozen=True)
class BlueGreenOptions:
    """A group's ``blueGreenDeploymentConfiguration`` with every member decided."""

    provisioning: GreenFleetProvisioningAction
    ready_action: DeploymentReadyAction
    ready_wait_minutes: int
    blue_action: InstanceAction
    termination_wait_minutes: int

    @property
    def copies_auto_scaling_group(self) -> bool:
        return self.provisioning is GreenFleetProvisioningAction.COPY_AUTO_SCALING_GROUP

    @property
    def waits_for_ready(self) -> bool:
        return self.ready_action is DeploymentReadyAction.STOP_DEPLOYMENT

    @property
    def terminates_blue(self) -> bool:
        return self.blue_action is InstanceAction.TERMINATE


def blue_green_options(configuration: BlueGreenConfiguration | None) -> BlueGreenOptions:
    """The options a deployment runs with. Members the group leaves out take the defaults of
    ``docs/decisions.md``: discover existing instances, reroute as soon as green is
    ready, and keep blue instances alive (never terminate what the user did not ask to)."""
    configuration = configuration or BlueGreenConfiguration()
    ready = configuration.deployment_ready
    termination = configuration.terminate_blue_instances
    return BlueGreenOptions(
        provisioning=(
            configuration.green_fleet_provisioning or GreenFleetProvisioningAction.DISCOVER_EXISTING
        ),
        ready_action=(
            (ready.action_on_timeout if ready else None)
            or DeploymentReadyAction.CONTINUE_DEPLOYMENT
        ),
        ready_wait_minutes=(ready.wait_time_minutes if ready else None) or 0,
        blue_action=(termination.action if termination else None) or InstanceAction.KEEP_ALIVE,
        termination_wait_minutes=(termination.termination_wait_minutes if termination else None)
        or 0,
    )


# --- the fleets ---------------------------------------------------------------------------------


class OverlappingFleetsError(ValueError):
    """An instance is both an original (blue) and a replacement (green) instance."""


@dataclass(frozen=True)
class LabelledInstance:
    instance_id: str
    label: InstanceLabel


@dataclass(frozen=True)
class BlueGreenFleets:
    """The deployment's instances by label, each in a stable (id) order."""

    blue: tuple[str, ...]
    green: tuple[str, ...]

    def label_of(self, instance_id: str) -> InstanceLabel | None:
        if instance_id in self.blue:
            return InstanceLabel.BLUE
        if instance_id in self.green:
            return InstanceLabel.GREEN
        return None

    def instances(self, label: InstanceLabel | None = None) -> tuple[LabelledInstance, ...]:
        """Every instance with its label (green first: they are deployed to first), or only
        those with ``label``."""
        labelled = [LabelledInstance(i, InstanceLabel.GREEN) for i in self.green] + [
            LabelledInstance(i, InstanceLabel.BLUE) for i in self.blue
        ]
        return tuple(i for i in labelled if label is None or i.label is label)


def blue_green_fleets(blue: Sequence[str], green: Sequence[str]) -> BlueGreenFleets:
    """The two fleets; an instance in both is refused, since one instance cannot both keep
    serving the old revision and be replaced by the new one."""
    both = sorted(set(blue) & set(green))
    if both:
        raise OverlappingFleetsError(
            f"Instance {both[0]} is both an original (blue) and a replacement (green) instance."
        )
    return BlueGreenFleets(blue=tuple(sorted(set(blue))), green=tuple(sorted(set(green))))


# --- per-label lifecycles -----------------------------------------------------------------------

GREEN_INSTALL_EVENTS = (
    LifecycleEvent.APPLICATION_STOP,
    LifecycleEvent.DOWNLOAD_BUNDLE,
    LifecycleEvent.BEFORE_INSTALL,
    LifecycleEvent.INSTALL,
    LifecycleEvent.AFTER_INSTALL,
    LifecycleEvent.APPLICATION_START,
    LifecycleEvent.VALIDATE_SERVICE,
)
ALLOW_TRAFFIC_EVENTS = (
    LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
    LifecycleEvent.ALLOW_TRAFFIC,
    LifecycleEvent.AFTER_ALLOW_TRAFFIC,
)
BLOCK_TRAFFIC_EVENTS = (
    LifecycleEvent.BEFORE_BLOCK_TRAFFIC,
    LifecycleEvent.BLOCK_TRAFFIC,
    LifecycleEvent.AFTER_BLOCK_TRAFFIC,
)


def label_events(label: InstanceLabel, *, rollback: bool = False) -> tuple[LifecycleEvent, ...]:
    """An instance's whole lifecycle (as the API lists it), Start and End included as for
    in-place instances. Standard: green installs then takes traffic; blue only loses traffic.
    Rollback: blue takes traffic back; green loses it."""
    if label is InstanceLabel.GREEN:
        middle = (
            BLOCK_TRAFFIC_EVENTS if rollback else (*GREEN_INSTALL_EVENTS, *ALLOW_TRAFFIC_EVENTS)
        )
    else:
        middle = ALLOW_TRAFFIC_EVENTS if rollback else BLOCK_TRAFFIC_EVENTS
    return (LifecycleEvent.START, *middle, LifecycleEvent.END)


class LabelPhase(StrEnum):
    """The parts of an instance's lifecycle the workflow runs at different times."""

    INSTALL = "Install"  # green: ApplicationStop … ValidateService
    ALLOW_TRAFFIC = "AllowTraffic"  # BeforeAllowTraffic, AllowTraffic*, AfterAllowTraffic
    BLOCK_TRAFFIC = "BlockTraffic"  # BeforeBlockTraffic, BlockTraffic*, AfterBlockTraffic


_PHASE_EVENTS = {
    LabelPhase.INSTALL: GREEN_INSTALL_EVENTS,
    LabelPhase.ALLOW_TRAFFIC: ALLOW_TRAFFIC_EVENTS,
    LabelPhase.BLOCK_TRAFFIC: BLOCK_TRAFFIC_EVENTS,
}


def label_phases(label: InstanceLabel, *, rollback: bool = False) -> tuple[LabelPhase, ...]:
    if label is InstanceLabel.GREEN:
        if rollback:
            return (LabelPhase.BLOCK_TRAFFIC,)
        return (LabelPhase.INSTALL, LabelPhase.ALLOW_TRAFFIC)
    return (LabelPhase.ALLOW_TRAFFIC,) if rollback else (LabelPhase.BLOCK_TRAFFIC,)


def phase_segments(phase: LabelPhase) -> tuple[LifecycleSegment, ...]:
    """A phase cut where the control plane acts itself: the install is one agent segment; a
    traffic phase is agent (Before…) → control plane (AllowTraffic/BlockTraffic) → agent
    (After…)."""
    return segments_of(_PHASE_EVENTS[phase])


# --- which revision's scripts a hook runs ------------------------------------------------------


class ScriptRevision(StrEnum):
    """Where the agent takes a hook's scripts from (reference §5, "Which revision's scripts")."""

    DEPLOYED = "Deployed"  # the revision this deployment installs
    LAST_SUCCESSFUL_INSTALL = "LastSuccessfulInstall"
    MOST_RECENT_INSTALL = "MostRecentInstall"


_ROLLBACK_MOST_RECENT = frozenset(
    {LifecycleEvent.BEFORE_BLOCK_TRAFFIC, LifecycleEvent.AFTER_BLOCK_TRAFFIC}
)
_ROLLBACK_LAST_SUCCESSFUL = frozenset(
    {
        LifecycleEvent.APPLICATION_STOP,
        LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
        LifecycleEvent.AFTER_ALLOW_TRAFFIC,
    }
)


def script_revision(event: LifecycleEvent, *, blue_green_rollback: bool) -> ScriptRevision:
    """The standard mapping (ApplicationStop and the block-traffic hooks: last successful
    install), or the blue/green rollback mapping (creator ``codeDeployRollback``): the
    block-traffic hooks run the most recent install's scripts (the green revision being rolled
    back), ApplicationStop and the allow-traffic hooks the last successful install's."""
    if not blue_green_rollback:
        if event in LAST_SUCCESSFUL_INSTALL_EVENTS:
            return ScriptRevision.LAST_SUCCESSFUL_INSTALL
        return ScriptRevision.DEPLOYED
    if event in _ROLLBACK_MOST_RECENT:
        return ScriptRevision.MOST_RECENT_INSTALL
    if event in _ROLLBACK_LAST_SUCCESSFUL:
        return ScriptRevision.LAST_SUCCESSFUL_INSTALL
    return ScriptRevision.DEPLOYED


def rerouted(label: InstanceLabel, started: Collection[LifecycleEvent]) -> bool:
    """Whether rerouting reached an instance (``started``: the events it began): a green one
    began taking traffic, a blue one began losing it. A rollback moves only those back."""
    events = ALLOW_TRAFFIC_EVENTS if label is InstanceLabel.GREEN else BLOCK_TRAFFIC_EVENTS
    return any(event in started for event in events)
