"""The Rollwright stack, synthesized once for the whole infrastructure suite."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from app import cdk_json_context
from stacks.control_plane import STACK_NAME, ControlPlaneStack


@dataclass(frozen=True)
class SynthesizedStack:
    stack: ControlPlaneStack
    template: Template
    outdir: Path

    @property
    def template_path(self) -> Path:
        return self.outdir / f"{STACK_NAME}.template.json"

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template.to_json()["Resources"]
        return resources

    def function_named(self, handler: str) -> dict[str, Any]:
        """The ``Properties`` of the function whose handler is ``handler``."""
        found = self.template.find_resources(
            "AWS::Lambda::Function", {"Properties": {"Handler": handler}}
        )
        assert len(found) == 1, f"expected one function with handler {handler}"
        properties: dict[str, Any] = next(iter(found.values()))["Properties"]
        return properties

    def logical_id_of(self, resource_type: str, path_part: str) -> str:
        """The logical id of the one ``resource_type`` whose logical id contains ``path_part``."""
        matches = [
            logical_id
            for logical_id in self.template.find_resources(resource_type)
            if path_part in logical_id
        ]
        assert len(matches) == 1, f"{resource_type} {path_part}: {matches}"
        return matches[0]


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedStack:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir), context=cdk_json_context())
    stack = ControlPlaneStack(app, STACK_NAME)
    template = Template.from_stack(stack)
    return SynthesizedStack(stack=stack, template=template, outdir=outdir)
