"""``rollwright``: the CodeDeploy API of a Rollwright stack from the command line.

    rollwright applications list   --api-url URL
    rollwright applications create --api-url URL --name NAME [--compute-platform Server]
    rollwright applications get    --api-url URL --name NAME
    rollwright applications rename --api-url URL --name NAME --new-name NEW
    rollwright applications delete --api-url URL --name NAME

Results are printed as JSON; a CodeDeploy error is printed as ``<Exception>: <message>`` on stderr
with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rollwright.client import codedeploy_client
from rollwright.protocols import WireProtocol

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
    applications = resources.add_parser("applications", help="CodeDeploy applications")
    actions = applications.add_subparsers(dest="action", required=True)

    def action(name: str, command: Command, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text)
        sub.add_argument("--api-url", required=True, help="the stack output ApiUrl")
        sub.add_argument("--region", help="AWS region (default: from the URL or the profile)")
        sub.add_argument("--profile", help="AWS profile")
        sub.add_argument(
            "--protocol",
            choices=[p.value for p in WireProtocol],
            help="pin the wire protocol (default: botocore's choice)",
        )
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    client = codedeploy_client(
        args.api_url,
        protocol=WireProtocol(args.protocol) if args.protocol else None,
        region_name=args.region,
        profile_name=args.profile,
    )
    try:
        result = args.command(client, args)
    except client.exceptions.ClientError as error:
        details = error.response.get("Error", {})
        print(f"{details.get('Code')}: {details.get('Message')}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
