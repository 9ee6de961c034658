"""Which host a caller of the agent API acts as."""

from __future__ import annotations

import pytest

from rollwright.host_ids import host_id_of_caller


def test_the_session_name_of_an_assumed_role_is_the_host_id():
    arn = "arn:aws:sts::123456789012:assumed-role/Rollwright-HostRole/host-7"
    assert host_id_of_caller(arn) == "host-7"


@pytest.mark.parametrize(
    "arn",
    [
        None,
        "",
        "arn:aws:iam::123456789012:user/pipeline",
        "arn:aws:sts::123456789012:assumed-role/HostRole/not@a-host-id",
        "arn:aws:sts::123456789012:federated-user/host-7",
    ],
)
def test_other_callers_act_as_no_host(arn):
    assert host_id_of_caller(arn) is None
