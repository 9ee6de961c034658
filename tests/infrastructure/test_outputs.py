"""The stack's outputs are exactly the contract's."""

from __future__ import annotations

from tests.infrastructure.conftest import SynthesizedStack


def test_stack_outputs_are_exactly_the_contract(synthesized: SynthesizedStack) -> None:
    # Given the synthesized stack / When listing its outputs / Then they are the contract's
    assert sorted(synthesized.template.to_json()["Outputs"]) == sorted(
        [
            "ApiUrl",
            "TableName",
            "ServerStateMachineArn",
            "LambdaStateMachineArn",
            "EcsStateMachineArn",
            "ArtifactsBucketName",
            "AgentLogGroupName",
            "HostPolicyArn",
            "HostRoleArn",
        ]
    )


def test_api_url_is_the_v1_stage_url_without_trailing_slash(
    synthesized: SynthesizedStack,
) -> None:
    # Given the ApiUrl output / When reading it
    # Then it is https://<api id>.execute-api.<region>.<suffix>/<the v1 stage>
    rest_api = synthesized.logical_id_of("AWS::ApiGateway::RestApi", "Api")
    stage = synthesized.logical_id_of("AWS::ApiGateway::Stage", "Api")
    parts = synthesized.template.to_json()["Outputs"]["ApiUrl"]["Value"]["Fn::Join"][1]
    assert parts[0] == "https://"
    assert parts[1] == {"Ref": rest_api}
    assert parts[-2:] == ["/", {"Ref": stage}]
    assert synthesized.resources[stage]["Properties"]["StageName"] == "v1"
