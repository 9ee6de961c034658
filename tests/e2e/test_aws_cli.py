"""The real AWS CLI (v1, from the venv) against the devstack's API through the plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from devstack.state import DevstackState

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
AWS = Path(sys.executable).parent / "aws"


@pytest.fixture(scope="module")
def aws(devstack: DevstackState, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Runs ``aws deploy <arguments>`` with only the plugin configured; returns the process."""
    config = tmp_path_factory.mktemp("aws") / "config"
    config.write_text("[plugins]\nrollwright = rollwright.awscli_plugin\n")
    environment = {
        "PATH": os.environ.get("PATH", ""),
        # AWS CLI v1 imports each plugin module by name: the repository must be importable.
        "PYTHONPATH": str(REPOSITORY_ROOT),
        "HOME": str(config.parent),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(config.parent / "no-credentials"),
        "AWS_DEFAULT_REGION": devstack.region,
        "AWS_ACCESS_KEY_ID": devstack.access_key_id,
        "AWS_SECRET_ACCESS_KEY": devstack.secret_access_key,
    }

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [str(AWS), "deploy", *arguments, "--endpoint-url", devstack.api_url]
        return subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=120, check=False
        )

    return run


def succeeded(process: subprocess.CompletedProcess[str]) -> Any:
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout) if process.stdout.strip() else None


def test_an_application_is_created_listed_and_read_with_the_cli(aws: Any) -> None:
    name = f"e2e-cli-{uuid.uuid4().hex[:8]}"
    created = succeeded(aws("create-application", "--application-name", name))
    try:
        assert name in succeeded(aws("list-applications"))["applications"]
        info = succeeded(aws("get-application", "--application-name", name))["application"]
        assert info["applicationId"] == created["applicationId"]
    finally:
        succeeded(aws("delete-application", "--application-name", name))


def test_a_codedeploy_error_reaches_stderr_with_its_exception_name(aws: Any) -> None:
    process = aws("get-application", "--application-name", "e2e-cli-no-such-application")
    assert process.returncode != 0
    assert "ApplicationDoesNotExistException" in process.stderr


def test_revisions_and_on_premises_instances_work_from_the_cli(aws: Any) -> None:
    name = f"e2e-cli-{uuid.uuid4().hex[:8]}"
    succeeded(aws("create-application", "--application-name", name))
    try:
        location = "bucket=releases,key=shop/v1.zip,bundleType=zip"
        succeeded(
            aws(
                "register-application-revision",
                "--application-name",
                name,
                "--s3-location",
                location,
            )
        )
        listed = succeeded(aws("list-application-revisions", "--application-name", name))
        assert listed["revisions"][0]["s3Location"]["key"] == "shop/v1.zip"
    finally:
        succeeded(aws("delete-application", "--application-name", name))
    succeeded(
        aws(
            "register-on-premises-instance",
            "--instance-name",
            name,
            "--iam-user-arn",
            f"arn:aws:iam::123456789012:user/{name}",
        )
    )
    info = succeeded(aws("get-on-premises-instance", "--instance-name", name))["instanceInfo"]
    assert info["instanceName"] == name
