"""``rollwright-agent``: the host agent's command line.

    rollwright-agent local --bundle DIR|FILE [--events ...] [--deployment-group NAME] [--root DIR]
    rollwright-agent run [--config FILE]
    rollwright-agent status [--config FILE] [--status-file FILE]
    rollwright-agent version

Each subcommand lives in the module of its role; that module exposes
``configure(parser: argparse.ArgumentParser) -> None`` and ``run(arguments: argparse.Namespace)
-> int`` (the exit status). Adding a subcommand is one line in ``SUBCOMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

DISTRIBUTION = "rollwright"


class SubcommandModule(Protocol):
    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, arguments: argparse.Namespace) -> int: ...


@dataclass(frozen=True)
class Subcommand:
    summary: str
    module: str  # imported only when the parser is built, so `version` stays cheap to load


SUBCOMMANDS: dict[str, Subcommand] = {
    "local": Subcommand(
        "run a bundle on this host with no AWS, like codedeploy-local", "agent.local"
    ),
    "run": Subcommand("run the agent daemon (the systemd service)", "agent.service"),
    "status": Subcommand("say what the running agent is doing", "agent.status"),
    "version": Subcommand("print the agent's version", "agent.cli"),
}


def configure(parser: argparse.ArgumentParser) -> None:
    """The ``version`` subcommand takes no arguments."""


def run(arguments: argparse.Namespace) -> int:
    print(f"rollwright-agent {agent_version()}")
    return 0


def agent_version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        # Running from a source checkout (tests, `python -m agent`): the project file is the truth.
        project = Path(__file__).resolve().parent.parent / "pyproject.toml"
        with project.open("rb") as source:
            return str(tomllib.load(source)["project"]["version"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollwright-agent", description="The Rollwright host agent (CodeDeploy compatible)."
    )
    subparsers = parser.add_subparsers(dest="subcommand", required=True)
    for name, subcommand in SUBCOMMANDS.items():
        module = cast(SubcommandModule, importlib.import_module(subcommand.module))
        subparser = subparsers.add_parser(
            name, help=subcommand.summary, description=subcommand.summary
        )
        module.configure(subparser)
        subparser.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    return int(arguments.handler(arguments))


if __name__ == "__main__":
    sys.exit(main())
