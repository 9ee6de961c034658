"""The state table follows the contract in docs/architecture.md."""

from __future__ import annotations

from aws_cdk.assertions import Match

from tests.infrastructure.conftest import SynthesizedStack


def test_table_is_keyed_by_pk_and_sk(synthesized: SynthesizedStack) -> None:
    # Given the synthesized stack / When reading its one table / Then pk and sk are its string keys
    synthesized.template.resource_count_is("AWS::DynamoDB::Table", 1)
    synthesized.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_with(
                [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ]
            ),
        },
    )


def test_table_has_the_generic_index_gsi1_projecting_all(synthesized: SynthesizedStack) -> None:
    # Given the table / When reading its secondary indexes / Then gsi1 is keyed gsi1pk, gsi1sk
    synthesized.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "gsi1",
                    "KeySchema": [
                        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "AttributeDefinitions": Match.array_with(
                [
                    {"AttributeName": "gsi1pk", "AttributeType": "S"},
                    {"AttributeName": "gsi1sk", "AttributeType": "S"},
                ]
            ),
        },
    )


def test_table_expires_items_by_expires_at(synthesized: SynthesizedStack) -> None:
    # Given the table / When reading its TTL / Then expires_at is the TTL attribute
    synthesized.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True}},
    )


def test_table_is_on_demand_encrypted_and_recoverable(synthesized: SynthesizedStack) -> None:
    # Given the table / When reading billing, encryption, PITR and deletion protection
    # Then all are on
    synthesized.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
            "SSESpecification": {"SSEEnabled": True},
        },
    )


def test_table_survives_stack_deletion(synthesized: SynthesizedStack) -> None:
    # Given the table / When the stack is deleted / Then CloudFormation retains it
    synthesized.template.has_resource(
        "AWS::DynamoDB::Table", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )
