"""`python -m devstack up|down|status|demo` (what `make up`, `make down`, … run)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from devstack import demo, demo_hosts, launcher
from devstack.cdk_assembly import AssemblyNotFoundError
from devstack.settings import DEFAULT_PORT, GatewaySettings, point_moto_at_gateway

DEFAULT_STATE_DIR = Path(".devstack")


def up(arguments: argparse.Namespace) -> int:
    try:
        template_dir = None if arguments.no_template else arguments.template_dir
        state = launcher.start(arguments.state_dir, arguments.port, template_dir)
    except (AssemblyNotFoundError, launcher.DevstackError) as error:
        print(f"devstack: {error}", file=sys.stderr)
        return 1
    print(f"devstack up (pid {state.pid})")
    print(f"  AWS endpoint: {state.aws_endpoint_url}")
    print(f"  API URL:      {state.api_url}")
    print(f"  state:        {arguments.state_dir / 'state.json'}")
    return 0


def down(arguments: argparse.Namespace) -> int:
    # The demo stops its hosts itself; these are the ones an interrupted demo left running.
    if demo_hosts.stop_hosts(arguments.state_dir / demo.HOSTS_DIR_NAME):
        print("stopped the demo's agents and web servers")
    stopped = launcher.stop(arguments.state_dir)
    print("devstack stopped" if stopped else "devstack was not running")
    return 0


def status(arguments: argparse.Namespace) -> int:
    state = launcher.status(arguments.state_dir)
    if state is None:
        print("devstack is down")
        return 1
    print(json.dumps({"status": "up", **state.to_json()}, indent=2))
    return 0


def run_demo(arguments: argparse.Namespace) -> int:
    state = launcher.status(arguments.state_dir)
    if state is None:
        print("devstack is down: run `make up` first", file=sys.stderr)
        return 1
    return demo.run(state)


def serve(arguments: argparse.Namespace) -> int:
    """The gateway process itself (what `up` starts in the background)."""
    point_moto_at_gateway(arguments.port)
    from devstack import gateway  # noqa: PLC0415 - moto must be imported after MOTO_PORT is set

    gateway.serve(GatewaySettings(port=arguments.port, state_dir=arguments.state_dir.resolve()))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "up": up,
    "down": down,
    "status": status,
    "demo": run_demo,
    "serve": serve,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the devstack and deploy cdk.out")
    start.add_argument("--port", type=int, default=DEFAULT_PORT)
    start.add_argument("--template-dir", type=Path, default=Path("cdk.out"))
    start.add_argument("--no-template", action="store_true", help="start without a stack")
    commands.add_parser("down", help="stop the devstack and every process it started")
    commands.add_parser("status", help="report whether the devstack is healthy")
    commands.add_parser("demo", help="run the demonstration scenario on the devstack")
    gateway = commands.add_parser("serve", help="run the gateway in the foreground")
    gateway.add_argument("--port", type=int, default=DEFAULT_PORT)
    arguments = parser.parse_args(argv)
    return COMMANDS[arguments.command](arguments)


if __name__ == "__main__":
    sys.exit(main())
