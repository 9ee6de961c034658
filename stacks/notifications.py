"""Deployment notifications: the state table's stream to the notify function, and what it may send.

The notify function reads deployment and target changes from the stream and puts CodeDeploy-style
events on the account's default event bus and publishes to the deployment groups' trigger topics
(`docs/decisions.md`).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from rollwright.deployment_notifications import EVENT_SOURCE
from stacks.accepted_findings import WILDCARD_RULE, accept, accept_wildcard_resource

# The only items whose changes are notified: deployments and their targets (rollout_items.py).
STREAM_FILTER = {"dynamodb": {"Keys": {"sk": {"S": ["DEPLOYMENT", {"prefix": "TARGET#"}]}}}}
STREAM_BATCH_SIZE = 100
STREAM_RETRY_ATTEMPTS = 5


class DeploymentNotifications(Construct):
    """Feeds the notify function from the table's stream and grants it PutEvents and Publish.

    Failed batches are retried from the failed record (``ReportBatchItemFailures``) a few times,
    then described in the dead-letter queue: a stuck record must not hold back later ones.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        notify_function: lambda_.IFunction,
        role: iam.IRole,
        table: dynamodb.ITable,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.event_source = sources.DynamoEventSource(
            table,
            starting_position=lambda_.StartingPosition.LATEST,
            batch_size=STREAM_BATCH_SIZE,
            # Up to a second's changes in one invocation: notifications a second later, and far
            # fewer invocations than one per write (a host update is several writes).
            max_batching_window=Duration.seconds(1),
            report_batch_item_failures=True,
            retry_attempts=STREAM_RETRY_ATTEMPTS,
            max_record_age=Duration.hours(1),
            on_failure=sources.SqsDlq(dead_letter_queue),
            filters=[lambda_.FilterCriteria.filter(STREAM_FILTER)],
        )
        notify_function.add_event_source(self.event_source)
        accept(
            role,
            WILDCARD_RULE,
            finding="Resource::*",
            reason=(
                "dynamodb:ListStreams, which the stream event source needs, has no resource-level "
                "permissions; the stream itself is granted by its ARN."
            ),
        )
        self.default_bus_arn = (
            f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:event-bus/default"
        )
        self.trigger_topics_arn = f"arn:{Aws.PARTITION}:sns:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"
        iam.Policy(
            self,
            "SendPolicy",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["events:PutEvents"],
                    resources=[self.default_bus_arn],
                    conditions={"StringEquals": {"events:source": EVENT_SOURCE}},
                ),
                iam.PolicyStatement(actions=["sns:Publish"], resources=[self.trigger_topics_arn]),
            ],
        )
        accept_wildcard_resource(
            self,
            self.trigger_topics_arn,
            reason=(
                "Triggers name any SNS topic of this account and region (CodeDeploy's "
                "triggerTargetArn), chosen by users at run time with CreateDeploymentGroup."
            ),
        )
