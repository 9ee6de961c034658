"""Host commands and queues for the daemon-side agent tests."""

from __future__ import annotations

import json
import time

from rollwright.agent_protocol import (
    BundleType,
    HostCommand,
    S3Revision,
    host_command_document,
)
from rollwright.lifecycle import LifecycleEvent

HOST_ID = "i-0abc"
QUEUE_NAME = f"rollwright-host-{HOST_ID}"
# One deadline for every command built in a run (a day ahead): a command built twice, as a
# message body and as the expected command, must be equal even across a second boundary.
DEADLINE = int(time.time()) + 24 * 3600


def a_host_command(
    command_id: str = "cmd-1",
    *,
    host_id: str = HOST_ID,
    events: tuple[LifecycleEvent, ...] = (LifecycleEvent.BEFORE_INSTALL,),
    bucket: str = "revisions",
    key: str = "app.tgz",
) -> HostCommand:
    return HostCommand(
        command_id=command_id,
        deployment_id="d-ABCDEF123",
        deployment_group_id="dg-1",
        deployment_group_name="web",
        application_name="shop",
        host_id=host_id,
        lifecycle_events=events,
        revision=S3Revision(bucket=bucket, key=key, bundle_type=BundleType.TGZ),
        deadline=DEADLINE,
    )


def a_host_command_body(command: HostCommand | None = None) -> str:
    return json.dumps(host_command_document(command or a_host_command()))


def queue_depth(sqs, queue_url: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )
