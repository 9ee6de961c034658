"""Real agents as on-premises hosts of a running devstack, one thread each.

Each host is an ``AgentDaemon`` wired as the service wires it (``agent.service.build_daemon``),
acting as its own session of the stack's host role tagged with its host id, polling its own queue
and keeping its own deployment root. The e2e tests and the benchmarks (``bench``) run their hosts
this way. Hook scripts that append ``<event> <start|end> <epoch seconds>`` lines to ``hooks.log``
in the host's deployment root can be read back with ``Host.hook_lines``.
"""

from __future__ import annotations

import dataclasses
import io
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from agent.config import AgentConfig
from agent.daemon import AgentDaemon
from agent.identity import HostIdentity, assume_host_role
from agent.service import build_daemon
from devstack.state import DevstackState
from rollwright.agent_protocol import BundleType, S3Revision

# Short waits, so that tests notice a dead host and shut their agents down within seconds.
QUICK_AGENT_SETTINGS: dict[str, Any] = {
    "poll_wait_seconds": 1,
    "heartbeat_interval_seconds": 1,
    "error_backoff_cap_seconds": 1.0,
    "report_retry_seconds": 30.0,
    "shutdown_grace_seconds": 5.0,
}
HOOK_LOG = "hooks.log"


@dataclass
class Host:
    host_id: str
    root: Path
    daemon: AgentDaemon | None = None
    thread: threading.Thread | None = None

    def hook_lines(self) -> list[tuple[str, str, float]]:
        """``(event, "start" | "end", epoch seconds)`` as the hooks wrote them, in order."""
        log = self.root / HOOK_LOG
        if not log.exists():
            return []
        return [
            (event, what, float(at))
            for event, what, at in (line.split() for line in log.read_text().splitlines())
        ]

    def stop(self) -> None:
        stop_agents([self])


def stop_agents(hosts: Iterable[Host], timeout: float = 30.0) -> None:
    """Ask every agent to stop first, then wait: each may be in a long poll."""
    hosts = list(hosts)
    for host in hosts:
        if host.daemon is not None:
            host.daemon.request_shutdown()
    for host in hosts:
        if host.thread is not None:
            host.thread.join(timeout=timeout)


def operator_session(devstack: DevstackState) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=devstack.access_key_id,
        aws_secret_access_key=devstack.secret_access_key,
        region_name=devstack.region,
    )


def host_identity(devstack: DevstackState, host_id: str) -> HostIdentity:
    """The host's tagged session of the stack's host role, as the agent assumes it."""
    return assume_host_role(
        operator_session(devstack),
        host_role_arn=devstack.stack_outputs["HostRoleArn"],
        host_id=host_id,
        region=devstack.region,
        endpoint_url=devstack.aws_endpoint_url,
    )


def host_session_arn(devstack: DevstackState, host_id: str) -> str:
    """The IAM session ARN to register the host's on-premises instance with."""
    role_name = devstack.stack_outputs["HostRoleArn"].rsplit("/", 1)[-1]
    return f"arn:aws:sts::{devstack.account_id}:assumed-role/{role_name}/{host_id}"


def start_agent(
    devstack: DevstackState,
    host: Host,
    *,
    identity: HostIdentity | None = None,
    **settings: Any,
) -> None:
    """Run the host's agent in a thread; ``settings`` override ``QUICK_AGENT_SETTINGS``."""
    config = AgentConfig(
        api_url=devstack.api_url,
        host_role_arn=devstack.stack_outputs["HostRoleArn"],
        log_group=devstack.stack_outputs["AgentLogGroupName"],
        region=devstack.region,
        aws_endpoint_url=devstack.aws_endpoint_url,
        deployment_root=host.root,
        log_dir=host.root / "logs",
        status_file=host.root / "status.json",
    )
    config = dataclasses.replace(config, **{**QUICK_AGENT_SETTINGS, **settings})
    host.daemon = build_daemon(config, identity or host_identity(devstack, host.host_id))
    host.thread = threading.Thread(target=host.daemon.run, name=host.host_id, daemon=True)
    host.thread.start()


def upload_bundle(devstack: DevstackState, bundle: Path, key: str) -> S3Revision:
    """A bundle directory zipped (file modes kept) into the stack's artifacts bucket."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(str(path.relative_to(bundle)))
                info.external_attr = (path.stat().st_mode & 0o777) << 16
                archive.writestr(info, path.read_bytes())
    bucket = devstack.stack_outputs["ArtifactsBucketName"]
    put = devstack.aws_client("s3").put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
    return S3Revision(
        bucket=bucket,
        key=key,
        bundle_type=BundleType.ZIP,
        version=put.get("VersionId"),
        etag=put["ETag"].strip('"'),
    )
