"""`.devstack/state.json`: what a client needs to talk to a running devstack."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import boto3

from rollwright.client import codedeploy_client
from rollwright.protocols import WireProtocol

STATE_FILE_NAME = "state.json"


@dataclass(frozen=True)
class DevstackState:
    api_url: str
    aws_endpoint_url: str
    region: str
    account_id: str
    access_key_id: str
    secret_access_key: str
    stack_name: str
    stack_outputs: dict[str, str]
    pid: int
    port: int
    state_dir: str
    rest_api_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def aws_client(self, service: str) -> Any:
        """A stock boto3 client for ``service`` on this devstack, as the operator."""
        return boto3.client(
            service,
            endpoint_url=self.aws_endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def codedeploy_client(self, protocol: WireProtocol | None = None) -> Any:
        """The stock CodeDeploy client on this devstack's API, as the operator."""
        return codedeploy_client(
            self.api_url,
            protocol=protocol,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def client_environment(self) -> dict[str, str]:
        """The environment variables that point stock boto3 and the AWS CLI at the devstack."""
        return {
            "AWS_ENDPOINT_URL": self.aws_endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }


def state_file(state_dir: Path) -> Path:
    return state_dir / STATE_FILE_NAME


def write_state(state_dir: Path, state: DevstackState) -> Path:
    path = state_file(state_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state.to_json(), indent=2) + "\n")
    temporary.replace(path)
    return path


def read_state(state_dir: Path) -> DevstackState | None:
    path = state_file(state_dir)
    if not path.exists():
        return None
    return DevstackState(**json.loads(path.read_text()))
