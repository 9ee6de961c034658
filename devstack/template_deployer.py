"""Deploys a synthesized CDK app (`cdk.out`) into moto, and the rest of it into the gateway.

moto's CloudFormation creates what it supports. The gateway serves API Gateway itself from the
template, creates the alarms, and leaves out what moto cannot create (custom resources need Docker,
API Gateway fails on CDK's methods); references to those resources become the values the gateway
serves, so the rest of the stack sees a consistent picture.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto.cloudformation.parsing import get_model_map

from devstack.api_gateway import ApiGatewayEmulator
from devstack.cdk_assembly import CdkAssembly, read_assembly
from devstack.rest_api import rest_api_id, rest_apis_from_template
from devstack.settings import (
    ACCOUNT_ID,
    INTERNAL_ACCESS_KEY_ID,
    INTERNAL_SECRET_ACCESS_KEY,
    REGION,
    STACK_NAME,
    GatewaySettings,
)
from devstack.template_values import TemplateValues

logger = logging.getLogger("devstack.deployer")
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
BOOTSTRAP_VERSION = "30"
DIGEST_TAG = "devstack:template-digest"
# Served by the gateway, not by moto's CloudFormation.
GATEWAY_TYPES = ("AWS::ApiGateway::", "AWS::Lambda::Permission", "AWS::CloudWatch::Alarm")
DROPPED_TYPES = ("AWS::CDK::Metadata", "Custom::", "AWS::CloudFormation::CustomResource")
FINISHED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
_EXECUTE_API_URL = re.compile(r"^https://([a-z0-9]+)\.execute-api\.[^/]+/([^/]+)/?(.*)$")


@dataclass(frozen=True)
class DeployedStack:
    stack_name: str
    outputs: dict[str, str]
    rest_apis: list[dict[str, str]]
    removed_resources: dict[str, str] = field(default_factory=dict)
    created: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class TemplateDeployer:
    def __init__(self, settings: GatewaySettings, apis: ApiGatewayEmulator) -> None:
        self._settings = settings
        self._apis = apis

    def deploy(self, template_dir: Path, stack_name: str | None = None) -> DeployedStack:
        assembly = read_assembly(template_dir, stack_name or STACK_NAME)
        self._publish_assets(assembly)
        removed = _removed_resources(assembly.template)
        values = TemplateValues(
            stack_name=assembly.stack_name, region=REGION, account_id=ACCOUNT_ID
        )
        values.add_removed(assembly.template, removed, self._api_ids(assembly, removed))
        moto_template = _moto_template(assembly.template, removed, values)
        created = self._create_or_update(assembly.stack_name, moto_template)
        physical = self._physical_ids(assembly.stack_name)
        values.add_physical(assembly.template, physical)
        self._put_alarms(assembly.template, removed, values)
        function_names = {
            logical_id: name
            for logical_id, name in physical.items()
            if assembly.template["Resources"][logical_id]["Type"] == "AWS::Lambda::Function"
        }
        self._localize_api_urls(function_names.values())
        rest_apis = []
        for api in rest_apis_from_template(
            assembly.template,
            stack_name=assembly.stack_name,
            region=REGION,
            function_names=function_names,
        ):
            self._apis.register(api)
            rest_apis.append(
                {"id": api.api_id, "name": api.name, "stage": api.stage, "url": self._url(api)}
            )
        return DeployedStack(
            stack_name=assembly.stack_name,
            outputs=self._outputs(assembly, values),
            rest_apis=rest_apis,
            removed_resources=removed,
            created=created,
        )

    def _client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self._settings.endpoint_url,
            region_name=REGION,
            aws_access_key_id=INTERNAL_ACCESS_KEY_ID,
            aws_secret_access_key=INTERNAL_SECRET_ACCESS_KEY,
        )

    def _localize_api_urls(self, function_names: Any) -> None:
        """A function told the stack's API URL (the hook runner) gets the gateway's local URL."""
        lambda_client = self._client("lambda")
        for name in function_names:
            config = lambda_client.get_function_configuration(FunctionName=name)
            variables = (config.get("Environment") or {}).get("Variables") or {}
            local = {key: self._local_url(value) for key, value in variables.items()}
            if local != variables:
                lambda_client.update_function_configuration(
                    FunctionName=name, Environment={"Variables": local}
                )

    def _url(self, api: Any) -> str:
        return f"{self._settings.endpoint_url}/_api/{api.api_id}/{api.stage}"

    def _api_ids(self, assembly: CdkAssembly, removed: dict[str, str]) -> dict[str, str]:
        return {
            logical_id: rest_api_id(assembly.stack_name, logical_id)
            for logical_id, resource_type in removed.items()
            if resource_type == "AWS::ApiGateway::RestApi"
        }

    def _publish_assets(self, assembly: CdkAssembly) -> None:
        s3 = self._client("s3")
        if assembly.needs_bootstrap_version:
            self._client("ssm").put_parameter(
                Name=BOOTSTRAP_VERSION_PARAMETER,
                Value=BOOTSTRAP_VERSION,
                Type="String",
                Overwrite=True,
            )
        for asset in assembly.file_assets(ACCOUNT_ID, REGION):
            try:
                s3.head_bucket(Bucket=asset.bucket)
            except ClientError:
                s3.create_bucket(Bucket=asset.bucket)
            s3.put_object(Bucket=asset.bucket, Key=asset.object_key, Body=_asset_bytes(asset))

    def _create_or_update(self, stack_name: str, template: dict[str, Any]) -> bool:
        cloudformation = self._client("cloudformation")
        body = json.dumps(template, sort_keys=True)
        digest = hashlib.sha256(body.encode()).hexdigest()
        tags = [{"Key": DIGEST_TAG, "Value": digest}]
        capabilities = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
        existing = _existing_stack(cloudformation, stack_name)
        if existing is not None and existing["StackStatus"] in FINISHED:
            current = {tag["Key"]: tag["Value"] for tag in existing.get("Tags", [])}
            if current.get(DIGEST_TAG) == digest:
                return False
            cloudformation.update_stack(
                StackName=stack_name, TemplateBody=body, Capabilities=capabilities, Tags=tags
            )
        else:
            if existing is not None:
                cloudformation.delete_stack(StackName=stack_name)
            cloudformation.create_stack(
                StackName=stack_name, TemplateBody=body, Capabilities=capabilities, Tags=tags
            )
        status = _wait_for_stack(cloudformation, stack_name)
        if status not in FINISHED:
            events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
            reasons = [
                e.get("ResourceStatusReason") for e in events if "FAILED" in e["ResourceStatus"]
            ]
            raise RuntimeError(f"stack {stack_name} ended in {status}: {reasons}")
        return existing is None

    def _physical_ids(self, stack_name: str) -> dict[str, str]:
        resources = self._client("cloudformation").describe_stack_resources(StackName=stack_name)
        return {
            resource["LogicalResourceId"]: resource["PhysicalResourceId"]
            for resource in resources["StackResources"]
        }

    def _put_alarms(
        self, template: dict[str, Any], removed: dict[str, str], values: TemplateValues
    ) -> None:
        cloudwatch = self._client("cloudwatch")
        for logical_id, resource_type in removed.items():
            if resource_type != "AWS::CloudWatch::Alarm":
                continue
            properties = values.resolve(template["Resources"][logical_id].get("Properties", {}))
            properties["AlarmName"] = values.ref(logical_id)
            cloudwatch.put_metric_alarm(**properties)

    def _outputs(self, assembly: CdkAssembly, values: TemplateValues) -> dict[str, str]:
        outputs: dict[str, str] = {}
        for name, output in assembly.template.get("Outputs", {}).items():
            value = values.resolve(output.get("Value"))
            if value is None:
                continue
            outputs[name] = self._local_url(str(value))
        return outputs

    def _local_url(self, value: str) -> str:
        match = _EXECUTE_API_URL.match(value)
        if not match:
            return value
        api_id, stage, rest = match.groups()
        url = f"{self._settings.endpoint_url}/_api/{api_id}/{stage}"
        return f"{url}/{rest}" if rest else url


def _removed_resources(template: dict[str, Any]) -> dict[str, str]:
    supported = get_model_map()
    removed = {}
    for logical_id, resource in template.get("Resources", {}).items():
        resource_type = resource["Type"]
        if (
            resource_type.startswith(GATEWAY_TYPES + DROPPED_TYPES)
            or resource_type not in supported
        ):
            removed[logical_id] = resource_type
    return removed


def _moto_template(
    template: dict[str, Any], removed: dict[str, str], values: TemplateValues
) -> dict[str, Any]:
    """The template without removed resources; their references replaced by gateway values."""
    resources = {}
    for logical_id, original in template["Resources"].items():
        if logical_id in removed:
            continue
        resource = values.substitute_removed(json.loads(json.dumps(original)))
        depends_on = resource.get("DependsOn")
        if depends_on:
            kept = [d for d in _as_list(depends_on) if d not in removed]
            if kept:
                resource["DependsOn"] = kept
            else:
                resource.pop("DependsOn")
        if resource["Type"] == "AWS::Lambda::Function":
            resource.get("Properties", {}).pop("Layers", None)
        resources[logical_id] = resource
    outputs = {
        name: output
        for name, output in template.get("Outputs", {}).items()
        if not values.mentions(output, set(removed)) and "Export" not in output
    }
    moto_template = {key: value for key, value in template.items() if key != "Rules"}
    moto_template["Resources"] = resources
    moto_template["Outputs"] = outputs
    return moto_template


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _existing_stack(cloudformation: Any, stack_name: str) -> dict[str, Any] | None:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError:
        return None
    live = [stack for stack in stacks if stack["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def _wait_for_stack(cloudformation: Any, stack_name: str, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = str(
            cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        )
        if not status.endswith("IN_PROGRESS") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def _asset_bytes(asset: Any) -> bytes:
    source = Path(asset.source)
    if source.is_file():
        return source.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(
                    str(path.relative_to(source)), date_time=(1980, 1, 1, 0, 0, 0)
                )
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
