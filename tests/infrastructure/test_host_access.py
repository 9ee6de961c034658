"""A host reads only its own queue, writes only its own log streams, calls only agent routes."""

from __future__ import annotations

import json
from typing import Any

from tests.infrastructure.conftest import SynthesizedStack

HOST_ID = "${aws:PrincipalTag/rollwright:host}"


def _host_policy_statements(synthesized: SynthesizedStack) -> dict[str, dict[str, Any]]:
    (policy,) = synthesized.template.find_resources("AWS::IAM::ManagedPolicy").values()
    return {
        statement["Sid"]: statement
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    }


def _text(value: Any) -> str:
    """A CloudFormation value as text: Join parts concatenated, references as ``<id>``."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(_text(part) for part in value["Fn::Join"][1])
    if "Ref" in value:
        return f"<{value['Ref']}>"
    return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"


def test_host_policy_has_only_queue_logs_and_agent_api_statements(
    synthesized: SynthesizedStack,
) -> None:
    # Given the host policy / When listing its statements / Then there are exactly three
    assert sorted(_host_policy_statements(synthesized)) == [
        "CallAgentRoutes",
        "ReadOwnCommandQueue",
        "WriteOwnHookLogStreams",
    ]


def test_host_reads_only_its_own_command_queue(synthesized: SynthesizedStack) -> None:
    # Given the queue statement / When reading it
    # Then it consumes messages only from rollwright-host-<the caller's host tag>
    statement = _host_policy_statements(synthesized)["ReadOwnCommandQueue"]
    assert sorted(statement["Action"]) == [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
    ]
    assert _text(statement["Resource"]) == (
        "arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:rollwright-host-" + HOST_ID
    )


def test_host_writes_only_its_own_log_streams(synthesized: SynthesizedStack) -> None:
    # Given the logs statement / When reading it
    # Then it writes only streams named <host tag>/... in the agent log group
    log_group = synthesized.logical_id_of("AWS::Logs::LogGroup", "AgentLogs")
    statement = _host_policy_statements(synthesized)["WriteOwnHookLogStreams"]
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert _text(statement["Resource"]).endswith(f":log-group:<{log_group}>:log-stream:{HOST_ID}/*")


def test_host_calls_only_the_agent_routes_and_only_as_a_tagged_host(
    synthesized: SynthesizedStack,
) -> None:
    # Given the API statement / When reading it
    # Then it invokes only POST /agent/* of stage v1, and only with a host tag
    rest_api = synthesized.logical_id_of("AWS::ApiGateway::RestApi", "Api")
    statement = _host_policy_statements(synthesized)["CallAgentRoutes"]
    assert statement["Action"] == "execute-api:Invoke"
    assert _text(statement["Resource"]).endswith(f":<{rest_api}>/v1/POST/agent/*")
    assert statement["Condition"] == {"Null": {"aws:PrincipalTag/rollwright:host": "false"}}


def test_host_role_carries_the_host_policy(synthesized: SynthesizedStack) -> None:
    # Given the host role / When reading its policies / Then the host policy is attached
    policy = synthesized.logical_id_of("AWS::IAM::ManagedPolicy", "HostPolicy")
    role = synthesized.resources[synthesized.logical_id_of("AWS::IAM::Role", "HostAccessHostRole")]
    assert role["Properties"]["ManagedPolicyArns"] == [{"Ref": policy}]


def test_host_role_may_read_revisions_from_the_artifacts_bucket_only(
    synthesized: SynthesizedStack,
) -> None:
    # Given the host role's inline policy
    role = synthesized.logical_id_of("AWS::IAM::Role", "HostAccessHostRole")
    (policy,) = [
        resource
        for resource in synthesized.template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role} in resource["Properties"]["Roles"]
    ]
    # When reading its statements
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    # Then it reads objects (and versions) of the artifacts bucket, nothing else
    bucket = synthesized.logical_id_of("AWS::S3::Bucket", "ArtifactsBucket")
    assert sorted(statement["Action"]) == ["s3:GetObject", "s3:GetObjectVersion"]
    assert _text(statement["Resource"]) == f"<{bucket}.Arn>/*"


def test_on_premises_hosts_may_only_claim_their_own_host_tag(
    synthesized: SynthesizedStack,
) -> None:
    # Given the host role's trust policy / When reading the on-premises statement (default: the
    # account) / Then a session must be tagged with, and named after, the caller's own host tag
    role = synthesized.resources[synthesized.logical_id_of("AWS::IAM::Role", "HostAccessHostRole")]
    statements = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    (on_premises,) = [s for s in statements if ":root" in json.dumps(s["Principal"])]
    assert sorted(on_premises["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert on_premises["Condition"]["StringEquals"] == {
        "aws:RequestTag/rollwright:host": HOST_ID,
        "sts:RoleSessionName": HOST_ID,
    }
    assert on_premises["Condition"]["ForAllValues:StringEquals"] == {
        "aws:TagKeys": ["rollwright:host"]
    }


def test_ec2_instances_may_only_claim_their_own_instance_id(
    synthesized: SynthesizedStack,
) -> None:
    # Given the host role's trust policy / When reading the EC2 statement
    # Then the requested host tag must be the calling instance's id
    ec2_role = synthesized.logical_id_of("AWS::IAM::Role", "Ec2InstanceRole")
    role = synthesized.resources[synthesized.logical_id_of("AWS::IAM::Role", "HostAccessHostRole")]
    (ec2,) = [
        statement
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if statement.get("Sid") == "Ec2InstanceAsItself"
    ]
    assert ec2["Principal"] == {"AWS": {"Fn::GetAtt": [ec2_role, "Arn"]}}
    assert ec2["Condition"]["StringLike"] == {
        "ec2:SourceInstanceARN": "arn:*:ec2:*:*:instance/${aws:RequestTag/rollwright:host}"
    }
    assert ec2["Condition"]["StringEquals"] == {
        "sts:RoleSessionName": "${aws:RequestTag/rollwright:host}"
    }


def test_ec2_instance_profile_may_only_become_the_host_role(
    synthesized: SynthesizedStack,
) -> None:
    # Given the EC2 instance role / When reading its profile and permissions
    # Then EC2 assumes it, its profile exists, and it may only assume the host role
    ec2_role = synthesized.logical_id_of("AWS::IAM::Role", "Ec2InstanceRole")
    host_role = synthesized.logical_id_of("AWS::IAM::Role", "HostAccessHostRole")
    synthesized.template.has_resource_properties(
        "AWS::IAM::InstanceProfile", {"Roles": [{"Ref": ec2_role}]}
    )
    (policy,) = [
        policy
        for policy in synthesized.template.find_resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": ec2_role}]
    ]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [host_role, "Arn"]},
        }
    ]
