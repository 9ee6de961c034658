"""Deployment notifications: the table's stream feeds the notify function, which may put events
on the default bus (with its own source only) and publish to this account's topics."""

from __future__ import annotations

import json

from rollwright.deployment_notifications import EVENT_SOURCE
from tests.infrastructure.conftest import SynthesizedStack

NOTIFY_HANDLER = "functions.notify.handler.handler"


def _notify_role(synthesized: SynthesizedStack) -> str:
    role: str = synthesized.function_named(NOTIFY_HANDLER)["Role"]["Fn::GetAtt"][0]
    return role


def _statements_of(synthesized: SynthesizedStack, role: str) -> list[dict]:
    policies = synthesized.template.find_resources("AWS::IAM::Policy")
    return [
        statement
        for policy in policies.values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_state_table_streams_new_and_old_images(synthesized: SynthesizedStack) -> None:
    synthesized.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}},
    )


def test_the_stream_feeds_the_notify_function_with_deployment_and_target_items_only(
    synthesized: SynthesizedStack,
) -> None:
    mappings = synthesized.template.find_resources("AWS::Lambda::EventSourceMapping")
    (mapping,) = (
        m["Properties"]
        for m in mappings.values()
        if "StreamArn" in json.dumps(m["Properties"]["EventSourceArn"])
    )
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumRetryAttempts"] > 0
    assert "OnFailure" in mapping["DestinationConfig"]
    (pattern,) = (json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"])
    assert pattern == {"dynamodb": {"Keys": {"sk": {"S": ["DEPLOYMENT", {"prefix": "TARGET#"}]}}}}


def test_the_notify_function_puts_only_its_own_source_on_the_default_bus(
    synthesized: SynthesizedStack,
) -> None:
    statements = _statements_of(synthesized, _notify_role(synthesized))
    (put_events,) = [s for s in statements if s["Action"] == "events:PutEvents"]
    assert put_events["Condition"] == {"StringEquals": {"events:source": EVENT_SOURCE}}
    assert json.dumps(put_events["Resource"]).endswith(':event-bus/default"]]}')


def test_the_notify_function_publishes_to_this_accounts_topics_only(
    synthesized: SynthesizedStack,
) -> None:
    statements = _statements_of(synthesized, _notify_role(synthesized))
    (publish,) = [s for s in statements if s["Action"] == "sns:Publish"]
    assert publish["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":sns:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":*",
            ],
        ]
    }


def test_the_notify_function_writes_nothing_to_the_table(synthesized: SynthesizedStack) -> None:
    actions = {
        action
        for s in _statements_of(synthesized, _notify_role(synthesized))
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    writes = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
    assert "dynamodb:GetItem" in actions
    assert not {f"dynamodb:{write}" for write in writes} & actions
