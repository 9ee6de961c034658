"""REST APIs as the gateway serves them: routes read from a CloudFormation template."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

_GREEDY = re.compile(r"^\{(\w+)\+\}$")
_PARAMETER = re.compile(r"^\{(\w+)\}$")


@dataclass(frozen=True)
class ApiRoute:
    resource_path: str
    http_method: str  # "ANY" matches every method
    authorization_type: str
    integration_type: str
    function_name: str | None
    region: str

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when `path` matches this route's resource path, else None."""
        template = [part for part in self.resource_path.split("/") if part]
        actual = [part for part in path.split("/") if part]
        parameters: dict[str, str] = {}
        for index, part in enumerate(template):
            greedy = _GREEDY.match(part)
            if greedy:
                if index >= len(actual):
                    return None
                parameters[greedy.group(1)] = "/".join(actual[index:])
                return parameters
            if index >= len(actual):
                return None
            variable = _PARAMETER.match(part)
            if variable:
                parameters[variable.group(1)] = actual[index]
            elif part != actual[index]:
                return None
        return parameters if len(actual) == len(template) else None

    @property
    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers literal segments, then variables, then greedy paths."""
        parts = [part for part in self.resource_path.split("/") if part]
        literal = sum(1 for part in parts if not part.startswith("{"))
        greedy = sum(1 for part in parts if _GREEDY.match(part))
        return (-greedy, literal, int(self.http_method != "ANY"))


@dataclass(frozen=True)
class RestApiDefinition:
    api_id: str
    name: str
    stage: str
    binary_media_types: tuple[str, ...]
    routes: tuple[ApiRoute, ...]
    stage_variables: dict[str, str] = field(default_factory=dict)

    def route_for(self, method: str, path: str) -> tuple[ApiRoute, dict[str, str]] | None:
        candidates = []
        for route in self.routes:
            if route.http_method not in (method, "ANY"):
                continue
            parameters = route.match(path)
            if parameters is not None:
                candidates.append((route, parameters))
        if not candidates:
            return None
        return max(candidates, key=lambda candidate: candidate[0].specificity)

    def is_binary(self, content_type: str) -> bool:
        media_type = content_type.split(";", maxsplit=1)[0].strip().lower()
        for binary in self.binary_media_types:
            pattern = binary.replace("~1", "/").lower()
            if pattern in ("*/*", media_type):
                return True
            if pattern.endswith("/*") and media_type.startswith(pattern[:-1]):
                return True
        return False


def rest_api_id(stack_name: str, logical_id: str) -> str:
    """A stable id, so a redeployed stack keeps its API URL."""
    return hashlib.sha256(f"{stack_name}/{logical_id}".encode()).hexdigest()[:10]


def rest_apis_from_template(
    template: dict[str, Any], *, stack_name: str, region: str, function_names: dict[str, str]
) -> list[RestApiDefinition]:
    """Read RestApi, Resource, Method and Stage resources into route tables.

    `function_names` maps the logical ids of Lambda functions to the names the stack created.
    """
    resources: dict[str, dict[str, Any]] = template.get("Resources", {})
    apis = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::ApiGateway::RestApi":
            continue
        properties = resource.get("Properties", {})
        paths = _resource_paths(resources, logical_id)
        routes = []
        for method in _of_type(resources, "AWS::ApiGateway::Method"):
            method_properties = method.get("Properties", {})
            if _ref(method_properties.get("RestApiId")) != logical_id:
                continue
            resource_ref = method_properties.get("ResourceId")
            path = paths.get(_ref(resource_ref) or "", "/")
            integration = method_properties.get("Integration", {})
            routes.append(
                ApiRoute(
                    resource_path=path,
                    http_method=str(method_properties.get("HttpMethod", "ANY")).upper(),
                    authorization_type=str(method_properties.get("AuthorizationType", "NONE")),
                    integration_type=str(integration.get("Type", "MOCK")),
                    function_name=_integration_function(integration.get("Uri"), function_names),
                    region=region,
                )
            )
        stage_name, variables = _stage(resources, logical_id)
        apis.append(
            RestApiDefinition(
                api_id=rest_api_id(stack_name, logical_id),
                name=str(properties.get("Name", logical_id)),
                stage=stage_name,
                binary_media_types=tuple(properties.get("BinaryMediaTypes", [])),
                routes=tuple(routes),
                stage_variables=variables,
            )
        )
    return apis


def _of_type(resources: dict[str, dict[str, Any]], resource_type: str) -> list[dict[str, Any]]:
    return [resource for resource in resources.values() if resource.get("Type") == resource_type]


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def _resource_paths(resources: dict[str, dict[str, Any]], api_logical_id: str) -> dict[str, str]:
    """Logical id of each AWS::ApiGateway::Resource of the API → its full path."""
    parents: dict[str, tuple[str | None, str]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::ApiGateway::Resource":
            continue
        properties = resource.get("Properties", {})
        if _ref(properties.get("RestApiId")) != api_logical_id:
            continue
        parent = properties.get("ParentId")
        parent_id = None if "Fn::GetAtt" in (parent or {}) else _ref(parent)
        parents[logical_id] = (parent_id, str(properties["PathPart"]))

    def path_of(logical_id: str) -> str:
        parent_id, part = parents[logical_id]
        prefix = path_of(parent_id) if parent_id in parents else ""
        return f"{prefix}/{part}"

    return {logical_id: path_of(logical_id) for logical_id in parents}


def _integration_function(uri: Any, function_names: dict[str, str]) -> str | None:
    """The Lambda function an AWS_PROXY integration URI points at."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            logical_id = _ref(node)
            if logical_id in function_names:
                found.append(function_names[logical_id])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            literal = re.search(r"functions/(arn:[^/]+)/invocations", node)
            if literal:
                found.append(literal.group(1))

    walk(uri)
    return found[0] if found else None


def _stage(resources: dict[str, dict[str, Any]], api_logical_id: str) -> tuple[str, dict[str, str]]:
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if _ref(properties.get("RestApiId")) != api_logical_id:
            continue
        if resource.get("Type") == "AWS::ApiGateway::Stage":
            return str(properties.get("StageName", "prod")), dict(properties.get("Variables", {}))
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if (
            resource.get("Type") == "AWS::ApiGateway::Deployment"
            and "StageName" in properties
            and _ref(properties.get("RestApiId")) == api_logical_id
        ):
            return str(properties["StageName"]), {}
    return "prod", {}
