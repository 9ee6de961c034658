"""Target selection: tag filters (OR), tag sets (AND of ORs), instance states."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollwright.applications import Tag
from rollwright.deployment_group_settings import (
    DeploymentGroupSettings,
    DeploymentOption,
    DeploymentStyle,
    DeploymentType,
    TagFilter,
    TagFilterType,
)
from rollwright.on_premises_instances import OnPremisesInstance
from rollwright.on_premises_rules import IamArnKind, IamIdentity
from rollwright.target_selection import (
    DeploymentTarget,
    Ec2Instance,
    Ec2InstanceState,
    TargetKind,
    select_targets,
    tag_filter_matches,
    tag_set_matches,
)

KEY_ONLY, VALUE_ONLY, KEY_AND_VALUE = (
    TagFilterType.KEY_ONLY,
    TagFilterType.VALUE_ONLY,
    TagFilterType.KEY_AND_VALUE,
)
RUNNING = Ec2InstanceState.RUNNING
NOW = datetime(2026, 11, 27, tzinfo=UTC)


def group(**members) -> DeploymentGroupSettings:
    return DeploymentGroupSettings(
        deployment_config_name="CodeDeployDefault.OneAtATime",
        service_role_arn="arn:aws:iam::123456789012:role/codedeploy",
        deployment_style=DeploymentStyle(
            DeploymentType.IN_PLACE, DeploymentOption.WITHOUT_TRAFFIC_CONTROL
        ),
        **members,
    )


def ec2(instance_id: str, state=RUNNING, **tags: str) -> Ec2Instance:
    return Ec2Instance(instance_id, state, tuple(Tag(k, v) for k, v in tags.items()))


def on_premises(name: str, *, registered: bool = True, **tags: str) -> OnPremisesInstance:
    return OnPremisesInstance(
        name=name,
        identity=IamIdentity(IamArnKind.USER, f"arn:aws:iam::123456789012:user/{name}"),
        instance_arn=f"arn:aws:codedeploy:eu-west-1:123456789012:instance/{name}",
        host_id=name.replace(".", "-"),
        register_time=NOW,
        deregister_time=None if registered else NOW,
        tags=tuple(Tag(k, v) for k, v in tags.items()),
    )


WEB = [Tag("Name", "web"), Tag("env", "prod")]


@pytest.mark.parametrize(
    ("tag_filter", "matches"),
    [
        (TagFilter("Name", None, KEY_ONLY), True),
        (TagFilter("Owner", None, KEY_ONLY), False),
        (TagFilter(None, "prod", VALUE_ONLY), True),
        (TagFilter(None, "web-prod", VALUE_ONLY), False),
        (TagFilter("env", "prod", KEY_AND_VALUE), True),
        (TagFilter("Name", "prod", KEY_AND_VALUE), False),
    ],
)
def test_each_filter_type_matches_as_codedeploy(tag_filter, matches):
    assert tag_filter_matches(tag_filter, WEB) is matches


def test_a_tag_set_needs_a_match_in_every_group():
    web_or_api = (TagFilter("Name", "web", KEY_AND_VALUE), TagFilter("Name", "api", KEY_AND_VALUE))
    prod = (TagFilter("env", "prod", KEY_AND_VALUE),)
    staging = (TagFilter("env", "staging", KEY_AND_VALUE),)
    assert tag_set_matches((web_or_api, prod), WEB)
    assert not tag_set_matches((web_or_api, staging), WEB)


def test_an_empty_tag_set_matches_nothing():
    assert not tag_set_matches((), WEB)


def test_ec2_tag_filters_select_instances_matching_any_filter():
    settings = group(
        ec2_tag_filters=(
            TagFilter("role", "web", KEY_AND_VALUE),
            TagFilter("role", "api", KEY_AND_VALUE),
        )
    )
    instances = [ec2("i-1", role="web"), ec2("i-2", role="api"), ec2("i-3", role="db")]
    assert [t.host_id for t in select_targets(settings, ec2_instances=instances)] == [
        "i-1",
        "i-2",
    ]


def test_terminated_instances_are_not_targets_and_stopped_ones_are_unavailable():
    settings = group(ec2_tag_filters=(TagFilter("role", None, KEY_ONLY),))
    instances = [
        ec2("i-1", Ec2InstanceState.TERMINATED, role="web"),
        ec2("i-2", Ec2InstanceState.SHUTTING_DOWN, role="web"),
        ec2("i-3", Ec2InstanceState.STOPPED, role="web"),
        ec2("i-4", Ec2InstanceState.PENDING, role="web"),
    ]
    assert select_targets(settings, ec2_instances=instances) == (
        DeploymentTarget("i-3", "i-3", TargetKind.EC2, available=False),
        DeploymentTarget("i-4", "i-4", TargetKind.EC2, available=True),
    )


def test_auto_scaling_group_members_are_targets():
    settings = group(auto_scaling_groups=("web-asg",))
    member = Ec2Instance("i-9", RUNNING, auto_scaling_group="web-asg")
    other = Ec2Instance("i-8", RUNNING, auto_scaling_group="other-asg")
    assert [t.host_id for t in select_targets(settings, ec2_instances=[member, other])] == ["i-9"]


def test_deregistered_on_premises_instances_are_excluded():
    settings = group(on_premises_tag_filters=(TagFilter("role", "web", KEY_AND_VALUE),))
    instances = [on_premises("web.1", role="web"), on_premises("web.2", registered=False)]
    assert select_targets(settings, on_premises_instances=instances) == (
        DeploymentTarget("web-1", "web.1", TargetKind.ON_PREMISES),
    )


def test_on_premises_tag_sets_select_like_ec2_tag_sets():
    settings = group(
        on_premises_tag_set=(
            (TagFilter("role", "web", KEY_AND_VALUE),),
            (TagFilter("env", "prod", KEY_AND_VALUE),),
        )
    )
    instances = [on_premises("a", role="web", env="prod"), on_premises("b", role="web")]
    assert [t.instance_name for t in select_targets(settings, on_premises_instances=instances)] == [
        "a"
    ]


def test_a_group_without_targeting_selects_nothing():
    assert select_targets(group(), ec2_instances=[ec2("i-1", role="web")]) == ()


tags = st.lists(
    st.builds(Tag, st.sampled_from(["a", "b", "c"]), st.sampled_from(["1", "2"])), max_size=4
)
filters = st.builds(
    TagFilter,
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["1", "2"]),
    st.sampled_from(list(TagFilterType)),
)


@given(instance_tags=tags, groups=st.lists(st.lists(filters, min_size=1, max_size=3), max_size=3))
def test_a_single_group_tag_set_selects_like_tag_filters(instance_tags, groups):
    for one_group in groups:
        assert tag_set_matches((tuple(one_group),), instance_tags) == any(
            tag_filter_matches(f, instance_tags) for f in one_group
        )


@given(
    instance_tags=tags,
    groups=st.lists(st.lists(filters, min_size=1, max_size=3), min_size=1, max_size=3),
    extra=st.lists(filters, min_size=1, max_size=3),
)
def test_another_tag_group_only_narrows_the_selection(instance_tags, groups, extra):
    tag_set = tuple(tuple(g) for g in groups)
    if tag_set_matches((*tag_set, tuple(extra)), instance_tags):
        assert tag_set_matches(tag_set, instance_tags)
