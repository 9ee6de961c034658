"""The host's identity: a session of the host role tagged with its host id (moto STS)."""

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from agent.config import AgentConfig
from agent.identity import HOST_TAG_KEY, assume_host_role, resolve_host_identity
from rollwright.host_ids import InvalidHostIdError
from tests.agent.local_http import local_server

REGION = "us-east-1"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
)


@pytest.fixture
def host_role_arn(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        yield iam.create_role(RoleName="RollwrightHostRole", AssumeRolePolicyDocument=TRUST)[
            "Role"
        ]["Arn"]


def _assume_role_requests(session: boto3.session.Session) -> list[dict]:
    captured: list[dict] = []

    def capture(params, **_):
        captured.append(dict(params))

    session.events.register("provide-client-params.sts.AssumeRole", capture)
    return captured


def test_the_host_acts_as_a_session_named_and_tagged_with_its_host_id(host_role_arn):
    # Given source credentials and the host role
    source = boto3.session.Session(region_name=REGION)
    requests = _assume_role_requests(source)
    # When the agent becomes host i-0abc
    identity = assume_host_role(
        source, host_role_arn=host_role_arn, host_id="i-0abc", region=REGION
    )
    caller = identity.session.client("sts").get_caller_identity()
    # Then its calls are made as the host role session named after the host
    assert caller["Arn"] == "arn:aws:sts::123456789012:assumed-role/RollwrightHostRole/i-0abc"
    # and the session was requested with the rollwright:host tag equal to that id
    assert requests[0]["RoleSessionName"] == "i-0abc"
    assert requests[0]["Tags"] == [{"Key": HOST_TAG_KEY, "Value": "i-0abc"}]
    assert identity.queue_name("rollwright-host-") == "rollwright-host-i-0abc"


def test_no_sts_call_happens_before_the_credentials_are_first_used(host_role_arn):
    source = boto3.session.Session(region_name=REGION)
    requests = _assume_role_requests(source)
    assume_host_role(source, host_role_arn=host_role_arn, host_id="i-0abc", region=REGION)
    assert requests == []


def test_expired_credentials_are_refreshed_with_a_new_assume_role(host_role_arn):
    # Given a host session whose credentials were fetched once
    source = boto3.session.Session(region_name=REGION)
    requests = _assume_role_requests(source)
    identity = assume_host_role(
        source, host_role_arn=host_role_arn, host_id="i-0abc", region=REGION
    )
    credentials = identity.session.get_credentials()
    first = credentials.get_frozen_credentials()
    # When they are about to expire
    credentials._expiry_time = credentials._expiry_time.replace(year=2000)
    second = credentials.get_frozen_credentials()
    # Then the host role is assumed again, with the same tag
    assert len(requests) == 2
    assert requests[1]["Tags"] == requests[0]["Tags"]
    assert second.access_key != first.access_key


def test_a_host_id_that_cannot_name_a_queue_is_refused(host_role_arn):
    with pytest.raises(InvalidHostIdError):
        assume_host_role(
            boto3.session.Session(region_name=REGION),
            host_role_arn=host_role_arn,
            host_id="web:01",
            region=REGION,
        )


def test_an_on_premises_host_with_static_keys_becomes_its_mapped_instance_name(
    host_role_arn, tmp_path: Path
):
    # Given an on-premises identity file with an IAM user's keys
    identity_file = tmp_path / "on-premises.yml"
    identity_file.write_text(
        "region: us-east-1\ninstance_name: web.01\n"
        "credentials:\n  access_key_id: AKIAONPREM\n  secret_access_key: secret\n"
    )
    config = AgentConfig(
        api_url="https://example.com/v1",
        host_role_arn=host_role_arn,
        log_group="g",
        on_premises_identity_file=identity_file,
    )
    # When the agent resolves its identity
    identity = resolve_host_identity(config)
    # Then it is the host role session named after the mapped instance name
    assert identity.host_id == "web-01"
    assert identity.region == "us-east-1"
    arn = identity.session.client("sts").get_caller_identity()["Arn"]
    assert arn.endswith(":assumed-role/RollwrightHostRole/web-01")


def test_an_on_premises_host_with_a_registered_role_chains_through_it(
    host_role_arn, tmp_path: Path
):
    # Given a registered on-premises role (the principal carrying rollwright:host)
    onprem_role = boto3.client("iam").create_role(
        RoleName="onprem-db-2", AssumeRolePolicyDocument=TRUST
    )["Role"]["Arn"]
    identity_file = tmp_path / "on-premises.yml"
    identity_file.write_text(
        f"region: us-east-1\ninstance_name: db-2\ncredentials:\n  role_arn: {onprem_role}\n"
    )
    config = AgentConfig(
        api_url="https://example.com/v1",
        host_role_arn=host_role_arn,
        log_group="g",
        on_premises_identity_file=identity_file,
    )
    # When the agent resolves its identity
    identity = resolve_host_identity(config)
    # Then it ends as the host role session named db-2
    arn = identity.session.client("sts").get_caller_identity()["Arn"]
    assert arn.endswith(":assumed-role/RollwrightHostRole/db-2")


def test_an_ec2_host_is_its_instance_id_from_imds(host_role_arn):
    def imds(request):
        if request.method == "PUT":
            return 200, {}, b"token"
        return (
            200,
            {},
            {
                "/latest/meta-data/instance-id": b"i-0feed",
                "/latest/meta-data/placement/region": b"us-east-1",
            }[request.path],
        )

    with local_server(imds) as server:
        config = AgentConfig(
            api_url="https://example.com/v1",
            host_role_arn=host_role_arn,
            log_group="g",
            imds_url=server.url,
        )
        identity = resolve_host_identity(config)
    assert (identity.host_id, identity.region) == ("i-0feed", "us-east-1")
    arn = identity.session.client("sts").get_caller_identity()["Arn"]
    assert arn.endswith(":assumed-role/RollwrightHostRole/i-0feed")
