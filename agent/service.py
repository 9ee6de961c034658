"""``rollwright-agent run``: the agent as a system service, from its config file to a daemon.

Exit statuses: 0 after a warm shutdown, 1 after a cold one or when the host's identity cannot be
established (systemd restarts the agent: IMDS or the network may not be up yet), 2 for a config
file it cannot run with (the unit does not restart on it: the same file would fail again).
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
import threading
from pathlib import Path

from agent.backoff import ErrorBackoff
from agent.bundle import GitHubSettings, RevisionSources
from agent.cli import agent_version
from agent.config import DEFAULT_CONFIG_FILE, AgentConfig, AgentConfigError, read_agent_config
from agent.daemon import AgentDaemon
from agent.executor import Executor
from agent.identity import HostIdentity, resolve_host_identity
from agent.instance_metadata import InstanceMetadataError
from agent.log_shipper import HookLogShipper
from agent.poller import CommandPoller
from agent.reporter import AgentApiReporter
from agent.status import StatusFile
from rollwright.host_ids import InvalidHostIdError

logger = logging.getLogger("agent")

CONFIG_ERROR_STATUS = 2
IDENTITY_ERROR_STATUS = 1
LOG_FILE_NAME = "rollwright-agent.log"
LOG_FILE_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUPS = 5


def build_daemon(config: AgentConfig, identity: HostIdentity) -> AgentDaemon:
    """Wire the daemon's parts for one host, all acting as its tagged host session."""
    stop = threading.Event()
    endpoint = config.aws_endpoint_url
    session = identity.session
    log_shipper = HookLogShipper(
        session.client("logs", endpoint_url=endpoint),
        log_group=config.log_group,
        host_id=identity.host_id,
    )
    github_token = (
        config.github_token_file.read_text().strip() if config.github_token_file else None
    )
    executor = Executor(
        root=config.deployment_root,
        bundle_sources=RevisionSources(
            s3_client=session.client("s3", endpoint_url=endpoint),
            github=GitHubSettings(api_base_url=config.github_api_url, token=github_token or None),
        ),
        hook_output=log_shipper,
        max_revisions=config.max_revisions,
    )
    return AgentDaemon(
        host_id=identity.host_id,
        poller=CommandPoller(
            session.client("sqs", endpoint_url=endpoint),
            queue_name=identity.queue_name(config.host_queue_prefix),
            host_id=identity.host_id,
            wait_seconds=config.poll_wait_seconds,
            visibility_timeout_seconds=config.visibility_timeout_seconds,
        ),
        executor=executor,
        reporter=AgentApiReporter(
            api_url=config.api_url,
            credentials=session.get_credentials(),
            region=identity.region,
            retry_seconds=config.report_retry_seconds,
            backoff=ErrorBackoff(config.error_backoff_cap_seconds, stop),
            user_agent=f"rollwright-agent/{agent_version()}",
        ),
        log_shipper=log_shipper,
        status_file=StatusFile(config.status_file),
        visibility_extension_seconds=config.visibility_extension_seconds,
        heartbeat_interval_seconds=config.heartbeat_interval_seconds,
        log_flush_interval_seconds=config.log_flush_interval_seconds,
        error_backoff_cap_seconds=config.error_backoff_cap_seconds,
        shutdown_grace_seconds=config.shutdown_grace_seconds,
        stop=stop,
    )


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG_FILE,
        help=f"agent config file (default {DEFAULT_CONFIG_FILE})",
    )


def run(arguments: argparse.Namespace) -> int:
    try:
        config = read_agent_config(arguments.config)
    except AgentConfigError as error:
        print(f"rollwright-agent: {error}", file=sys.stderr)
        return CONFIG_ERROR_STATUS
    _configure_logging(config.log_dir)
    try:
        identity = resolve_host_identity(config)
    except AgentConfigError as error:
        logger.error("%s", error)
        return CONFIG_ERROR_STATUS
    except (InstanceMetadataError, InvalidHostIdError, OSError) as error:
        logger.error("cannot establish the host's identity: %s", error)
        return IDENTITY_ERROR_STATUS
    try:
        daemon = build_daemon(config, identity)
    except OSError as error:  # e.g. an unreadable github_token_file
        logger.error("cannot start: %s", error)
        return CONFIG_ERROR_STATUS
    logger.info(
        "rollwright-agent %s started as host %s (queue %s)",
        agent_version(),
        identity.host_id,
        identity.queue_name(config.host_queue_prefix),
    )
    daemon.install_signal_handlers()
    return daemon.run()


def _configure_logging(log_dir: Path) -> None:
    """Log lines to stderr (journald, under systemd) and to a rotated file in ``log_dir``."""
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_dir / LOG_FILE_NAME, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS
            )
        )
    except OSError as error:
        print(f"rollwright-agent: logging to stderr only: {error}", file=sys.stderr)
    for handler in handlers:
        handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    # botocore logs every credential refresh at INFO; the agent's own lines are the useful ones.
    logging.getLogger("botocore").setLevel(logging.WARNING)
