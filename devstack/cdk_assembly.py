"""A synthesized CDK stack as `cdk.out` holds it: its template and its file assets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AssemblyNotFoundError(Exception):
    """`cdk.out` (or the stack in it) is missing: synthesize first with `python app.py`."""


@dataclass(frozen=True)
class FileAsset:
    source: Path
    bucket: str
    object_key: str


@dataclass(frozen=True)
class CdkAssembly:
    directory: Path
    stack_name: str
    template: dict[str, Any]
    assets: dict[str, Any]

    @property
    def needs_bootstrap_version(self) -> bool:
        parameter = self.template.get("Parameters", {}).get("BootstrapVersion", {})
        return "SSM::Parameter" in str(parameter.get("Type", ""))

    def file_assets(self, account_id: str, region: str) -> list[FileAsset]:
        found = []
        for asset in self.assets.get("files", {}).values():
            source = self.directory / asset["source"]["path"]
            for destination in asset.get("destinations", {}).values():
                found.append(
                    FileAsset(
                        source=source,
                        bucket=_placeholders(destination["bucketName"], account_id, region),
                        object_key=_placeholders(destination["objectKey"], account_id, region),
                    )
                )
        return found


def read_assembly(directory: Path, stack_name: str) -> CdkAssembly:
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        raise AssemblyNotFoundError(
            f"{manifest_path} not found: synthesize the CDK app first (`python app.py`)"
        )
    artifacts: dict[str, Any] = json.loads(manifest_path.read_text())["artifacts"]
    stack = None
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        name = artifact.get("properties", {}).get("stackName") or artifact.get("displayName")
        if stack_name in (artifact_id, name):
            stack = artifact
            break
    if stack is None:
        raise AssemblyNotFoundError(f"stack {stack_name} is not in {manifest_path}")
    template = json.loads((directory / stack["properties"]["templateFile"]).read_text())
    assets: dict[str, Any] = {}
    for dependency in stack.get("dependencies", []):
        artifact = artifacts.get(dependency, {})
        if artifact.get("type") == "cdk:asset-manifest":
            assets = json.loads((directory / artifact["properties"]["file"]).read_text())
    return CdkAssembly(directory=directory, stack_name=stack_name, template=template, assets=assets)


def _placeholders(value: str, account_id: str, region: str) -> str:
    return (
        value.replace("${AWS::AccountId}", account_id)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", "aws")
    )
