"""targetInstances: which instances are green, and the choices CreateDeployment makes for a
blue/green group (``blue_green_targets``, ``blue_green_deployments``)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rollwright.applications import Tag
from rollwright.blue_green import blue_green_options
from rollwright.blue_green_deployments import blue_green_choices
from rollwright.blue_green_targets import (
    TargetInstances,
    discovered_green,
    green_instances,
    valid_target_instances,
)
from rollwright.deployment_group_settings import (
    BlueGreenConfiguration,
    DeploymentGroupSettings,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
    GreenFleetProvisioningAction,
    TagFilter,
    TagFilterType,
)
from rollwright.errors import InvalidAutoScalingGroupException, InvalidTargetInstancesException
from rollwright.target_selection import Ec2Instance, Ec2InstanceState

RUNNING = Ec2InstanceState.RUNNING
GREEN_TAG = TagFilter("color", "green", TagFilterType.KEY_AND_VALUE)
DISCOVER = blue_green_options(
    BlueGreenConfiguration(green_fleet_provisioning=GreenFleetProvisioningAction.DISCOVER_EXISTING)
)
COPY = blue_green_options(
    BlueGreenConfiguration(
        green_fleet_provisioning=GreenFleetProvisioningAction.COPY_AUTO_SCALING_GROUP
    )
)
FLEET = [
    Ec2Instance("i-blue1", RUNNING, (Tag("color", "blue"),)),
    Ec2Instance("i-green1", RUNNING, (Tag("color", "green"),)),
    Ec2Instance("i-green2", RUNNING, (Tag("tier", "web"),), auto_scaling_group="green-asg"),
    Ec2Instance("i-gone", Ec2InstanceState.TERMINATED, (Tag("color", "green"),)),
]


def valid(target_instances: TargetInstances | None, options=DISCOVER) -> TargetInstances | None:
    return valid_target_instances(target_instances, options, deployment_group_name="web")


def test_green_instances_are_selected_by_tags_or_auto_scaling_group_and_never_gone_ones():
    by_tag = TargetInstances(tag_filters=(GREEN_TAG,))
    by_group = TargetInstances(auto_scaling_groups=("green-asg",))
    both = TargetInstances(tag_filters=(GREEN_TAG,), auto_scaling_groups=("green-asg",))
    assert green_instances(by_tag, FLEET) == ("i-green1",)
    assert green_instances(by_group, FLEET) == ("i-green2",)
    assert green_instances(both, FLEET) == ("i-green1", "i-green2")


def test_a_tag_set_selects_instances_matching_every_group():
    tag_set = ((GREEN_TAG,), (TagFilter("tier", None, TagFilterType.KEY_ONLY),))
    fleet = [
        Ec2Instance("i-1", RUNNING, (Tag("color", "green"), Tag("tier", "web"))),
        Ec2Instance("i-2", RUNNING, (Tag("color", "green"),)),
    ]
    assert green_instances(TargetInstances(tag_set=tag_set), fleet) == ("i-1",)


def test_target_instances_matching_nothing_are_refused():
    with pytest.raises(InvalidTargetInstancesException, match="matches no running instance"):
        discovered_green(TargetInstances(auto_scaling_groups=("other",)), FLEET)


def test_discover_existing_takes_valid_target_instances():
    given = TargetInstances(tag_filters=(GREEN_TAG,), auto_scaling_groups=("green-asg",))
    assert valid(given) == given


@pytest.mark.parametrize(
    ("target_instances", "message"),
    [
        (None, "DISCOVER_EXISTING"),
        (TargetInstances(), "DISCOVER_EXISTING"),
        (
            TargetInstances(tag_filters=(GREEN_TAG,), tag_set=((GREEN_TAG,),)),
            "not both",
        ),
        (TargetInstances(tag_filters=(GREEN_TAG,) * 11), "at most 10 tag filters"),
        (TargetInstances(tag_set=((GREEN_TAG,),) * 4), "at most 3 tag groups"),
        (TargetInstances(tag_set=((GREEN_TAG,), ())), "1 to 10 tag filters"),
        (TargetInstances(tag_set=((GREEN_TAG,) * 11,)), "1 to 10 tag filters"),
        (
            TargetInstances(tag_filters=(TagFilter(None, "x", TagFilterType.KEY_ONLY),)),
            "needs a Key",
        ),
        (
            TargetInstances(tag_filters=(TagFilter("k", None, TagFilterType.VALUE_ONLY),)),
            "needs a Value",
        ),
        (
            TargetInstances(tag_filters=(TagFilter("k" * 129, "v", TagFilterType.KEY_AND_VALUE),)),
            "key is longer than 128",
        ),
        (
            TargetInstances(tag_set=((TagFilter("k", "v" * 257, TagFilterType.KEY_AND_VALUE),),)),
            "value is longer than 256",
        ),
    ],
)
def test_bad_target_instances_are_refused(target_instances, message):
    with pytest.raises(InvalidTargetInstancesException, match=message):
        valid(target_instances)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (tuple(f"asg-{n}" for n in range(11)), "at most 10"),
        (("",), "1 to 255"),
        (("a" * 256,), "1 to 255"),
        (("asg", "asg"), "more than once"),
    ],
)
def test_bad_auto_scaling_group_names_are_refused(groups, message):
    with pytest.raises(InvalidAutoScalingGroupException, match=message):
        valid(TargetInstances(auto_scaling_groups=groups))


def test_a_copied_green_fleet_takes_no_target_instances():
    assert valid(None, COPY) is None
    with pytest.raises(InvalidTargetInstancesException, match="COPY_AUTO_SCALING_GROUP"):
        valid(TargetInstances(tag_filters=(GREEN_TAG,)), COPY)


# --- the choices ----------------------------------------------------------------------------------


def settings(**members) -> DeploymentGroupSettings:
    return DeploymentGroupSettings(
        deployment_config_name="CodeDeployDefault.OneAtATime",
        service_role_arn="arn:aws:iam::123456789012:role/codedeploy",
        deployment_style=DeploymentStyle(
            DeploymentType.BLUE_GREEN, DeploymentOption.WITH_TRAFFIC_CONTROL
        ),
        ec2_tag_filters=(TagFilter("color", "blue", TagFilterType.KEY_AND_VALUE),),
        **members,
    )


def no_green_read(target_instances: TargetInstances) -> Sequence[Ec2Instance]:
    raise AssertionError("the green candidates must not be read")


def test_discover_existing_labels_the_group_blue_and_target_instances_green():
    choices = blue_green_choices(
        settings(),
        deployment_group_name="web",
        target_instances=TargetInstances(tag_filters=(GREEN_TAG,)),
        blue_candidates=FLEET,
        green_candidates=lambda _: FLEET,
    )
    assert choices.fleets.blue == ("i-blue1",)
    assert choices.fleets.green == ("i-green1",)
    assert choices.copied_auto_scaling_group is None


def test_bad_target_instances_are_refused_before_any_instance_is_read():
    with pytest.raises(InvalidTargetInstancesException):
        blue_green_choices(
            settings(),
            deployment_group_name="web",
            target_instances=TargetInstances(),
            blue_candidates=FLEET,
            green_candidates=no_green_read,
        )


def test_an_instance_both_blue_and_green_is_refused():
    with pytest.raises(InvalidTargetInstancesException, match="outside deployment group web"):
        blue_green_choices(
            settings(),
            deployment_group_name="web",
            target_instances=TargetInstances(tag_filters=(GREEN_TAG,)),
            blue_candidates=FLEET,
            green_candidates=lambda _: [Ec2Instance("i-blue1", RUNNING, (Tag("color", "green"),))],
        )


def test_copy_auto_scaling_group_names_the_group_copied_and_has_no_green_yet():
    choices = blue_green_choices(
        settings(
            auto_scaling_groups=("web-asg",),
            blue_green_configuration=BlueGreenConfiguration(
                green_fleet_provisioning=GreenFleetProvisioningAction.COPY_AUTO_SCALING_GROUP
            ),
        ),
        deployment_group_name="web",
        target_instances=None,
        blue_candidates=FLEET,
        green_candidates=no_green_read,
    )
    assert choices.copied_auto_scaling_group == "web-asg"
    assert choices.fleets.green == ()
    assert choices.target_instances is None
