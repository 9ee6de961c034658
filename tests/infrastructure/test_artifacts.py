"""The artifacts bucket and the agent log group."""

from __future__ import annotations

from typing import Any

from tests.infrastructure.conftest import SynthesizedStack

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def _bucket(synthesized: SynthesizedStack, name: str) -> tuple[str, dict[str, Any]]:
    logical_id = synthesized.logical_id_of("AWS::S3::Bucket", name)
    return logical_id, synthesized.resources[logical_id]["Properties"]


def _denies_plain_http(synthesized: SynthesizedStack, bucket_id: str) -> bool:
    for policy in synthesized.template.find_resources("AWS::S3::BucketPolicy").values():
        if policy["Properties"]["Bucket"] != {"Ref": bucket_id}:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                return True
    return False


def test_artifacts_bucket_is_encrypted_private_and_versioned(
    synthesized: SynthesizedStack,
) -> None:
    # Given the artifacts bucket / When reading its settings
    # Then it is encrypted, blocks all public access and keeps versions
    _, bucket = _bucket(synthesized, "ArtifactsBucket")
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}


def test_artifacts_bucket_refuses_plain_http(synthesized: SynthesizedStack) -> None:
    # Given the artifacts bucket / When reading its policy / Then requests without TLS are denied
    bucket_id, _ = _bucket(synthesized, "ArtifactsBucket")
    assert _denies_plain_http(synthesized, bucket_id)


def test_artifacts_bucket_logs_access_to_a_private_log_bucket(
    synthesized: SynthesizedStack,
) -> None:
    # Given the artifacts bucket / When reading its logging
    # Then access logs go to the access-log bucket, itself private, encrypted and TLS-only
    _, bucket = _bucket(synthesized, "ArtifactsBucket")
    logs_id, logs_bucket = _bucket(synthesized, "ArtifactsAccessLogs")
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs_id}
    assert logs_bucket["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert "BucketEncryption" in logs_bucket
    assert _denies_plain_http(synthesized, logs_id)


def test_agent_log_group_keeps_hook_output_for_a_set_time(synthesized: SynthesizedStack) -> None:
    # Given the agent log group / When reading it / Then it has a retention and outlives the stack
    log_group_id = synthesized.logical_id_of("AWS::Logs::LogGroup", "AgentLogs")
    log_group = synthesized.resources[log_group_id]
    assert log_group["Properties"]["RetentionInDays"] > 0
    assert log_group["DeletionPolicy"] == "Retain"
