"""The rollwright CLI drives the API through the stock client."""

from __future__ import annotations

import io
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from functions.api import handler as api
from rollwright import cli
from rollwright.applications import Applications
from rollwright.client import codedeploy_client
from rollwright.deployment_watch import watch
from tests.fakes.api_gateway import InProcessApiGateway
from tests.fakes.application_store import InMemoryApplicationStore
from tests.fakes.services import in_memory_services

URL = ["--api-url", "https://abc123.execute-api.us-east-1.amazonaws.com/v1"]


@pytest.fixture(autouse=True)
def api_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = itertools.chain(["app-id"], (f"app-id-{n}" for n in itertools.count(2)))
    applications = Applications(
        InMemoryApplicationStore(),
        clock=lambda: datetime(2026, 11, 27, tzinfo=UTC),
        new_id=lambda: next(ids),
    )
    served = in_memory_services(applications)
    monkeypatch.setattr(api, "services", lambda _function_arn: served)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    gateway = InProcessApiGateway(api.handler)

    def attached(api_url: str, **kwargs: Any) -> Any:
        return gateway.attach(codedeploy_client(api_url, **kwargs))

    monkeypatch.setattr(cli, "codedeploy_client", attached)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    # The in-process handler's metrics (EMF, one line each) share stdout with the CLI.
    printed = "\n".join(line for line in out.splitlines() if not line.startswith('{"_aws"'))
    return status, json.loads(printed) if printed else None, err


def test_create_then_list_shows_the_application(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "applications", "create", *URL, "--name", "shop")[1] == {
        "applicationId": "app-id"
    }
    assert run(capsys, "applications", "list", *URL)[1] == {"applications": ["shop"]}


def test_rename_get_and_delete_over_cbor(capsys: pytest.CaptureFixture[str]) -> None:
    cbor = ["--protocol", "smithy-rpc-v2-cbor"]
    run(capsys, "applications", "create", *URL, *cbor, "--name", "shop")
    run(capsys, "applications", "rename", *URL, *cbor, "--name", "shop", "--new-name", "store")
    assert (
        run(capsys, "applications", "get", *URL, *cbor, "--name", "store")[1]["applicationName"]
        == "store"
    )
    assert run(capsys, "applications", "delete", *URL, *cbor, "--name", "store")[0] == 0


def test_an_error_prints_the_exception_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "applications", "get", *URL, "--name", "ghost")
    assert status == 1
    assert err.startswith("ApplicationDoesNotExistException: ")


def run_text(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    printed = [line for line in out.splitlines() if not line.startswith('{"_aws"')]
    return status, printed, err


def group_without_instances(application: str = "shop", group: str = "web") -> Any:
    codedeploy = cli.codedeploy_client(URL[1])
    codedeploy.create_application(applicationName=application)
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName=group,
        serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy",
        onPremisesInstanceTagFilters=[{"Key": "fleet", "Value": "none", "Type": "KEY_AND_VALUE"}],
    )
    return codedeploy


DEPLOY = ["deploy", *URL, "--application", "shop", "--deployment-group", "web"]


