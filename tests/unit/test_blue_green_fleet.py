"""COPY_AUTO_SCALING_GROUP: the copy's name and size (reference §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollwright.blue_green_fleet import (
    AutoScalingGroupSize,
    auto_scaling_group_copy,
    copied_group,
    copy_name,
)
from rollwright.errors import InvalidAutoScalingGroupException


def test_the_copy_is_named_as_codedeploy_names_it():
    assert copy_name("web", "d-ABCDEFGHI") == "CodeDeploy_web_d-ABCDEFGHI"


def test_the_copy_has_as_many_instances_as_the_original_has_healthy_ones():
    # Given an original group of 2..6 with 4 desired, of which 3 are healthy
    copy = auto_scaling_group_copy(
        source="web-asg",
        source_size=AutoScalingGroupSize(minimum=2, maximum=6, desired=4),
        healthy_instances=3,
        deployment_group_name="web",
        deployment_id="d-ABCDEFGHI",
    )
    # Then the copy keeps its bounds and wants 3
    assert copy.source == "web-asg"
    assert copy.name == "CodeDeploy_web_d-ABCDEFGHI"
    assert copy.size == AutoScalingGroupSize(minimum=2, maximum=6, desired=3)


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 100))
def test_the_copy_size_always_fits_its_bounds(minimum, spread, healthy):
    copy = auto_scaling_group_copy(
        source="asg",
        source_size=AutoScalingGroupSize(minimum, minimum + spread, minimum),
        healthy_instances=healthy,
        deployment_group_name="g",
        deployment_id="d-ABCDEFGHI",
    )
    assert copy.size.minimum <= copy.size.desired == healthy <= copy.size.maximum


def test_a_negative_healthy_count_is_a_programming_error():
    with pytest.raises(ValueError, match="not negative"):
        auto_scaling_group_copy(
            source="asg",
            source_size=AutoScalingGroupSize(0, 1, 1),
            healthy_instances=-1,
            deployment_group_name="g",
            deployment_id="d-ABCDEFGHI",
        )


def test_the_one_auto_scaling_group_is_the_one_copied():
    assert copied_group(("web-asg",), "web") == "web-asg"


@pytest.mark.parametrize("groups", [(), ("a", "b")])
def test_copying_needs_exactly_one_auto_scaling_group(groups):
    with pytest.raises(InvalidAutoScalingGroupException, match="exactly one"):
        copied_group(groups, "web")
