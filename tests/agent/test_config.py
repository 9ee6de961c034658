"""The agent config file and the on-premises identity file."""

from pathlib import Path

import pytest

from agent.config import (
    CONFIG_SIZE_LIMIT_BYTES,
    AgentConfig,
    AgentConfigError,
    read_agent_config,
    read_on_premises_identity,
)

REQUIRED = (
    "api_url: https://abc.execute-api.us-east-1.amazonaws.com/v1/\n"
    "host_role_arn: arn:aws:iam::123456789012:role/RollwrightHostRole\n"
    "log_group: rollwright-agent-logs\n"
)


def _file(tmp_path: Path, text: str, name: str = "agent.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_config_with_only_the_required_keys_takes_every_default(tmp_path):
    # Given a config naming only the API, the host role and the log group
    path = _file(tmp_path, REQUIRED)
    # When it is read
    config = read_agent_config(path)
    # Then the API URL loses its trailing slash and everything else is the documented default
    assert config == AgentConfig(
        api_url="https://abc.execute-api.us-east-1.amazonaws.com/v1",
        host_role_arn="arn:aws:iam::123456789012:role/RollwrightHostRole",
        log_group="rollwright-agent-logs",
    )
    assert config.deployment_root == Path("/opt/rollwright-agent/deployment-root")
    assert (config.max_revisions, config.poll_wait_seconds) == (5, 20)
    assert config.host_queue_prefix == "rollwright-host-"
    assert config.error_backoff_cap_seconds == 90.0


def test_every_optional_key_can_be_set(tmp_path):
    path = _file(
        tmp_path,
        REQUIRED + "region: eu-west-1\n"
        "on_premises_identity_file: /etc/rollwright-agent/on-premises.yml\n"
        "aws_endpoint_url: http://127.0.0.1:4566\n"
        "deployment_root: /srv/deployments\n"
        "max_revisions: 2\n"
        "poll_wait_seconds: 1\n"
        "visibility_timeout_seconds: 60\n"
        "visibility_extension_seconds: 30\n"
        "heartbeat_interval_seconds: 15\n"
        "github_token_file: /etc/rollwright-agent/github-token\n"
        "shutdown_grace_seconds: 30\n",
    )
    config = read_agent_config(path)
    assert config.region == "eu-west-1"
    assert config.on_premises_identity_file == Path("/etc/rollwright-agent/on-premises.yml")
    assert config.aws_endpoint_url == "http://127.0.0.1:4566"
    assert config.deployment_root == Path("/srv/deployments")
    assert (config.max_revisions, config.poll_wait_seconds) == (2, 1)
    assert (config.visibility_timeout_seconds, config.visibility_extension_seconds) == (60, 30)
    assert config.github_token_file == Path("/etc/rollwright-agent/github-token")
    assert config.shutdown_grace_seconds == 30.0


def test_an_unknown_key_is_refused_naming_it(tmp_path):
    path = _file(tmp_path, REQUIRED + "max_revison: 3\n")
    with pytest.raises(AgentConfigError, match=r"unknown key.*max_revison"):
        read_agent_config(path)


def test_a_missing_required_key_is_named(tmp_path):
    path = _file(tmp_path, "api_url: https://example.com/v1\nlog_group: g\n")
    with pytest.raises(AgentConfigError, match="host_role_arn is required"):
        read_agent_config(path)


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("poll_wait_seconds: 21", "poll_wait_seconds must be an integer from 1 to 20"),
        ("poll_wait_seconds: true", "poll_wait_seconds must be an integer"),
        ("max_revisions: five", "max_revisions must be an integer"),
        ("deployment_root: relative/path", "deployment_root must be an absolute path"),
        ("aws_endpoint_url: file:///etc/passwd", "aws_endpoint_url must be an http"),
        ("error_backoff_cap_seconds: -1", "error_backoff_cap_seconds must be a number"),
        ("visibility_extension_seconds: 300", "must be less than visibility_timeout_seconds"),
    ],
)
def test_a_bad_value_is_refused_naming_the_key(tmp_path, line, complaint):
    path = _file(tmp_path, REQUIRED + line + "\n")
    with pytest.raises(AgentConfigError, match=complaint):
        read_agent_config(path)


