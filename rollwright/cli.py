"""``rollwright``: the CodeDeploy API of a Rollwright stack from the command line.

    rollwright applications list   --api-url URL
    rollwright applications create --api-url URL --name NAME [--compute-platform Server]
    rollwright applications get    --api-url URL --name NAME
    rollwright applications rename --api-url URL --name NAME --new-name NEW
    rollwright applications delete --api-url URL --name NAME
    rollwright deploy | status | stop | logs | rollback ...   (``cli_deployments``)

The stack is found as ``cli_stack`` says: ``--api-url`` or ``ROLLWRIGHT_API_URL``, or
``--devstack``. Application results are printed as JSON; a CodeDeploy (or other AWS) error is
printed as ``<Exception>: <message>`` on stderr with exit status 1, and so is bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console

from rollwright.cli_deployments import add_deployment_commands
from rollwright.cli_errors import CliError
from rollwright.cli_stack import connect, stack_options
from rollwright.client import codedeploy_client

Command = Callable[[Any, argparse.Namespace], Any]


def _list(client: Any, _: argparse.Namespace) -> Any:
    names: list[str] = []
    for page in client.get_paginator("list_applications").paginate():
        names.extend(page.get("applications", []))
    return {"applications": names}


def _create(client: Any, args: argparse.Namespace) -> Any:
    response = client.create_application(
        applicationName=args.name, computePlatform=args.compute_platform
    )
    return {"applicationId": response["applicationId"]}


def _get(client: Any, args: argparse.Namespace) -> Any:
    return client.get_application(applicationName=args.name)["application"]


def _rename(client: Any, args: argparse.Namespace) -> Any:
    client.update_application(applicationName=args.name, newApplicationName=args.new_name)
    return {"applicationName": args.new_name}


def _delete(client: Any, args: argparse.Namespace) -> Any:
    client.delete_application(applicationName=args.name)
    return {"deleted": args.name}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollwright", description="The CodeDeploy API of a Rollwright stack."
    )
    resources = parser.add_subparsers(dest="resource", required=True)
    shared = stack_options()
    applications = resources.add_parser("applications", help="CodeDeploy applications")
    actions = applications.add_subparsers(dest="action", required=True)

    def action(name: str, command: Command, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, parents=[shared], help=help_text)
        sub.set_defaults(command=command)
        return sub

    action("list", _list, "list application names")
    create = action("create", _create, "create an application")
    create.add_argument("--name", required=True)
    create.add_argument("--compute-platform", default="Server", choices=["Server", "Lambda", "ECS"])
    action("get", _get, "show an application").add_argument("--name", required=True)
    rename = action("rename", _rename, "rename an application")
    rename.add_argument("--name", required=True)
    rename.add_argument("--new-name", required=True)
    action("delete", _delete, "delete an application").add_argument("--name", required=True)
    add_deployment_commands(resources, shared)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        # Looked up here, not bound at import, so that tests can put the API in process.
        stack = connect(args, codedeploy_factory=codedeploy_client)
        if args.resource != "applications":
            return int(args.run(stack, args, Console()))
        result = args.command(stack.codedeploy, args)
    except ClientError as error:
        details = error.response.get("Error", {})
        print(f"{details.get('Code')}: {details.get('Message')}", file=sys.stderr)
        return 1
    except (CliError, BotoCoreError) as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