def test_deploy_from_s3_passes_the_revision_and_options_through(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a group
    codedeploy = group_without_instances()
    # When a tgz in S3 is deployed with a description and file-exists behaviour
    status, printed, _ = run_text(
        capsys,
        *DEPLOY,
        "--s3",
        "s3://artifacts/releases/app.tgz",
        "--description",
        "release 7",
        "--file-exists-behavior",
        "OVERWRITE",
        "--ignore-application-stop-failures",
    )
    # Then the deployment id is printed, and the deployment holds what was asked
    assert status == 0
    assert printed[0].startswith("d-")
    info = codedeploy.get_deployment(deploymentId=printed[0])["deploymentInfo"]
    assert info["revision"]["s3Location"] == {
        "bucket": "artifacts",
        "key": "releases/app.tgz",
        "bundleType": "tgz",
    }
    assert (info["description"], info["fileExistsBehavior"]) == ("release 7", "OVERWRITE")
    assert info["ignoreApplicationStopFailures"] is True


def test_deploy_wait_exits_1_and_says_why_when_the_deployment_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a group whose tag filter selects no instance
    group_without_instances()
    # When a revision is deployed with --wait (output is not a terminal here)
    status, printed, _ = run_text(capsys, *DEPLOY, "--s3", "s3://artifacts/app.zip", "--wait")
    # Then it exits 1 and prints the deployment's end and CodeDeploy's error
    assert status == 1
    deployment_id = printed[0]
    assert printed[1].startswith(f"{deployment_id} Failed")
    assert printed[-2:][0] == f"{deployment_id} Failed"
    assert printed[-1].startswith("NO_INSTANCES: ")


def test_status_shows_the_deployment_and_its_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    group_without_instances()
    deployment_id = run_text(capsys, *DEPLOY, "--s3", "s3://artifacts/app.zip")[1][0]
    status, printed, _ = run_text(capsys, "status", deployment_id, *URL)
    assert status == 0
    assert printed[0].split()[:2] == [deployment_id, "shop/web"]
    assert "NO_INSTANCES" in "\n".join(printed)


def test_a_bundle_without_an_appspec_is_refused_before_anything_is_uploaded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("hi")
    status, _, err = run_text(capsys, *DEPLOY, "--bundle", str(tmp_path), "--bucket", "b")
    assert status == 1
    assert (
        err
        == f"CliError: {tmp_path} has no appspec.yml at its root: it is not a CodeDeploy bundle\n"
    )


def test_without_an_api_url_the_error_says_where_to_give_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROLLWRIGHT_API_URL", raising=False)
    monkeypatch.delenv("ROLLWRIGHT_DEVSTACK", raising=False)
    status, _, err = run_text(capsys, "status", "d-ABCDEFGHI")
    assert status == 1
    assert "no API URL: pass --api-url, set ROLLWRIGHT_API_URL or use --devstack" in err


def test_the_api_url_may_come_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLLWRIGHT_API_URL", URL[1])
    assert run_text(capsys, "applications", "list")[0] == 0


def test_a_missing_devstack_state_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run_text(capsys, "status", "d-1", "--devstack-dir", str(tmp_path))
    assert status == 1
    assert f"no devstack state at {tmp_path / 'state.json'}" in err


@pytest.mark.parametrize(
    "argv",
    [
        [*DEPLOY, "--s3", "s3://b/k.zip", "--bundle", "."],
        [*DEPLOY],
        ["deploy", *URL, "--s3", "s3://b/k.zip"],
        ["stop", *URL],
        ["logs", *URL, "d-1", "--host"],
    ],
)
def test_incomplete_or_conflicting_arguments_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2


class ScriptedDeployment:
    """A CodeDeploy client whose one deployment goes through ``statuses``, one per read (the
    last one stays), with no targets listed."""

    class exceptions:  # noqa: N801 - botocore's attribute name
        class DeploymentNotStartedException(Exception):  # noqa: N818 - CodeDeploy's name
            pass

    def __init__(self, *statuses: str) -> None:
        self.statuses = statuses
        self.reads = 0

    def get_deployment(self, **request: str) -> dict[str, Any]:
        status = self.statuses[min(self.reads, len(self.statuses) - 1)]
        self.reads += 1
        return {"deploymentInfo": {"deploymentId": request["deploymentId"], "status": status}}

    def get_paginator(self, name: str) -> Any:
        assert name == "list_deployment_targets"
        return self

    def paginate(self, **_request: str) -> list[dict[str, Any]]:
        return [{"targetIds": []}]


def test_watching_can_be_interrupted_and_says_the_deployment_continues() -> None:
    # Given a deployment in progress
    codedeploy = ScriptedDeployment("InProgress")
    output = io.StringIO()

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    # When the watcher is interrupted while it waits for the next poll
    status = watch(codedeploy, "d-ABCDEFGHI", console=Console(file=output), sleep=interrupted)
    # Then it exits 130 after one read and says the deployment carries on
    assert (status, codedeploy.reads) == (130, 1)
    lines = output.getvalue().splitlines()
    assert lines[0] == "d-ABCDEFGHI InProgress"
    assert "Deployment d-ABCDEFGHI continues" in lines[-1]


def test_on_a_terminal_the_live_view_follows_the_deployment_to_its_end() -> None:
    # Given a deployment that succeeds at the third read, and a terminal
    codedeploy = ScriptedDeployment("InProgress", "InProgress", "Succeeded")
    output = io.StringIO()
    terminal = Console(file=output, force_terminal=True, width=100)
    # When it is watched
    status = watch(codedeploy, "d-ABCDEFGHI", console=terminal, sleep=lambda _seconds: None)
    # Then the view was redrawn until the end and the watcher exits 0
    assert (status, codedeploy.reads) == (0, 3)
    assert "▶ InProgress" in output.getvalue()
    assert output.getvalue().rstrip().endswith("d-ABCDEFGHI Succeeded")


def test_rollback_without_an_application_finds_the_groups_application(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given one application with a group "web" that never deployed, and another without one
    group_without_instances("shop", "web")
    group_without_instances("blog", "api")
    # When it is rolled back without --application
    status, _, err = run_text(capsys, "rollback", *URL, "--deployment-group", "web")
    # Then the group was found in its application, which has nothing to roll back to
    assert status == 1
    assert "the deployment group has no successful deployment to roll back to" in err


def test_rollback_without_an_application_names_the_applications_that_share_the_group(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given two applications that each have a group "web"
    group_without_instances("shop", "web")
    group_without_instances("blog", "web")
    # When it is rolled back without --application
    status, _, err = run_text(capsys, "rollback", *URL, "--deployment-group", "web")
    # Then nothing is deployed and the error names both applications
    assert status == 1
    assert "applications blog, shop each have a deployment group named web" in err
    assert "--application" in err


def test_rollback_of_a_group_no_application_has_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    group_without_instances("shop", "web")
    status, _, err = run_text(capsys, "rollback", *URL, "--deployment-group", "ghost")
    assert status == 1
    assert "no application has a deployment group named ghost" in err