def test_a_bad_api_url_is_refused(tmp_path):
    path = _file(tmp_path, REQUIRED.replace("https://abc", "ftp://abc"))
    with pytest.raises(AgentConfigError, match="api_url must be an http"):
        read_agent_config(path)


def test_yaml_that_is_not_a_mapping_is_refused(tmp_path):
    with pytest.raises(AgentConfigError, match="must be a mapping"):
        read_agent_config(_file(tmp_path, "- a\n- list\n"))


def test_yaml_tags_that_build_objects_are_refused(tmp_path):
    path = _file(tmp_path, REQUIRED + "region: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(AgentConfigError, match="not valid YAML"):
        read_agent_config(path)


def test_an_oversized_config_is_refused_before_parsing(tmp_path):
    path = _file(tmp_path, REQUIRED + "#" * CONFIG_SIZE_LIMIT_BYTES + "\n")
    with pytest.raises(AgentConfigError, match="larger than"):
        read_agent_config(path)


def test_a_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(AgentConfigError, match="cannot be read"):
        read_agent_config(tmp_path / "absent.yml")


# --- on-premises identity -------------------------------------------------------------------


def test_an_on_premises_identity_with_static_keys(tmp_path):
    path = _file(
        tmp_path,
        "region: us-west-2\ninstance_name: web.01@dc1\n"
        "credentials:\n  access_key_id: AKIAEXAMPLE\n  secret_access_key: s3cr3t\n",
        "on-premises.yml",
    )
    identity = read_on_premises_identity(path)
    assert identity.region == "us-west-2"
    assert identity.instance_name == "web.01@dc1"
    # The host id maps every character outside [A-Za-z0-9_-] to "-"
    assert identity.host_id == "web-01-dc1"
    assert identity.static_keys is not None
    assert identity.static_keys.access_key_id == "AKIAEXAMPLE"
    # and the secret never shows in a repr (logs)
    assert "s3cr3t" not in repr(identity)


def test_an_on_premises_identity_with_a_role_and_a_profile(tmp_path):
    path = _file(
        tmp_path,
        "region: us-west-2\ninstance_name: db-2\ncredentials:\n"
        "  role_arn: arn:aws:iam::123456789012:role/onprem-db-2\n"
        "  profile: datacenter\n  credentials_file: /etc/rollwright-agent/credentials\n",
        "on-premises.yml",
    )
    identity = read_on_premises_identity(path)
    assert identity.role_arn == "arn:aws:iam::123456789012:role/onprem-db-2"
    assert identity.profile == "datacenter"
    assert identity.credentials_file == Path("/etc/rollwright-agent/credentials")
    assert identity.static_keys is None


@pytest.mark.parametrize(
    ("credentials", "complaint"),
    [
        ("  profile: p\n  access_key_id: A\n  secret_access_key: S\n", "not both"),
        ("  access_key_id: A\n", "go together"),
        ("  credentials_file: /etc/creds\n", "needs a profile"),
        ("  {}\n", "credentials need role_arn"),
        ("  role_arn: not-an-arn\n", "role_arn must be an ARN"),
        ("  profile: p\n  password: x\n", "unknown key.*password"),
    ],
)
def test_ambiguous_or_incomplete_on_premises_credentials_are_refused(
    tmp_path, credentials, complaint
):
    path = _file(
        tmp_path, "region: r\ninstance_name: n\ncredentials:\n" + credentials, "on-premises.yml"
    )
    with pytest.raises(AgentConfigError, match=complaint):
        read_on_premises_identity(path)


def test_an_instance_name_too_long_for_a_host_id_is_refused(tmp_path):
    path = _file(
        tmp_path,
        f"region: r\ninstance_name: {'x' * 65}\ncredentials:\n  profile: p\n",
        "on-premises.yml",
    )
    with pytest.raises(AgentConfigError, match="longer than 64"):
        read_on_premises_identity(path)
