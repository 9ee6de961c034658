"""Where the CLI finds a Rollwright stack, and the AWS clients it talks to it with.

The API URL comes from ``--api-url``, else ``ROLLWRIGHT_API_URL``, else the devstack's state
file. The artifacts bucket and the agent log group come from ``--bucket`` / ``--log-group``, else
the stack's outputs: the devstack's state file holds them, otherwise CloudFormation DescribeStacks
of ``--stack-name`` (default ``Rollwright``) answers. Credentials and region follow the standard AWS
resolution (environment, ``--profile``, ...), or the devstack's operator keys with ``--devstack``
(or ``ROLLWRIGHT_DEVSTACK=<state dir>``).

With the client helper, this is the CLI's one module that builds boto3 clients.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from rollwright.cli_errors import CliError
from rollwright.protocols import WireProtocol

API_URL_ENVIRONMENT = "ROLLWRIGHT_API_URL"
DEVSTACK_ENVIRONMENT = "ROLLWRIGHT_DEVSTACK"
DEFAULT_DEVSTACK_DIR = ".devstack"
DEFAULT_STACK_NAME = "Rollwright"
ARTIFACTS_BUCKET_OUTPUT = "ArtifactsBucketName"
AGENT_LOG_GROUP_OUTPUT = "AgentLogGroupName"

CodeDeployFactory = Callable[..., Any]


def stack_options() -> argparse.ArgumentParser:
    """The options every command shares (a parent parser)."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("stack")
    group.add_argument(
        "--api-url", help=f"the stack output ApiUrl (default: ${API_URL_ENVIRONMENT})"
    )
    group.add_argument("--region", help="AWS region (default: from the URL or the profile)")
    group.add_argument("--profile", help="AWS profile")
    group.add_argument(
        "--protocol",
        choices=[p.value for p in WireProtocol],
        help="pin the wire protocol (default: botocore's choice)",
    )
    group.add_argument(
        "--devstack",
        action="store_true",
        help=f"use the local devstack's endpoint, keys and outputs (${DEVSTACK_ENVIRONMENT}=DIR "
        "does the same)",
    )
    group.add_argument(
        "--devstack-dir",
        help=f"the devstack's state directory (default: ${DEVSTACK_ENVIRONMENT} or "
        f"{DEFAULT_DEVSTACK_DIR})",
    )
    group.add_argument(
        "--stack-name",
        default=DEFAULT_STACK_NAME,
        help="the CloudFormation stack whose outputs name the bucket and log group",
    )
    return options


@dataclass(frozen=True)
class DevstackSettings:
    """What the CLI reads from a devstack's ``state.json``."""

    api_url: str
    aws_endpoint_url: str
    region: str
    access_key_id: str
    secret_access_key: str
    stack_name: str
    stack_outputs: Mapping[str, str]

    @classmethod
    def read(cls, state_dir: Path) -> DevstackSettings:
        path = state_dir / "state.json"
        try:
            state = json.loads(path.read_text())
        except FileNotFoundError:
            raise CliError(f"no devstack state at {path} (start one with `make up`)") from None
        return cls(
            api_url=state["api_url"],
            aws_endpoint_url=state["aws_endpoint_url"],
            region=state["region"],
            access_key_id=state["access_key_id"],
            secret_access_key=state["secret_access_key"],
            stack_name=state.get("stack_name") or DEFAULT_STACK_NAME,
            stack_outputs=dict(state.get("stack_outputs") or {}),
        )


class StackConnection:
    """The API client and the AWS clients for one stack, each built on first use."""

    def __init__(
        self,
        *,
        api_url: str | None,
        session_kwargs: Mapping[str, Any],
        protocol: WireProtocol | None,
        aws_endpoint_url: str | None,
        stack_name: str,
        known_outputs: Mapping[str, str],
        codedeploy_factory: CodeDeployFactory,
    ) -> None:
        self._api_url = api_url
        self._session_kwargs = dict(session_kwargs)
        self._protocol = protocol
        self._aws_endpoint_url = aws_endpoint_url
        self._stack_name = stack_name
        self._outputs = dict(known_outputs)
        self._described = False
        self._codedeploy_factory = codedeploy_factory
        self._clients: dict[str, Any] = {}

    @property
    def codedeploy(self) -> Any:
        if "codedeploy" not in self._clients:
            if not self._api_url:
                raise CliError(
                    f"no API URL: pass --api-url, set {API_URL_ENVIRONMENT} or use --devstack"
                )
            self._clients["codedeploy"] = self._codedeploy_factory(
                self._api_url, protocol=self._protocol, **self._session_kwargs
            )
        return self._clients["codedeploy"]

    def aws_client(self, service: str) -> Any:
        """A stock client for ``service`` in the API's region (or the devstack's endpoint)."""
        if service not in self._clients:
            session = boto3.session.Session(**self._session_kwargs)
            region = session.region_name or self.codedeploy.meta.region_name
            self._clients[service] = session.client(
                service, region_name=region, endpoint_url=self._aws_endpoint_url
            )
        return self._clients[service]

    def output(self, name: str, given: str | None, option: str) -> str:
        """``given`` if set, else the stack output ``name``."""
        if given:
            return given
        if name not in self._outputs and not self._described:
            self._described = True
            self._outputs.update(self._describe_outputs())
        if name not in self._outputs:
            raise CliError(f"stack {self._stack_name} has no output {name}: pass {option}")
        return self._outputs[name]

    def _describe_outputs(self) -> dict[str, str]:
        cloudformation = self.aws_client("cloudformation")
        try:
            stacks = cloudformation.describe_stacks(StackName=self._stack_name)["Stacks"]
        except cloudformation.exceptions.ClientError as error:
            message = error.response.get("Error", {}).get("Message", str(error))
            raise CliError(
                f"cannot read the outputs of stack {self._stack_name}: {message}"
            ) from None
        return {
            output["OutputKey"]: output["OutputValue"]
            for stack in stacks
            for output in stack.get("Outputs", [])
        }


def connect(args: argparse.Namespace, *, codedeploy_factory: CodeDeployFactory) -> StackConnection:
    """The stack the parsed shared options point at."""
    devstack = _devstack(args)
    session_kwargs: dict[str, Any] = {}
    if args.profile:
        session_kwargs["profile_name"] = args.profile
    if devstack is not None:
        session_kwargs.update(
            region_name=devstack.region,
            aws_access_key_id=devstack.access_key_id,
            aws_secret_access_key=devstack.secret_access_key,
        )
    if args.region:
        session_kwargs["region_name"] = args.region
    given_stack = args.stack_name != DEFAULT_STACK_NAME
    return StackConnection(
        api_url=args.api_url
        or os.environ.get(API_URL_ENVIRONMENT)
        or (devstack.api_url if devstack else None),
        session_kwargs=session_kwargs,
        protocol=WireProtocol(args.protocol) if args.protocol else None,
        aws_endpoint_url=devstack.aws_endpoint_url if devstack else None,
        stack_name=args.stack_name if given_stack or devstack is None else devstack.stack_name,
        known_outputs=devstack.stack_outputs if devstack and not given_stack else {},
        codedeploy_factory=codedeploy_factory,
    )


def _devstack(args: argparse.Namespace) -> DevstackSettings | None:
    from_environment = os.environ.get(DEVSTACK_ENVIRONMENT)
    if not (args.devstack or args.devstack_dir or from_environment):
        return None
    return DevstackSettings.read(
        Path(args.devstack_dir or from_environment or DEFAULT_DEVSTACK_DIR)
    )
