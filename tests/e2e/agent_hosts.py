"""Real agents as hosts on the devstack, and a revision for them: shared by the e2e tests.

The hosts are ``devstack.agent_hosts``'s (each an ``AgentDaemon`` wired as the service wires it, in
a thread, acting as its own tagged session of the stack's host role with its own queue and
deployment root). The revision's hooks append their start and end to ``hooks.log`` in the host's
deployment root.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devstack.agent_hosts import (
    Host,
    host_session_arn,
    operator_session,
    start_agent,
    stop_agents,
    upload_bundle,
)
from rollwright.agent_protocol import S3Revision
from tests.agent.revisions import write_bundle

__all__ = [
    "HOOKS",
    "HOOK_SCRIPT",
    "Host",
    "operator_session",
    "registered_fleet",
    "revision_location",
    "start_agent",
    "start_agent_process",
    "upload_revision",
]

HOOKS = ["BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"]
HOOK_SCRIPT = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
if [ "$LIFECYCLE_EVENT" = ValidateService ] && [ -e "$root/fail-validate" ]; then exit 1; fi
sleep 0.3
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""


def upload_revision(
    devstack,
    bundle_dir: Path,
    key: str,
    *,
    hooks: Sequence[str] = HOOKS,
    script: str = HOOK_SCRIPT,
) -> S3Revision:
    """A bundle running ``script`` for every event of ``hooks``, zipped (modes kept) into the
    artifacts bucket."""
    bundle = write_bundle(
        bundle_dir,
        hooks={event: [f"scripts/{event}.sh"] for event in hooks},
        scripts={f"{event}.sh": script for event in hooks},
    )
    return upload_bundle(devstack, bundle, key)


def revision_location(revision: S3Revision) -> dict[str, Any]:
    """An uploaded bundle as CreateDeployment's ``revision``: an S3 RevisionLocation."""
    return {
        "revisionType": "S3",
        "s3Location": {
            "bucket": revision.bucket,
            "key": revision.key,
            "bundleType": "zip",
            "eTag": revision.etag,
            **({"version": revision.version} if revision.version else {}),
        },
    }


AGENT_PROCESS = """\
import sys
from pathlib import Path

from devstack.state import read_state
from tests.e2e.agent_hosts import Host, start_agent

host = Host(host_id=sys.argv[2], root=Path(sys.argv[3]))
start_agent(read_state(Path(sys.argv[1])), host)
host.thread.join()
"""


def start_agent_process(devstack, host: Host) -> subprocess.Popen[bytes]:
    """The host's agent wired as ``start_agent`` wires it, in a process of its own (one that a
    test can kill)."""
    return subprocess.Popen(
        [sys.executable, "-c", AGENT_PROCESS, devstack.state_dir, host.host_id, str(host.root)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def registered_fleet(
    devstack, root: Path, names: Sequence[str]
) -> Iterator[tuple[str, dict[str, Host]]]:
    """On-premises instances named ``<name>-<suffix>``, registered, tagged ``fleet=<suffix>`` and
    each with a running agent; deregistered (agents stopped) afterwards."""
    suffix = uuid.uuid4().hex[:6]
    codedeploy = devstack.codedeploy_client()
    hosts = {name: Host(host_id=f"{name}-{suffix}", root=root / name) for name in names}
    for host in hosts.values():
        codedeploy.register_on_premises_instance(
            instanceName=host.host_id, iamSessionArn=host_session_arn(devstack, host.host_id)
        )
    codedeploy.add_tags_to_on_premises_instances(
        tags=[{"Key": "fleet", "Value": suffix}],
        instanceNames=[host.host_id for host in hosts.values()],
    )
    for host in hosts.values():
        start_agent(devstack, host)
    try:
        yield suffix, hosts
    finally:
        stop_agents(hosts.values())
        for host in hosts.values():
            codedeploy.deregister_on_premises_instance(instanceName=host.host_id)
