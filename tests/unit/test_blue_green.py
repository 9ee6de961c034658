"""EC2 blue/green: options with defaults, the labelled fleets, per-label lifecycles, script
revisions (reference §5 blue/green table and rollback mapping, §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollwright.blue_green import (
    ALLOW_TRAFFIC_EVENTS,
    BLOCK_TRAFFIC_EVENTS,
    GREEN_INSTALL_EVENTS,
    InstanceLabel,
    LabelPhase,
    OverlappingFleetsError,
    ScriptRevision,
    blue_green_fleets,
    blue_green_options,
    label_events,
    label_phases,
    phase_segments,
    script_revision,
)
from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    BlueInstanceTermination,
    DeploymentReadyAction,
    DeploymentReadyOption,
    GreenFleetProvisioningAction,
    InstanceAction,
)
from rollwright.lifecycle import AGENT_EVENTS, LifecycleEvent
from rollwright.lifecycle_segments import SegmentActor

E = LifecycleEvent


# --- options --------------------------------------------------------------------------------------


def test_a_group_without_blue_green_members_discovers_green_reroutes_at_once_and_keeps_blue():
    # Given no blueGreenDeploymentConfiguration members at all
    options = blue_green_options(None)
    # Then the defaults decided in `docs/decisions.md` apply
    assert options.provisioning is GreenFleetProvisioningAction.DISCOVER_EXISTING
    assert options.ready_action is DeploymentReadyAction.CONTINUE_DEPLOYMENT
    assert options.ready_wait_minutes == 0
    assert options.blue_action is InstanceAction.KEEP_ALIVE
    assert options.termination_wait_minutes == 0
    assert not options.copies_auto_scaling_group
    assert not options.waits_for_ready
    assert not options.terminates_blue


def test_the_group_members_given_are_the_options():
    # Given every member set
    configuration = BlueGreenConfiguration(
        terminate_blue_instances=BlueInstanceTermination(InstanceAction.TERMINATE, 60),
        deployment_ready=DeploymentReadyOption(DeploymentReadyAction.STOP_DEPLOYMENT, 30),
        green_fleet_provisioning=GreenFleetProvisioningAction.COPY_AUTO_SCALING_GROUP,
    )
    # When the options are read
    options = blue_green_options(configuration)
    # Then each member is taken as given
    assert options.copies_auto_scaling_group
    assert options.waits_for_ready
    assert options.ready_wait_minutes == 30
    assert options.terminates_blue
    assert options.termination_wait_minutes == 60


# --- fleets ---------------------------------------------------------------------------------------


def test_fleets_label_each_instance_and_list_green_first():
    # Given two original and one replacement instance
    fleets = blue_green_fleets(["i-b2", "i-b1"], ["i-g1"])
    # Then each has its label and green instances come first
    assert fleets.label_of("i-b1") is InstanceLabel.BLUE
    assert fleets.label_of("i-g1") is InstanceLabel.GREEN
    assert fleets.label_of("i-other") is None
    assert [(i.instance_id, i.label) for i in fleets.instances()] == [
        ("i-g1", InstanceLabel.GREEN),
        ("i-b1", InstanceLabel.BLUE),
        ("i-b2", InstanceLabel.BLUE),
    ]
    assert [i.instance_id for i in fleets.instances(InstanceLabel.BLUE)] == ["i-b1", "i-b2"]


def test_an_instance_in_both_fleets_is_refused():
    with pytest.raises(OverlappingFleetsError, match="i-both"):
        blue_green_fleets(["i-a", "i-both"], ["i-both"])


@given(
    st.sets(st.text("abc", min_size=1, max_size=3)),
    st.sets(st.text("xyz", min_size=1, max_size=3)),
)
def test_every_instance_has_exactly_one_label(blue, green):
    fleets = blue_green_fleets(list(blue), list(green))
    labelled = fleets.instances()
    assert sorted(i.instance_id for i in labelled) == sorted(blue | green)
    assert all(fleets.label_of(i.instance_id) is i.label for i in labelled)


# --- lifecycles -----------------------------------------------------------------------------------


def test_green_installs_then_takes_traffic_and_blue_only_loses_it():
    # The reference's availability table, standard deployment.
    assert label_events(InstanceLabel.GREEN) == (
        E.START,
        E.APPLICATION_STOP,
        E.DOWNLOAD_BUNDLE,
        E.BEFORE_INSTALL,
        E.INSTALL,
        E.AFTER_INSTALL,
        E.APPLICATION_START,
        E.VALIDATE_SERVICE,
        E.BEFORE_ALLOW_TRAFFIC,
        E.ALLOW_TRAFFIC,
        E.AFTER_ALLOW_TRAFFIC,
        E.END,
    )
    assert label_events(InstanceLabel.BLUE) == (
        E.START,
        E.BEFORE_BLOCK_TRAFFIC,
        E.BLOCK_TRAFFIC,
        E.AFTER_BLOCK_TRAFFIC,
        E.END,
    )


def test_a_rollback_gives_blue_traffic_back_and_takes_it_from_green():
    # The reference's availability table, rollback columns: nothing is installed.
    assert label_events(InstanceLabel.BLUE, rollback=True) == (
        E.START,
        *ALLOW_TRAFFIC_EVENTS,
        E.END,
    )
    assert label_events(InstanceLabel.GREEN, rollback=True) == (
        E.START,
        *BLOCK_TRAFFIC_EVENTS,
        E.END,
    )


@pytest.mark.parametrize("label", list(InstanceLabel))
@pytest.mark.parametrize("rollback", [False, True])
def test_the_phases_of_a_label_cover_its_lifecycle_in_order(label, rollback):
    events = tuple(
        event
        for phase in label_phases(label, rollback=rollback)
        for segment in phase_segments(phase)
        for event in segment.events
    )
    assert (E.START, *events, E.END) == label_events(label, rollback=rollback)


def test_the_install_is_one_agent_segment():
    (segment,) = phase_segments(LabelPhase.INSTALL)
    assert segment.actor is SegmentActor.AGENT
    assert segment.events == GREEN_INSTALL_EVENTS


@pytest.mark.parametrize(
    ("phase", "control_plane_event"),
    [(LabelPhase.ALLOW_TRAFFIC, E.ALLOW_TRAFFIC), (LabelPhase.BLOCK_TRAFFIC, E.BLOCK_TRAFFIC)],
)
def test_a_traffic_phase_has_the_control_plane_act_between_the_two_hooks(
    phase, control_plane_event
):
    before, move, after = phase_segments(phase)
    assert (before.actor, move.actor, after.actor) == (
        SegmentActor.AGENT,
        SegmentActor.CONTROL_PLANE,
        SegmentActor.AGENT,
    )
    assert move.events == (control_plane_event,)
    assert all(event in AGENT_EVENTS for event in (*before.events, *after.events))


# --- script revisions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "source"),
    [
        (E.APPLICATION_STOP, ScriptRevision.LAST_SUCCESSFUL_INSTALL),
        (E.BEFORE_BLOCK_TRAFFIC, ScriptRevision.LAST_SUCCESSFUL_INSTALL),
        (E.AFTER_BLOCK_TRAFFIC, ScriptRevision.LAST_SUCCESSFUL_INSTALL),
        (E.BEFORE_INSTALL, ScriptRevision.DEPLOYED),
        (E.VALIDATE_SERVICE, ScriptRevision.DEPLOYED),
        (E.BEFORE_ALLOW_TRAFFIC, ScriptRevision.DEPLOYED),
        (E.AFTER_ALLOW_TRAFFIC, ScriptRevision.DEPLOYED),
    ],
)
def test_a_standard_deployment_uses_the_standard_mapping(event, source):
    assert script_revision(event, blue_green_rollback=False) is source


@pytest.mark.parametrize(
    ("event", "source"),
    [
        (E.BEFORE_BLOCK_TRAFFIC, ScriptRevision.MOST_RECENT_INSTALL),
        (E.AFTER_BLOCK_TRAFFIC, ScriptRevision.MOST_RECENT_INSTALL),
        (E.APPLICATION_STOP, ScriptRevision.LAST_SUCCESSFUL_INSTALL),
        (E.BEFORE_ALLOW_TRAFFIC, ScriptRevision.LAST_SUCCESSFUL_INSTALL),
        (E.AFTER_ALLOW_TRAFFIC, ScriptRevision.LAST_SUCCESSFUL_INSTALL),
        (E.BEFORE_INSTALL, ScriptRevision.DEPLOYED),
        (E.AFTER_INSTALL, ScriptRevision.DEPLOYED),
        (E.APPLICATION_START, ScriptRevision.DEPLOYED),
    ],
)
def test_a_blue_green_rollback_uses_the_rollback_mapping(event, source):
    assert script_revision(event, blue_green_rollback=True) is source
