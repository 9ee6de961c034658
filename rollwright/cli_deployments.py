"""``rollwright deploy | status | stop | logs``: deployments from the command line.

    rollwright deploy --application A --deployment-group G (--bundle DIR | --s3 s3://b/k) [--wait]
    rollwright status ID [--wait]
    rollwright stop ID [--rollback]
    rollwright logs ID [--host H] [--event E] [--follow]
    rollwright rollback --deployment-group G [--application A] [--wait]

``--wait`` follows the deployment (``deployment_watch``) and exits 0 when it succeeds, 1 when it
fails or is stopped, 130 when interrupted. Each command returns its exit status.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from rollwright.appspec import InvalidAppSpecError
from rollwright.bundle_upload import (
    ARCHIVE_BUNDLE_TYPES,
    DEFAULT_KEY_PREFIX,
    parse_s3_url,
    revision_location,
    upload_bundle,
)
from rollwright.cli_errors import CliError
from rollwright.cli_stack import AGENT_LOG_GROUP_OUTPUT, ARTIFACTS_BUCKET_OUTPUT, StackConnection
from rollwright.deployment_watch import EXIT_INTERRUPTED, fetch_snapshot, watch
from rollwright.hook_logs import HookLogReader, deployment_streams, format_line, of_event
from rollwright.lambda_appspec import parse_lambda_appspec
from rollwright.progress_view import ENDED_STATUSES, DeploymentSnapshot, render
from rollwright.revision_locations import BundleType

DeploymentCommand = Callable[[StackConnection, argparse.Namespace, Console], int]
FOLLOW_INTERVAL_SECONDS = 2.0
FILE_EXISTS_BEHAVIORS = ("DISALLOW", "OVERWRITE", "RETAIN")
ACTIVE_STATUSES = ("Created", "Queued", "InProgress", "Baking", "Ready")


def add_deployment_commands(commands: Any, stack_options: argparse.ArgumentParser) -> None:
    """Adds the deployment commands to the top-level subparsers."""
    deploy = commands.add_parser(
        "deploy", parents=[stack_options], help="create a deployment (and follow it)"
    )
    deploy.add_argument("--application", required=True, help="the application name")
    deploy.add_argument("--deployment-group", required=True, help="the deployment group name")
    source = deploy.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--bundle",
        type=Path,
        metavar="DIR",
        help="a directory with appspec.yml at its root: zipped, uploaded and registered",
    )
    source.add_argument("--s3", metavar="s3://BUCKET/KEY", help="a revision already in S3")
    deploy.add_argument(
        "--bundle-type",
        choices=[kind.value for kind in ARCHIVE_BUNDLE_TYPES],
        help="of the --s3 object (default: from its extension)",
    )
    deploy.add_argument(
        "--bucket", help="where --bundle is uploaded (default: the stack's artifacts bucket)"
    )
    deploy.add_argument(
        "--key-prefix", default=DEFAULT_KEY_PREFIX, help="of the uploaded bundle's key"
    )
    deploy.add_argument("--deployment-config-name")
    deploy.add_argument("--description")
    deploy.add_argument("--ignore-application-stop-failures", action="store_true")
    deploy.add_argument("--file-exists-behavior", choices=FILE_EXISTS_BEHAVIORS)
    deploy.add_argument("--wait", action="store_true", help="follow it until it ends")
    deploy.set_defaults(run=deploy_command)

    status = commands.add_parser(
        "status", parents=[stack_options], help="show a deployment per host and lifecycle event"
    )
    status.add_argument("deployment_id", metavar="ID")
    status.add_argument("--wait", action="store_true", help="follow it until it ends")
    status.set_defaults(run=status_command)

    stop = commands.add_parser("stop", parents=[stack_options], help="stop a deployment")
    stop.add_argument("deployment_id", metavar="ID")
    stop.add_argument(
        "--rollback", action="store_true", help="roll back to the last successful revision"
    )
    stop.set_defaults(run=stop_command)

    logs = commands.add_parser(
        "logs", parents=[stack_options], help="hook output of a deployment (CloudWatch Logs)"
    )
    logs.add_argument("deployment_id", metavar="ID")
    logs.add_argument("--host", help="only this instance (instance id or on-premises name)")
    logs.add_argument("--event", help="only this lifecycle event, e.g. ValidateService")
    logs.add_argument("--log-group", help="default: the stack's agent log group")
    logs.add_argument(
        "--follow", action="store_true", help="keep printing until the deployment ends"
    )
    logs.set_defaults(run=logs_command)

    rollback = commands.add_parser(
        "rollback",
        parents=[stack_options],
        help="deploy the group's last good revision again (a manual rollback)",
    )
    rollback.add_argument(
        "--application",
        help="the application name; default: the one application with that deployment group",
    )
    rollback.add_argument("--deployment-group", required=True, help="the deployment group name")
    rollback.add_argument("--wait", action="store_true", help="follow it until it ends")
    rollback.set_defaults(run=rollback_command)


def deploy_command(stack: StackConnection, args: argparse.Namespace, console: Console) -> int:
    codedeploy = stack.codedeploy
    if args.bundle is not None:
        if args.bundle_type is not None:
            raise CliError("--bundle-type goes with --s3; a --bundle directory is zipped")
        bucket = stack.output(ARTIFACTS_BUCKET_OUTPUT, args.bucket, "--bucket")
        location = upload_bundle(
            stack.aws_client("s3"),
            bucket=bucket,
            application=args.application,
            directory=args.bundle,
            prefix=args.key_prefix,
        )
        codedeploy.register_application_revision(
            applicationName=args.application,
            revision=revision_location(location),
            **({"description": args.description} if args.description else {}),
        )
    else:
        kind = BundleType(args.bundle_type) if args.bundle_type else None
        location = parse_s3_url(args.s3, kind)
    request: dict[str, Any] = {
        "applicationName": args.application,
        "deploymentGroupName": args.deployment_group,
        "revision": revision_location(location),
        "ignoreApplicationStopFailures": args.ignore_application_stop_failures,
    }
    if args.deployment_config_name:
        request["deploymentConfigName"] = args.deployment_config_name
    if args.description:
        request["description"] = args.description
    if args.file_exists_behavior:
        request["fileExistsBehavior"] = args.file_exists_behavior
    deployment_id = codedeploy.create_deployment(**request)["deploymentId"]
    console.print(deployment_id, markup=False, highlight=False)
    if args.wait:
        return watch(codedeploy, deployment_id, console=console)
    return 0


def status_command(stack: StackConnection, args: argparse.Namespace, console: Console) -> int:
    if args.wait:
        return watch(stack.codedeploy, args.deployment_id, console=console)
    console.print(render(fetch_snapshot(stack.codedeploy, args.deployment_id)))
    return 0


def stop_command(stack: StackConnection, args: argparse.Namespace, console: Console) -> int:
    answer = stack.codedeploy.stop_deployment(
        deploymentId=args.deployment_id, autoRollbackEnabled=args.rollback
    )
    status, message = answer.get("status", ""), answer.get("statusMessage", "")
    console.print(f"{status}: {message}" if message else status, markup=False, highlight=False)
    return 0


def rollback_command(stack: StackConnection, args: argparse.Namespace, console: Console) -> int:
    codedeploy = stack.codedeploy
    application = args.application or application_of_group(codedeploy, args.deployment_group)
    group = codedeploy.get_deployment_group(
        applicationName=application, deploymentGroupName=args.deployment_group
    )["deploymentGroupInfo"]
    last_good = group.get("lastSuccessfulDeployment")
    previous = None
    if group.get("computePlatform") == "Lambda":
        revision, reason = lambda_rollback_revision(group, _last_good_revision(codedeploy, group))
    else:
        if last_good is not None and _last_attempt_succeeded(group):
            previous = codedeploy.get_deployment(deploymentId=last_good["deploymentId"])[
                "deploymentInfo"
            ].get("previousRevision")
        revision, reason = rollback_revision(group, previous)
    console.print(reason, markup=False, highlight=False, soft_wrap=True)
    deployment_id = codedeploy.create_deployment(
        applicationName=application,
        deploymentGroupName=args.deployment_group,
        revision=revision,
        description=f"rollwright rollback: {reason}"[:256],
    )["deploymentId"]
    console.print(deployment_id, markup=False, highlight=False)
    if args.wait:
        return watch(codedeploy, deployment_id, console=console)
    return 0


def application_of_group(codedeploy: Any, deployment_group: str) -> str:
    """The application with a deployment group of that name (group names are unique only
    within an application): the one there is, or a ``CliError`` naming the candidates."""
    applications: list[str] = [
        name
        for page in codedeploy.get_paginator("list_applications").paginate()
        for name in page.get("applications", [])
    ]
    owners = [
        application
        for application in applications
        if deployment_group
        in (
            name
            for page in codedeploy.get_paginator("list_deployment_groups").paginate(
                applicationName=application
            )
            for name in page.get("deploymentGroups", [])
        )
    ]
    if not owners:
        raise CliError(f"no application has a deployment group named {deployment_group}")
    if len(owners) > 1:
        raise CliError(
            f"applications {', '.join(sorted(owners))} each have a deployment group named "
            f"{deployment_group}: pass --application"
        )
    return owners[0]


def _last_attempt_succeeded(group: dict[str, Any]) -> bool:
    attempted, good = group.get("lastAttemptedDeployment"), group.get("lastSuccessfulDeployment")
    return (
        attempted is not None
        and good is not None
        and attempted["deploymentId"] == good["deploymentId"]
    )


def _last_good_revision(codedeploy: Any, group: dict[str, Any]) -> dict[str, Any] | None:
    last_good = group.get("lastSuccessfulDeployment")
    if last_good is None or not _last_attempt_succeeded(group):
        return None
    info = codedeploy.get_deployment(deploymentId=last_good["deploymentId"])["deploymentInfo"]
    revision: dict[str, Any] | None = info.get("revision")
    return revision


def lambda_rollback_revision(
    group: dict[str, Any], last_good_revision: dict[str, Any] | None
) -> tuple[dict[str, Any], str]:
    """What a manual rollback of a Lambda group deploys: the last successful deployment's AppSpec
    with its versions swapped (traffic shifted back from its TargetVersion to its CurrentVersion,
    with the same hooks). After a deployment that failed or was stopped there is nothing to do:
    its end put all traffic back on its original version, which is a Lambda deployment's
    rollback."""
    attempted = group.get("lastAttemptedDeployment")
    if attempted is not None and attempted.get("status") in ACTIVE_STATUSES:
        raise CliError(
            f"deployment {attempted['deploymentId']} is still {attempted['status']}: stop it "
            f"first (rollwright stop {attempted['deploymentId']}); its traffic then goes back"
        )
    if attempted is None or group.get("lastSuccessfulDeployment") is None:
        raise CliError("the deployment group has no successful deployment to roll back")
    if not _last_attempt_succeeded(group):
        raise CliError(
            f"the last deployment {attempted['deploymentId']} ended {attempted['status']}: a "
            "Lambda deployment puts all traffic back on its original version when it ends so "
            "(that is its rollback), so the alias already serves the last good version; "
            "nothing to roll back"
        )
    member = "appSpecContent" if last_good_revision is not None else ""
    if last_good_revision is not None and "string" in last_good_revision:
        member = "string"
    content = ((last_good_revision or {}).get(member) or {}).get("content")
    if content is None:
        raise CliError(
            f"the AppSpec of {attempted['deploymentId']} is not inline (an S3 object): deploy "
            "one with its CurrentVersion and TargetVersion swapped to roll it back"
        )
    try:
        spec = parse_lambda_appspec(content)
    except InvalidAppSpecError as error:
        message = f"the AppSpec of {attempted['deploymentId']} cannot be read: {error}"
        raise CliError(message) from None
    swapped = json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    spec.function_name: {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Name": spec.function_name,
                            "Alias": spec.alias,
                            "CurrentVersion": spec.target_version,
                            "TargetVersion": spec.current_version,
                        },
                    }
                }
            ],
            "Hooks": [{hook.value: function} for hook, function in spec.hooks.items()],
        }
    )
    revision = {
        "revisionType": "AppSpecContent",
        "appSpecContent": {
            "content": swapped,
            "sha256": hashlib.sha256(swapped.encode()).hexdigest(),
        },
    }
    return revision, (
        f"shifting {spec.function_name}:{spec.alias} back from version {spec.target_version} "
        f"to version {spec.current_version}, the one before {attempted['deploymentId']}"
    )


def rollback_revision(
    group: dict[str, Any], previous_revision: dict[str, Any] | None
) -> tuple[dict[str, Any], str]:
    """What a manual rollback deploys, and why (GetDeploymentGroup's ``deploymentGroupInfo``;
    ``previous_revision``: the last successful deployment's ``previousRevision``).

    After a deployment that failed or was stopped, the group's target revision (the last good
    one) goes back; after a successful one, the revision that was there before it.
    """
    attempted = group.get("lastAttemptedDeployment")
    good = group.get("lastSuccessfulDeployment")
    if attempted is not None and attempted.get("status") in ACTIVE_STATUSES:
        raise CliError(
            f"deployment {attempted['deploymentId']} is still {attempted['status']}: stop it "
            f"first (rollwright stop {attempted['deploymentId']} --rollback)"
        )
    if good is None or "targetRevision" not in group:
        raise CliError("the deployment group has no successful deployment to roll back to")
    if not _last_attempt_succeeded(group):
        assert attempted is not None
        return group["targetRevision"], (
            f"the last deployment {attempted['deploymentId']} ended {attempted['status']}; "
            f"deploying the revision of {good['deploymentId']}, the last successful one"
        )
    if previous_revision is None:
        raise CliError(
            f"the last deployment {good['deploymentId']} succeeded and no revision was deployed "
            "before it: there is nothing to roll back to"
        )
    return previous_revision, (
        f"deploying the revision that ran before {good['deploymentId']}, the last deployment"
    )


def logs_command(stack: StackConnection, args: argparse.Namespace, console: Console) -> int:
    codedeploy = stack.codedeploy
    log_group = stack.output(AGENT_LOG_GROUP_OUTPUT, args.log_group, "--log-group")
    logs = stack.aws_client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=log_group).get("logGroups", [])
    if log_group not in {group["logGroupName"] for group in groups}:
        raise CliError(f"no log group {log_group}: pass --log-group")
    snapshot = fetch_snapshot(codedeploy, args.deployment_id)
    reader = HookLogReader(logs, log_group, _streams(snapshot, args.host))
    width = max((len(host.target_id) for host in snapshot.hosts), default=0)

    def print_new() -> None:
        for line in of_event(reader.read_new(), args.event):
            console.print(format_line(line, width), markup=False, highlight=False, soft_wrap=True)

    try:
        print_new()
        while args.follow and snapshot.status not in ENDED_STATUSES:
            time.sleep(FOLLOW_INTERVAL_SECONDS)
            # Read the status first: what the hosts wrote before it ended is then in the streams.
            snapshot = fetch_snapshot(codedeploy, args.deployment_id)
            reader.add_streams(_streams(snapshot, args.host))
            print_new()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return 0


def _streams(snapshot: DeploymentSnapshot, host: str | None) -> dict[str, str]:
    if not snapshot.hosts:
        return {}  # not started yet: no targets to read
    try:
        return deployment_streams(
            snapshot.deployment_id, [target.target_id for target in snapshot.hosts], host
        )
    except ValueError as error:
        raise CliError(str(error)) from None
