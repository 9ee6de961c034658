"""An EC2 host's identity from IMDSv2, against a local server emulating the metadata service."""

import pytest

from agent.instance_metadata import InstanceMetadataError, read_ec2_instance
from tests.agent.local_http import local_server

TOKEN = "imds-session-token"


def _imds(request):
    if request.method == "PUT" and request.path == "/latest/api/token":
        if "x-aws-ec2-metadata-token-ttl-seconds" not in request.headers:
            return 400, {}, b""
        return 200, {}, TOKEN.encode()
    if request.headers.get("x-aws-ec2-metadata-token") != TOKEN:
        return 401, {}, b""  # what IMDS answers when v2 is required and no token is given
    values = {
        "/latest/meta-data/instance-id": b"i-0abc123def4567890",
        "/latest/meta-data/placement/region": b"eu-central-1",
    }
    return (200, {}, values[request.path]) if request.path in values else (404, {}, b"")


def test_the_instance_id_and_region_come_from_an_imdsv2_session():
    # Given a metadata service that answers only requests carrying a session token
    with local_server(_imds) as imds:
        # When the agent asks who it is
        instance = read_ec2_instance(imds.url)
    # Then it gets the instance id and region, having asked for a token first
    assert (instance.instance_id, instance.region) == ("i-0abc123def4567890", "eu-central-1")
    assert [(r.method, r.path) for r in imds.requests] == [
        ("PUT", "/latest/api/token"),
        ("GET", "/latest/meta-data/instance-id"),
        ("GET", "/latest/meta-data/placement/region"),
    ]


def test_a_refused_token_is_a_clear_error():
    with (
        local_server(lambda request: (403, {}, b"")) as imds,
        pytest.raises(InstanceMetadataError, match=r"PUT .*/latest/api/token answered 403"),
    ):
        read_ec2_instance(imds.url)


def test_no_metadata_service_points_at_the_on_premises_identity_file():
    # Given nothing listening where IMDS should be (a closed local port)
    with local_server(_imds) as imds:
        url = imds.url
    with pytest.raises(InstanceMetadataError, match="on_premises_identity_file"):
        read_ec2_instance(url)
