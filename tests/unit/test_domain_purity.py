"""The rollwright package stays pure: boto3 only in client.py, and no environment reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rollwright

PACKAGE = Path(rollwright.__file__).parent
# The CLI's stack connection builds the S3, Logs and CloudFormation clients the CLI needs.
CLIENT_MODULES = {"client.py", "cli_stack.py"}
# The CLI and the client helper are the package's edge: they build boto3 clients for callers,
# read the environment (cli_stack.py) and print AWS errors (cli.py).
EDGE_MODULES = {"client.py", "cli.py", "cli_stack.py"}
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


def _module_imports(path: Path) -> set[str]:
    """Full names of the modules ``path`` imports (``from a import b`` counts ``a`` and ``a.b``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_nothing_the_lambda_functions_import_pulls_in_the_cli_or_rich() -> None:
    # Given the modules of the Lambda asset (functions/ and what they import of rollwright/)
    root = PACKAGE.parent
    pending = list((root / "functions").rglob("*.py"))
    seen: set[Path] = set()
    third_party: set[str] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _module_imports(path):
            module = root.joinpath(*name.split("."))
            if module.with_suffix(".py").is_file():
                pending.append(module.with_suffix(".py"))
            elif (module / "__init__.py").is_file():
                pending.append(module / "__init__.py")
            else:
                third_party.add(name.split(".")[0])
    # Then none of them is a CLI module, and rich (not in the Lambda runtime) is never imported
    assert not {path.name for path in seen if path.parent == PACKAGE} & {
        "cli.py",
        "cli_stack.py",
        "cli_deployments.py",
        "deployment_watch.py",
        "progress_view.py",
        "hook_logs.py",
        "bundle_upload.py",
    }
    assert "rich" not in third_party
    assert PACKAGE / "lifecycle.py" in seen  # the walk does follow the domain
