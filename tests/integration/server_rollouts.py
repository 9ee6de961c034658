"""A Server rollout over moto: its records in the state table, its host queues in moto's SQS."""

from __future__ import annotations

from typing import Any

import boto3

from functions.adapters.host_queues import HostQueues
from functions.adapters.rollout_records import RolloutRecords
from rollwright.rollout_store import TaskTokens
from rollwright.server_rollout import ServerRollout


def moto_server_rollout(table: Any, tokens: TaskTokens) -> tuple[RolloutRecords, ServerRollout]:
    records = RolloutRecords(table)
    sqs = boto3.client("sqs", region_name="us-east-1")
    queues = HostQueues(sqs, queue_prefix="rollwright-host-")
    return records, ServerRollout(records, queues, tokens)
