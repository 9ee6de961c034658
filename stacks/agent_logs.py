"""The log group where host agents write their lifecycle-event hook output."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct


class AgentLogs(Construct):
    """One log group for hook output; each host writes streams named ``<host id>/<deployment>``.

    The group outlives the stack: it is the record of what ran on which host.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=retention, removal_policy=RemovalPolicy.RETAIN
        )
