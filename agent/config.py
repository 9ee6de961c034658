"""The agent's two configuration files: the agent config and the on-premises identity file.

Both are YAML, read safely (``yaml.safe_load``, at most ``CONFIG_SIZE_LIMIT_BYTES``) into frozen
values. An unknown key or a bad value is an ``AgentConfigError`` naming the file, the key and what
was expected, so a typo never silently falls back to a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from rollwright.host_ids import InvalidHostIdError, host_id_for_instance_name

CONFIG_SIZE_LIMIT_BYTES = 64 * 1024
DEFAULT_CONFIG_FILE = Path("/etc/rollwright-agent/agent.yml")


class AgentConfigError(ValueError):
    """A configuration file the agent cannot run with."""


@dataclass(frozen=True)
class AgentConfig:
    """The agent config file (default ``/etc/rollwright-agent/agent.yml``).

    Required:
      ``api_url``         the stack's ``ApiUrl`` output (``https://…/v1``), for event reports and
                          heartbeats (``<api_url>/agent/v1/…``)
      ``host_role_arn``   the stack's host role; the agent assumes it tagged with its host id
      ``log_group``       the stack's ``AgentLogGroupName`` output, for hook output

    Optional (default):
      ``region``                       (the on-premises identity file's, else the instance's)
      ``on_premises_identity_file``    (none: the host is an EC2 instance, identified by IMDS)
      ``aws_endpoint_url``             (none: AWS's own endpoints; set for a devstack)
      ``imds_url``                     (``http://169.254.169.254``)
      ``deployment_root``              (``/opt/rollwright-agent/deployment-root``)
      ``log_dir``                      (``/var/log/rollwright-agent``) the agent's own log file
      ``status_file``                  (``/run/rollwright-agent/status.json``) read by ``status``
      ``max_revisions``                (5) deployment archives kept per deployment group
      ``host_queue_prefix``            (``rollwright-host-``) the host queue is prefix + host id
      ``poll_wait_seconds``            (20) SQS long-poll wait, 1 to 20
      ``visibility_timeout_seconds``   (300) how long a received command stays hidden per extension
      ``visibility_extension_seconds`` (120) how often a running command's visibility is extended
      ``heartbeat_interval_seconds``   (30) how often a running command sends a heartbeat
      ``log_flush_interval_seconds``   (5) how often buffered hook output is sent
      ``error_backoff_cap_seconds``    (90) longest wait after errors; waits grow 1.2675^n seconds
      ``report_retry_seconds``         (600) how long an event report is retried
      ``github_api_url``               (``https://api.github.com``)
      ``github_token_file``            (none: anonymous GitHub downloads)
      ``shutdown_grace_seconds``       (3600) how long a warm shutdown waits for the running event
    """

    api_url: str
    host_role_arn: str
    log_group: str
    region: str | None = None
    on_premises_identity_file: Path | None = None
    aws_endpoint_url: str | None = None
    imds_url: str = "http://169.254.169.254"
    deployment_root: Path = Path("/opt/rollwright-agent/deployment-root")
    log_dir: Path = Path("/var/log/rollwright-agent")
    status_file: Path = Path("/run/rollwright-agent/status.json")
    max_revisions: int = 5
    host_queue_prefix: str = "rollwright-host-"
    poll_wait_seconds: int = 20
    visibility_timeout_seconds: int = 300
    visibility_extension_seconds: int = 120
    heartbeat_interval_seconds: int = 30
    log_flush_interval_seconds: float = 5.0
    error_backoff_cap_seconds: float = 90.0
    report_retry_seconds: float = 600.0
    github_api_url: str = "https://api.github.com"
    github_token_file: Path | None = None
    shutdown_grace_seconds: float = 3600.0


@dataclass(frozen=True)
class StaticKeys:
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class OnPremisesIdentity:
    """The on-premises identity file (``on_premises_identity_file`` in the agent config).

    ``region`` and ``instance_name`` (the registered name; the host id is derived from it by
    ``rollwright.host_ids.host_id_for_instance_name``) are required, and ``credentials`` says
    where the server's own IAM identity comes from, the one tagged ``rollwright:host``:

      ``role_arn``                  assume this role first (the registered principal); its source
                                    credentials are the profile or keys below, else the default
                                    chain (e.g. IAM Roles Anywhere's credential helper)
      ``profile``                   a profile of the shared AWS config/credentials files,
      ``credentials_file``          optionally with its own credentials file
      ``access_key_id``, ``secret_access_key``  static keys of an IAM user

    A profile and static keys together are refused: which one is meant would be a guess.
    """

    region: str
    instance_name: str
    host_id: str
    role_arn: str | None = None
    profile: str | None = None
    credentials_file: Path | None = None
    static_keys: StaticKeys | None = None


def read_agent_config(path: Path = DEFAULT_CONFIG_FILE) -> AgentConfig:
    keys = _Keys(_load_yaml_mapping(path), path)
    config = AgentConfig(
        api_url=keys.url("api_url"),
        host_role_arn=keys.arn("host_role_arn"),
        log_group=keys.string("log_group"),
        region=keys.optional_string("region"),
        on_premises_identity_file=keys.optional_path("on_premises_identity_file"),
        aws_endpoint_url=keys.optional_url("aws_endpoint_url"),
        imds_url=keys.url("imds_url", AgentConfig.imds_url),
        deployment_root=keys.path("deployment_root", AgentConfig.deployment_root),
        log_dir=keys.path("log_dir", AgentConfig.log_dir),
        status_file=keys.path("status_file", AgentConfig.status_file),
        max_revisions=keys.integer("max_revisions", AgentConfig.max_revisions, 1, 100),
        host_queue_prefix=keys.string("host_queue_prefix", AgentConfig.host_queue_prefix),
        poll_wait_seconds=keys.integer("poll_wait_seconds", AgentConfig.poll_wait_seconds, 1, 20),
        visibility_timeout_seconds=keys.integer(
            "visibility_timeout_seconds", AgentConfig.visibility_timeout_seconds, 30, 43_200
        ),
        visibility_extension_seconds=keys.integer(
            "visibility_extension_seconds", AgentConfig.visibility_extension_seconds, 1, 43_200
        ),
        heartbeat_interval_seconds=keys.integer(
            "heartbeat_interval_seconds", AgentConfig.heartbeat_interval_seconds, 1, 3600
        ),
        log_flush_interval_seconds=keys.number(
            "log_flush_interval_seconds", AgentConfig.log_flush_interval_seconds, 0.1, 3600
        ),
        error_backoff_cap_seconds=keys.number(
            "error_backoff_cap_seconds", AgentConfig.error_backoff_cap_seconds, 1, 3600
        ),
        report_retry_seconds=keys.number(
            "report_retry_seconds", AgentConfig.report_retry_seconds, 0, 86_400
        ),
        github_api_url=keys.url("github_api_url", AgentConfig.github_api_url),
        github_token_file=keys.optional_path("github_token_file"),
        shutdown_grace_seconds=keys.number(
            "shutdown_grace_seconds", AgentConfig.shutdown_grace_seconds, 0, 86_400
        ),
    )
    keys.refuse_unknown()
    if config.visibility_extension_seconds >= config.visibility_timeout_seconds:
        # An extension that comes after the message became visible again is too late: SQS would
        # already have handed the command to the next receive.
        raise AgentConfigError(
            f"{path}: visibility_extension_seconds ({config.visibility_extension_seconds}) must "
            f"be less than visibility_timeout_seconds ({config.visibility_timeout_seconds})"
        )
    return config


def read_on_premises_identity(path: Path) -> OnPremisesIdentity:
    keys = _Keys(_load_yaml_mapping(path), path)
    region = keys.string("region")
    instance_name = keys.string("instance_name")
    credentials = _Keys(keys.mapping("credentials"), path, within="credentials")
    keys.refuse_unknown()
    role_arn = credentials.optional_arn("role_arn")
    profile = credentials.optional_string("profile")
    credentials_file = credentials.optional_path("credentials_file")
    access_key_id = credentials.optional_string("access_key_id")
    secret_access_key = credentials.optional_string("secret_access_key")
    credentials.refuse_unknown()
    if (access_key_id is None) != (secret_access_key is None):
        raise AgentConfigError(
            f"{path}: credentials access_key_id and secret_access_key go together"
        )
    static_keys = (
        StaticKeys(access_key_id, secret_access_key)
        if access_key_id is not None and secret_access_key is not None
        else None
    )
    if profile is not None and static_keys is not None:
        raise AgentConfigError(f"{path}: credentials take a profile or static keys, not both")
    if credentials_file is not None and profile is None:
        raise AgentConfigError(f"{path}: credentials credentials_file needs a profile")
    if role_arn is None and profile is None and static_keys is None:
        raise AgentConfigError(
            f"{path}: credentials need role_arn, profile, or access_key_id and secret_access_key"
        )
    try:
        host_id = host_id_for_instance_name(instance_name)
    except InvalidHostIdError as error:
        raise AgentConfigError(f"{path}: instance_name: {error}") from None
    return OnPremisesIdentity(
        region=region,
        instance_name=instance_name,
        host_id=host_id,
        role_arn=role_arn,
        profile=profile,
        credentials_file=credentials_file,
        static_keys=static_keys,
    )


def _load_yaml_mapping(path: Path) -> Mapping[str, Any]:
    try:
        with path.open("rb") as source:
            content = source.read(CONFIG_SIZE_LIMIT_BYTES + 1)
    except OSError as error:
        raise AgentConfigError(f"{path}: cannot be read: {error.strerror}") from None
    if len(content) > CONFIG_SIZE_LIMIT_BYTES:
        raise AgentConfigError(f"{path}: larger than {CONFIG_SIZE_LIMIT_BYTES} bytes")
    try:
        document = yaml.safe_load(content)
    except yaml.YAMLError as error:
        raise AgentConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise AgentConfigError(f"{path}: must be a mapping of keys to values")
    return document


_MISSING = object()


class _Keys:
    """Typed access to a config mapping; remembers which keys were read to refuse the rest."""

    def __init__(self, document: Mapping[str, Any], path: Path, within: str = "") -> None:
        self._document = document
        self._where = f"{path}: {within} " if within else f"{path}: "
        self._read: set[str] = set()

    def _value(self, name: str, default: object) -> object:
        self._read.add(name)
        value = self._document.get(name, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise AgentConfigError(f"{self._where}{name} is required")
            return default
        return value

    def _fail(self, name: str, expected: str, value: object) -> AgentConfigError:
        return AgentConfigError(f"{self._where}{name} must be {expected}, not {value!r}")

    def string(self, name: str, default: object = _MISSING) -> str:
        value = self._value(name, default)
        if not isinstance(value, str) or not value.strip():
            raise self._fail(name, "a non-empty string", value)
        return value

    def optional_string(self, name: str) -> str | None:
        value = self._value(name, None)
        return None if value is None else self.string(name)

    def url(self, name: str, default: object = _MISSING) -> str:
        value = self.string(name, default)
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise self._fail(name, "an http(s) URL", value)
        return value.rstrip("/")

    def optional_url(self, name: str) -> str | None:
        return None if self._value(name, None) is None else self.url(name)

    def arn(self, name: str) -> str:
        value = self.string(name)
        if not value.startswith("arn:") or value.count(":") < 5:
            raise self._fail(name, "an ARN", value)
        return value

    def optional_arn(self, name: str) -> str | None:
        return None if self._value(name, None) is None else self.arn(name)

    def path(self, name: str, default: Path) -> Path:
        value = self._value(name, default)
        if isinstance(value, Path):
            return value
        if not isinstance(value, str) or not value.startswith("/"):
            raise self._fail(name, "an absolute path", value)
        return Path(value)

    def optional_path(self, name: str) -> Path | None:
        if self._value(name, None) is None:
            return None
        return self.path(name, Path("/"))

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self._value(name, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (minimum <= value <= maximum)
        ):
            raise self._fail(name, f"an integer from {minimum} to {maximum}", value)
        return value

    def number(self, name: str, default: float, minimum: float, maximum: float) -> float:
        value = self._value(name, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (minimum <= value <= maximum)
        ):
            raise self._fail(name, f"a number from {minimum:g} to {maximum:g}", value)
        return float(value)

    def mapping(self, name: str) -> Mapping[str, Any]:
        value = self._value(name, _MISSING)
        if not isinstance(value, dict):
            raise self._fail(name, "a mapping", value)
        return value

    def refuse_unknown(self) -> None:
        unknown = sorted(str(key) for key in self._document if key not in self._read)
        if unknown:
            known = ", ".join(sorted(self._read))
            raise AgentConfigError(
                f"{self._where}unknown key(s) {', '.join(unknown)} (known: {known})"
            )
