"""The rollwright package stays pure: boto3 only in client.py, and no environment reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rollwright

PACKAGE = Path(rollwright.__file__).parent
CLIENT_MODULES = {"client.py"}
API_MODULES = ["applications", "cbor", "dispatch", "errors", "protocols", "request_members"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", API_MODULES)
def test_the_api_domain_imports_no_aws_sdk(module: str) -> None:
    assert not _imports(PACKAGE / f"{module}.py") & {"boto3", "botocore", "os"}


def test_only_the_client_module_imports_boto3() -> None:
    importing = {p.name for p in PACKAGE.glob("*.py") if "boto3" in _imports(p)}
    assert importing <= CLIENT_MODULES
