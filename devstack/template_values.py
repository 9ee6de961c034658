"""What `Ref` and `Fn::GetAtt` mean in the devstack: physical ids from moto, gateway values for the
resources moto does not create, and a small resolver for outputs and alarm properties."""

from __future__ import annotations

import re
from typing import Any

PSEUDO = ("AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName")
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class TemplateValues:
    def __init__(self, *, stack_name: str, region: str, account_id: str) -> None:
        self._region = region
        self._account_id = account_id
        self._refs: dict[str, str] = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::NoValue": "",
        }
        self._attributes: dict[tuple[str, str], str] = {}
        self._removed: set[str] = set()
        self._stack_name = stack_name

    def ref(self, logical_id: str) -> str:
        return self._refs[logical_id]

    def add_removed(
        self, template: dict[str, Any], removed: dict[str, str], api_ids: dict[str, str]
    ) -> None:
        """The values references to removed resources take, e.g. a REST API's gateway id."""
        resources = template.get("Resources", {})
        self._removed = set(removed)
        for logical_id, resource_type in removed.items():
            properties = resources[logical_id].get("Properties", {})
            if logical_id in api_ids:
                self._refs[logical_id] = api_ids[logical_id]
                self._attributes[(logical_id, "RootResourceId")] = "root"
            elif resource_type == "AWS::ApiGateway::Stage":
                self._refs[logical_id] = str(properties.get("StageName", logical_id))
            elif resource_type == "AWS::CloudWatch::Alarm":
                name = properties.get("AlarmName")
                name = name if isinstance(name, str) else f"{self._stack_name}-{logical_id}"
                self._refs[logical_id] = name
                self._attributes[(logical_id, "Arn")] = (
                    f"arn:aws:cloudwatch:{self._region}:{self._account_id}:alarm:{name}"
                )
            else:
                self._refs[logical_id] = logical_id
                self._attributes[(logical_id, "Arn")] = (
                    f"arn:aws:devstack:{self._region}:{self._account_id}:{logical_id}"
                )

    def add_physical(self, template: dict[str, Any], physical: dict[str, str]) -> None:
        resources = template.get("Resources", {})
        for logical_id, physical_id in physical.items():
            self._refs[logical_id] = physical_id
            resource_type = resources.get(logical_id, {}).get("Type")
            if resource_type == "AWS::Lambda::Function":
                self._attributes[(logical_id, "Arn")] = (
                    f"arn:aws:lambda:{self._region}:{self._account_id}:function:{physical_id}"
                )
            elif resource_type == "AWS::S3::Bucket":
                self._attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{physical_id}"
            elif resource_type == "AWS::SQS::Queue":
                name = physical_id.rsplit("/", 1)[-1]
                self._attributes[(logical_id, "Arn")] = (
                    f"arn:aws:sqs:{self._region}:{self._account_id}:{name}"
                )
                self._attributes[(logical_id, "QueueName")] = name
            elif resource_type == "AWS::DynamoDB::Table":
                self._attributes[(logical_id, "Arn")] = (
                    f"arn:aws:dynamodb:{self._region}:{self._account_id}:table/{physical_id}"
                )
            elif resource_type == "AWS::StepFunctions::StateMachine":
                self._attributes[(logical_id, "Arn")] = physical_id
                self._attributes[(logical_id, "Name")] = physical_id.rsplit(":", 1)[-1]
            elif resource_type == "AWS::Logs::LogGroup":
                self._attributes[(logical_id, "Arn")] = (
                    f"arn:aws:logs:{self._region}:{self._account_id}:log-group:{physical_id}:*"
                )
            elif resource_type == "AWS::IAM::Role":
                self._attributes[(logical_id, "Arn")] = (
                    f"arn:aws:iam::{self._account_id}:role/{physical_id}"
                )
            elif resource_type in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"):
                self._attributes[(logical_id, "TopicArn")] = physical_id

    def mentions(self, node: Any, logical_ids: set[str]) -> bool:
        if isinstance(node, dict):
            if node.get("Ref") in logical_ids:
                return True
            get_att = node.get("Fn::GetAtt")
            if isinstance(get_att, list) and get_att and get_att[0] in logical_ids:
                return True
            if isinstance(node.get("Fn::Sub"), str | list):
                text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
                names = {v.split(".")[0] for v in _SUB_VARIABLE.findall(text)}
                if names & logical_ids:
                    return True
            return any(self.mentions(value, logical_ids) for value in node.values())
        if isinstance(node, list):
            return any(self.mentions(value, logical_ids) for value in node)
        return False

    def substitute_removed(self, node: Any) -> Any:
        """Replace references to removed resources by their gateway values (strings)."""
        if isinstance(node, dict):
            if node.get("Ref") in self._removed:
                return self._refs[node["Ref"]]
            get_att = node.get("Fn::GetAtt")
            if isinstance(get_att, list) and get_att and get_att[0] in self._removed:
                return self._attributes.get((get_att[0], get_att[1]), get_att[0])
            sub = node.get("Fn::Sub")
            if isinstance(sub, str) and self.mentions(node, self._removed):
                return {"Fn::Sub": self._substitute_in_sub(sub)}
            return {key: self.substitute_removed(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.substitute_removed(value) for value in node]
        return node

    def _substitute_in_sub(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name, _, attribute = match.group(1).partition(".")
            if name not in self._removed:
                return match.group(0)
            if attribute:
                return self._attributes.get((name, attribute), name)
            return self._refs[name]

        return _SUB_VARIABLE.sub(replace, text)

    def resolve(self, node: Any) -> Any:
        """Evaluate Ref, GetAtt, Join, Sub and Select; None when a value is unknown."""
        if isinstance(node, list):
            return [self.resolve(value) for value in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            intrinsics: dict[str, Any] = {
                "Ref": self._refs.get,
                "Fn::GetAtt": self._get_att,
                "Fn::Join": self._join,
                "Fn::Sub": self._resolve_sub,
                "Fn::Select": self._select,
            }
            if key in intrinsics:
                return intrinsics[key](value)
        return {key: self.resolve(value) for key, value in node.items()}

    def _get_att(self, value: Any) -> str | None:
        logical_id, attribute = value if isinstance(value, list) else value.split(".", 1)
        return self._attributes.get((logical_id, attribute))

    def _join(self, value: Any) -> str | None:
        parts = [self.resolve(part) for part in self.resolve_list(value[1])]
        if any(part is None for part in parts):
            return None
        return str(value[0]).join(str(part) for part in parts)

    def _select(self, value: Any) -> Any:
        items = self.resolve_list(value[1])
        index = int(self.resolve(value[0]))
        return self.resolve(items[index]) if index < len(items) else None

    def resolve_list(self, node: Any) -> list[Any]:
        resolved = self.resolve(node)
        return resolved if isinstance(resolved, list) else []

    def _resolve_sub(self, value: Any) -> str | None:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
        missing = False

        def replace(match: re.Match[str]) -> str:
            nonlocal missing
            name = match.group(1)
            if name in variables:
                resolved = self.resolve(variables[name])
            elif "." in name:
                logical_id, attribute = name.split(".", 1)
                resolved = self._attributes.get((logical_id, attribute))
            else:
                resolved = self._refs.get(name)
            if resolved is None:
                missing = True
                return ""
            return str(resolved)

        result = _SUB_VARIABLE.sub(replace, text)
        return None if missing else result
