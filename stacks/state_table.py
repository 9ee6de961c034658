"""The state table: the single source of truth of the control plane (docs/architecture.md)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

TTL_ATTRIBUTE = "expires_at"
INDEX_NAME = "gsi1"


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class StateTable(Construct):
    """One on-demand table keyed ``pk``/``sk`` with one generic index ``gsi1``.

    Deletion protection, point-in-time recovery and a retained resource keep deployment history
    safe from a mistaken ``cdk destroy``.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=_string_key("pk"),
            sort_key=_string_key("sk"),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=RemovalPolicy.RETAIN,
            # Every item change, with both images: the notify function compares them.
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        )
        self.table.add_global_secondary_index(
            index_name=INDEX_NAME,
            partition_key=_string_key("gsi1pk"),
            sort_key=_string_key("gsi1sk"),
            projection_type=dynamodb.ProjectionType.ALL,
        )
