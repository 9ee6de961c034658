"""The REST API: IAM authorization everywhere, three routes, CBOR as binary, logged stage v1."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from tests.infrastructure.conftest import SynthesizedStack


def _path_of(resource_id: Any, resources: dict[str, Any]) -> str:
    if "Fn::GetAtt" in resource_id:
        return ""
    resource = resources[resource_id["Ref"]]["Properties"]
    return _path_of(resource["ParentId"], resources) + "/" + resource["PathPart"]


def _routes(synthesized: SynthesizedStack) -> dict[str, dict[str, Any]]:
    """``"POST /agent/{proxy+}"`` → the method's properties."""
    resources = synthesized.resources
    return {
        f"{method['Properties']['HttpMethod']} "
        f"{_path_of(method['Properties']['ResourceId'], resources) or '/'}": method["Properties"]
        for method in synthesized.template.find_resources("AWS::ApiGateway::Method").values()
    }


def _function_logical_id(synthesized: SynthesizedStack, handler: str) -> str:
    found = synthesized.template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": handler}}
    )
    return next(iter(found))


def test_api_has_exactly_the_three_contract_routes(synthesized: SynthesizedStack) -> None:
    # Given the synthesized API / When listing its methods / Then they are the contract's routes
    assert sorted(_routes(synthesized)) == [
        "POST /",
        "POST /agent/{proxy+}",
        "POST /service/{proxy+}",
    ]


def test_every_method_requires_iam_authorization(synthesized: SynthesizedStack) -> None:
    # Given every method of the API / When reading its authorization / Then it is SigV4 (AWS_IAM)
    assert {
        route: method["AuthorizationType"] for route, method in _routes(synthesized).items()
    } == dict.fromkeys(_routes(synthesized), "AWS_IAM")


def test_codedeploy_routes_proxy_to_the_api_function(synthesized: SynthesizedStack) -> None:
    # Given the JSON 1.1 and CBOR routes / When reading their integrations
    # Then both are Lambda proxy integrations of the api function
    api_function = _function_logical_id(synthesized, "functions.api.handler.handler")
    routes = _routes(synthesized)
    for route in ("POST /", "POST /service/{proxy+}"):
        integration = routes[route]["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert api_function in json.dumps(integration["Uri"])


def test_agent_route_proxies_to_the_agent_function(synthesized: SynthesizedStack) -> None:
    # Given the agent route / When reading its integration / Then it proxies to the agent function
    agent_function = _function_logical_id(synthesized, "functions.agent.handler.handler")
    integration = _routes(synthesized)["POST /agent/{proxy+}"]["Integration"]
    assert integration["Type"] == "AWS_PROXY"
    assert agent_function in json.dumps(integration["Uri"])


def test_cbor_bodies_are_binary(synthesized: SynthesizedStack) -> None:
    # Given the API / When reading its binary media types / Then application/cbor is one
    synthesized.template.has_resource_properties(
        "AWS::ApiGateway::RestApi", {"BinaryMediaTypes": ["application/cbor"]}
    )


def test_stage_v1_writes_access_logs_and_throttles(synthesized: SynthesizedStack) -> None:
    # Given the API's one stage / When reading its settings
    # Then it is v1, logs access to a log group, logs errors and throttles every method
    synthesized.template.resource_count_is("AWS::ApiGateway::Stage", 1)
    synthesized.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "v1",
            "AccessLogSetting": {
                "DestinationArn": Match.any_value(),
                "Format": Match.any_value(),
            },
            "MethodSettings": [
                Match.object_like(
                    {
                        "HttpMethod": "*",
                        "ResourcePath": "/*",
                        "LoggingLevel": "ERROR",
                        "ThrottlingRateLimit": Match.any_value(),
                        "ThrottlingBurstLimit": Match.any_value(),
                    }
                )
            ],
        },
    )


def test_access_logs_go_to_the_api_log_group(synthesized: SynthesizedStack) -> None:
    # Given the stage / When reading its access log destination / Then it is the API's log group
    log_group = synthesized.logical_id_of("AWS::Logs::LogGroup", "ApiAccessLogs")
    (stage,) = synthesized.template.find_resources("AWS::ApiGateway::Stage").values()
    destination = json.dumps(stage["Properties"]["AccessLogSetting"]["DestinationArn"])
    assert log_group in destination
