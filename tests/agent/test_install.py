"""The install script, into a temporary root, and the installed agent running from there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.agent.revisions import write_bundle

REPOSITORY = Path(__file__).resolve().parents[2]
INSTALL = REPOSITORY / "agent" / "packaging" / "install.sh"
CONFIG = """\
api_url: https://abc.execute-api.us-east-1.amazonaws.com/v1
host_role_arn: arn:aws:iam::123456789012:role/RollwrightHostRole
log_group: rollwright-agent-logs
status_file: {status_file}
"""

pytestmark = pytest.mark.slow


def _clean_environment() -> dict[str, str]:
    """No PYTHONPATH or virtual environment of the test run may leak into the installed agent."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    config = root.parent / "agent.yml"
    config.write_text(CONFIG.format(status_file=root / "run" / "status.json"))
    subprocess.run(
        [
            "bash",
            str(INSTALL),
            "--root",
            str(root),
            "--config",
            str(config),
            "--python",
            sys.executable,
        ],
        check=True,
        timeout=600,
        env=_clean_environment(),
        cwd="/",
    )
    return root


def _agent(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "usr/local/bin/rollwright-agent"), *arguments],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env=_clean_environment(),
        cwd="/",
    )


def test_the_install_lays_out_the_environment_config_launcher_and_unit(installed):
    assert (installed / "opt/rollwright-agent/bin/python").exists()
    assert (installed / "usr/local/bin/rollwright-agent").resolve() == (
        installed / "opt/rollwright-agent/bin/rollwright-agent"
    )
    assert (
        "log_group: rollwright-agent-logs"
        in (installed / "etc/rollwright-agent/agent.yml").read_text()
    )
    unit = (installed / "etc/systemd/system/rollwright-agent.service").read_text()
    assert (
        "ExecStart=/opt/rollwright-agent/bin/rollwright-agent run "
        "--config /etc/rollwright-agent/agent.yml"
    ) in unit
    assert "KillMode=mixed" in unit


def test_the_installed_agent_prints_its_version(installed):
    answer = _agent(installed, "version")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith("rollwright-agent 0.")


def test_the_installed_agent_says_it_is_not_running(installed):
    answer = _agent(
        installed, "status", "--config", str(installed / "etc/rollwright-agent/agent.yml")
    )
    assert answer.returncode == 3
    assert "not running" in answer.stdout


def test_the_installed_agent_runs_a_local_deployment_with_real_hooks(installed, tmp_path):
    # Given a bundle whose hooks write a file
    marker = tmp_path / "started"
    bundle = write_bundle(
        tmp_path / "bundle",
        hooks={"ApplicationStart": ["scripts/start.sh"]},
        scripts={"start.sh": f'echo "$LIFECYCLE_EVENT $DEPLOYMENT_GROUP_NAME" > {marker}\n'},
    )
    # When the installed agent deploys it locally
    answer = _agent(
        installed,
        "local",
        "--bundle",
        str(bundle),
        "--root",
        str(tmp_path / "deployment-root"),
        "--deployment-group",
        "web",
    )
    # Then the deployment succeeds and the hook ran with CodeDeploy's environment
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert marker.read_text() == "ApplicationStart web\n"


def test_the_environment_holds_only_what_the_agent_needs(installed):
    site_packages = next((installed / "opt/rollwright-agent/lib").glob("python3.*/site-packages"))
    names = {path.name.lower() for path in site_packages.iterdir()}
    assert {"boto3", "yaml", "agent", "rollwright"} <= names
    assert not any(
        name.startswith(("aws_cdk", "moto", "constructs", "aws_lambda_powertools"))
        for name in names
    )
    # and of rollwright, only pure modules the agent imports: none that uses boto3 or the CDK
    shipped = {path.name for path in (site_packages / "rollwright").glob("*.py")}
    assert {"agent_protocol.py", "appspec.py", "lifecycle.py", "host_ids.py"} <= shipped
    assert not {"client.py", "cli.py", "dispatch.py"} & shipped
    for module in (site_packages / "rollwright").glob("*.py"):
        assert "boto3" not in module.read_text(), module.name


def test_an_invalid_config_is_refused_at_install(tmp_path):
    config = tmp_path / "agent.yml"
    config.write_text("api_url: https://example.com/v1\n")
    answer = subprocess.run(
        [
            "bash",
            str(INSTALL),
            "--root",
            str(tmp_path / "root"),
            "--config",
            str(config),
            "--python",
            sys.executable,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=_clean_environment(),
        cwd="/",
    )
    assert answer.returncode != 0
    assert "host_role_arn is required" in answer.stderr


def test_the_agent_pins_agree_with_the_repository(installed):
    def pins(path: Path) -> dict[str, str]:
        lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
        return dict(line.lower().split("==") for line in lines if "==" in line)

    agent_pins = pins(REPOSITORY / "agent/packaging/requirements.txt")
    repository_pins = pins(REPOSITORY / "requirements.txt")
    assert agent_pins == {name: repository_pins[name] for name in agent_pins}
