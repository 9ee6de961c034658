"""Fixed facts of the local AWS: the account, the region and where the devstack keeps its files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
DEFAULT_PORT = 4566
LISTEN_HOST = "127.0.0.1"
STACK_NAME = "Rollwright"
OPERATOR_USER_NAME = "rollwright-operator"
# Credentials the devstack's own clients use; moto accepts any key.
INTERNAL_ACCESS_KEY_ID = "AKIADEVSTACKINTERNAL"
INTERNAL_SECRET_ACCESS_KEY = "devstack-internal-secret"  # noqa: S105 - a placeholder moto accepts


def point_moto_at_gateway(port: int) -> None:
    """moto's Step Functions interpreter calls AWS at localhost:$MOTO_PORT: make that the gateway.

    Must run before moto is imported.
    """
    os.environ["MOTO_PORT"] = str(port)


@dataclass(frozen=True)
class GatewaySettings:
    """Where one gateway listens and keeps its files (extracted code, logs)."""

    port: int
    state_dir: Path
    host: str = LISTEN_HOST

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def lambda_dir(self) -> Path:
        return self.state_dir / "lambda"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"
