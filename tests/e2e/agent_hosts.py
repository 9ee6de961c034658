"""Real agents as hosts on the devstack, and a revision for them: shared by the e2e tests.

Each host is an ``AgentDaemon`` wired as the service wires it, in a thread, acting as its own
tagged session of the stack's host role with its own queue and deployment root. The revision's
hooks append their start and end to ``hooks.log`` in the host's deployment root.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import boto3

from agent.config import AgentConfig
from agent.daemon import AgentDaemon
from agent.identity import assume_host_role
from agent.service import build_daemon
from rollwright.agent_protocol import BundleType, S3Revision
from tests.agent.revisions import write_bundle

HOOKS = ["BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"]
HOOK_SCRIPT = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
if [ "$LIFECYCLE_EVENT" = ValidateService ] && [ -e "$root/fail-validate" ]; then exit 1; fi
sleep 0.3
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""


@dataclass
class Host:
    host_id: str
    root: Path
    daemon: AgentDaemon | None = None
    thread: threading.Thread | None = None

    def hook_lines(self) -> list[tuple[str, str, float]]:
        log = self.root / "hooks.log"
        if not log.exists():
            return []
        return [
            (event, what, float(at))
            for event, what, at in (line.split() for line in log.read_text().splitlines())
        ]

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.request_shutdown()
        if self.thread is not None:
            self.thread.join(timeout=30)


def operator_session(devstack) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=devstack.access_key_id,
        aws_secret_access_key=devstack.secret_access_key,
        region_name=devstack.region,
    )


def upload_revision(devstack, bundle_dir: Path, key: str) -> S3Revision:
    """The hooks' bundle zipped (modes kept) into the artifacts bucket."""
    bundle = write_bundle(
        bundle_dir,
        hooks={event: [f"scripts/{event}.sh"] for event in HOOKS},
        scripts={f"{event}.sh": HOOK_SCRIPT for event in HOOKS},
    )
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


def start_agent(devstack, host: Host) -> None:
    identity = assume_host_role(
        operator_session(devstack),
        host_role_arn=devstack.stack_outputs["HostRoleArn"],
        host_id=host.host_id,
        region=devstack.region,
        endpoint_url=devstack.aws_endpoint_url,
    )
    config = AgentConfig(
        api_url=devstack.api_url,
        host_role_arn=devstack.stack_outputs["HostRoleArn"],
        log_group=devstack.stack_outputs["AgentLogGroupName"],
        region=devstack.region,
        aws_endpoint_url=devstack.aws_endpoint_url,
        deployment_root=host.root,
        log_dir=host.root / "logs",
        status_file=host.root / "status.json",
        poll_wait_seconds=1,
        heartbeat_interval_seconds=1,
        error_backoff_cap_seconds=1.0,
        report_retry_seconds=30.0,
        shutdown_grace_seconds=5.0,
    )
    host.daemon = build_daemon(config, identity)
    host.thread = threading.Thread(target=host.daemon.run, name=host.host_id, daemon=True)
    host.thread.start()
