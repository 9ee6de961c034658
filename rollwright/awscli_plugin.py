"""An AWS CLI (v1) plugin: ``aws deploy …`` signs its requests for a Rollwright API.

Enable it in the AWS config file (``~/.aws/config`` or ``AWS_CONFIG_FILE``)::

    [plugins]
    rollwright = rollwright.awscli_plugin

with this repository importable by the CLI's Python (``PYTHONPATH=/path/to/rollwright``: AWS CLI
v1 imports each plugin module by name; the ``cli_legacy_plugin_path`` setting is AWS CLI v2's),
then call ``aws deploy <command> --endpoint-url <ApiUrl>``. Every ``codedeploy`` request is then
signed for ``execute-api``, exactly as ``rollwright.client.codedeploy_client`` does; nothing else
about the CLI changes.
"""

from __future__ import annotations

from typing import Any

from rollwright.execute_api_signing import SIGNING_EVENT, sign_for_execute_api


def awscli_initialize(cli: Any) -> None:
    """The CLI's plugin entry point; ``cli`` is its session's event emitter."""
    cli.register(SIGNING_EVENT, sign_for_execute_api)
