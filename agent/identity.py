"""The host's AWS identity: a session of the host role tagged ``rollwright:host=<host id>``.

Every host permission (its queue, its log streams, the agent routes) is scoped to that session
tag (``stacks/host_access.py``), so the agent always assumes the host role with
``sts:AssumeRole`` + ``sts:TagSession``, the tag and the role session name both equal to its
host id, from its own source credentials:

* an EC2 instance: the instance profile (botocore's default chain); host id = instance id, read
  from IMDSv2;
* an on-premises server: the on-premises identity file's credentials (static keys, a profile, or
  a role assumed first); host id = its instance name mapped by ``host_id_for_instance_name``.

The assumed credentials refresh themselves before they expire (botocore's
``DeferredRefreshableCredentials``), and the first ``AssumeRole`` happens on first use, so an STS
error surfaces in the daemon loop, which backs off and retries, instead of at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.credentials import CredentialResolver, DeferredRefreshableCredentials

from agent.config import AgentConfig, OnPremisesIdentity, read_on_premises_identity
from agent.instance_metadata import read_ec2_instance
from rollwright.host_ids import host_queue_name, require_host_id

HOST_TAG_KEY = "rollwright:host"
# Role chaining (an instance profile or on-premises role assuming the host role) caps a session
# at one hour.
SESSION_DURATION_SECONDS = 3600


@dataclass(frozen=True)
class HostIdentity:
    """Who the agent is: its host id, its region, and a boto3 session acting as that host."""

    host_id: str
    region: str
    session: boto3.session.Session

    def queue_name(self, queue_prefix: str) -> str:
        return host_queue_name(queue_prefix, self.host_id)


def resolve_host_identity(config: AgentConfig) -> HostIdentity:
    """The identity the config describes: on-premises when it names an identity file, else EC2."""
    if config.on_premises_identity_file is not None:
        on_premises = read_on_premises_identity(config.on_premises_identity_file)
        region = config.region or on_premises.region
        host_id = on_premises.host_id
        source = _on_premises_session(on_premises, region, config.aws_endpoint_url)
    else:
        instance = read_ec2_instance(config.imds_url)
        region = config.region or instance.region
        host_id = instance.instance_id
        source = boto3.session.Session(region_name=region)
    return assume_host_role(
        source,
        host_role_arn=config.host_role_arn,
        host_id=host_id,
        region=region,
        endpoint_url=config.aws_endpoint_url,
    )


def assume_host_role(
    source: boto3.session.Session,
    *,
    host_role_arn: str,
    host_id: str,
    region: str,
    endpoint_url: str | None = None,
) -> HostIdentity:
    """Act as ``host_id``: a refreshable session of the host role, tagged with the host id."""
    session = _assumed_role_session(
        source,
        role_arn=host_role_arn,
        session_name=require_host_id(host_id),
        tags={HOST_TAG_KEY: host_id},
        region=region,
        endpoint_url=endpoint_url,
    )
    return HostIdentity(host_id=host_id, region=region, session=session)


def _on_premises_session(
    identity: OnPremisesIdentity, region: str, endpoint_url: str | None
) -> boto3.session.Session:
    if identity.static_keys is not None:
        source = boto3.session.Session(
            aws_access_key_id=identity.static_keys.access_key_id,
            aws_secret_access_key=identity.static_keys.secret_access_key,
            region_name=region,
        )
    elif identity.profile is not None:
        core = botocore.session.Session(profile=identity.profile)
        if identity.credentials_file is not None:
            core.set_config_variable("credentials_file", str(identity.credentials_file))
        source = boto3.session.Session(botocore_session=core, region_name=region)
    else:
        source = boto3.session.Session(region_name=region)
    if identity.role_arn is None:
        return source
    # The registered principal is a role: become it first; it carries the rollwright:host
    # principal tag that the host role's trust policy copies into the host session.
    return _assumed_role_session(
        source,
        role_arn=identity.role_arn,
        session_name=identity.host_id,
        tags={},
        region=region,
        endpoint_url=endpoint_url,
    )


def _assumed_role_session(
    source: boto3.session.Session,
    *,
    role_arn: str,
    session_name: str,
    tags: dict[str, str],
    region: str,
    endpoint_url: str | None,
) -> boto3.session.Session:
    sts = source.client("sts", region_name=region, endpoint_url=endpoint_url)

    def fetch() -> dict[str, str]:
        request: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": SESSION_DURATION_SECONDS,
        }
        if tags:
            request["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
        credentials = sts.assume_role(**request)["Credentials"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    credentials = DeferredRefreshableCredentials(refresh_using=fetch, method="assume-role")
    core = botocore.session.Session()
    # A resolver with this one provider: the session never falls back to the environment or the
    # instance profile, so every call is made as the assumed role.
    core.register_component("credential_provider", CredentialResolver([_Fixed(credentials)]))
    return boto3.session.Session(botocore_session=core, region_name=region)


class _Fixed:
    """A credential provider (botocore's duck-typed interface) that hands out given credentials."""

    METHOD = "rollwright-assume-role"
    CANONICAL_NAME = "RollwrightAssumeRole"

    def __init__(self, credentials: DeferredRefreshableCredentials) -> None:
        self._credentials = credentials

    def load(self) -> DeferredRefreshableCredentials:
        return self._credentials
