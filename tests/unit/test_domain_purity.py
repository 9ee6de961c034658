"""The rollwright package stays pure: boto3 only in client.py, and no environment reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rollwright

PACKAGE = Path(rollwright.__file__).parent
CLIENT_MODULES = {"client.py"}
# The CLI and the client helper are the package's edge: they build boto3 clients for callers.
EDGE_MODULES = {"client.py", "cli.py"}
DOMAIN_MODULES = sorted(
    str(path.relative_to(PACKAGE))
    for path in PACKAGE.rglob("*.py")
    if path.name not in EDGE_MODULES
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_the_domain_imports_no_aws_sdk_and_reads_no_environment(module: str) -> None:
    assert not _imports(PACKAGE / module) & {"boto3", "botocore", "os"}


def test_only_the_client_module_imports_boto3() -> None:
    importing = {p.name for p in PACKAGE.rglob("*.py") if "boto3" in _imports(p)}
    assert importing <= CLIENT_MODULES
