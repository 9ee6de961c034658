"""An EC2 host's own identity from the instance metadata service, IMDSv2 only.

IMDSv2 is a session: ``PUT /latest/api/token`` gives a token, and each ``GET`` carries it. The
agent does not fall back to IMDSv1 (plain ``GET``): every current instance type and AMI supports
v2, and an instance that requires v2 (``HttpTokens=required``) is the hardening AWS recommends.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

TOKEN_TTL_SECONDS = 21_600
REQUEST_TIMEOUT_SECONDS = 2.0


class InstanceMetadataError(RuntimeError):
    """The instance metadata service could not say who this instance is."""


@dataclass(frozen=True)
class Ec2Instance:
    instance_id: str
    region: str


def read_ec2_instance(imds_url: str = "http://169.254.169.254") -> Ec2Instance:
    base = imds_url.rstrip("/")
    token = _request(
        urllib.request.Request(  # noqa: S310 (imds_url is checked to be http(s) by the config)
            f"{base}/latest/api/token",
            method="PUT",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": str(TOKEN_TTL_SECONDS)},
        )
    )
    return Ec2Instance(
        instance_id=_metadata(base, "instance-id", token),
        region=_metadata(base, "placement/region", token),
    )


def _metadata(base: str, name: str, token: str) -> str:
    return _request(
        urllib.request.Request(  # noqa: S310 (imds_url is checked to be http(s) by the config)
            f"{base}/latest/meta-data/{name}",
            headers={"X-aws-ec2-metadata-token": token},
        )
    )


def _request(request: urllib.request.Request) -> str:
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310 (the URL is IMDS's, from the config)
            value = bytes(response.read(4096)).decode("utf-8").strip()
    except urllib.error.HTTPError as error:
        raise InstanceMetadataError(
            f"instance metadata {request.get_method()} {request.full_url} answered {error.code}"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise InstanceMetadataError(
            f"instance metadata service at {request.full_url} is unreachable ({error}); "
            "is this an EC2 instance? On-premises hosts need on_premises_identity_file"
        ) from None
    if not value:
        raise InstanceMetadataError(f"instance metadata {request.full_url} answered nothing")
    return value
