"""ApplicationStop on the devstack with real agents: it runs the scripts of the revision last
installed on the host by the same deployment group (reference §5), never the new revision's; a
broken one fails the next deployment at ApplicationStop unless ``ignoreApplicationStopFailures``
lets it through."""

from __future__ import annotations

from tests.e2e.agent_hosts import Host
from tests.e2e.deployments import (
    ALL_AT_ONCE,
    DeploymentGroup,
    Fleet,
    fleet,
    host_statuses,
    records,
    run_deployment,
    upload_gated_revision,
)

__all__ = ["fleet"]


def _stops(host: Host) -> list[str]:
    """The ApplicationStop scripts that ran on the host: "<revision label> <deployment id>"."""
    log = host.root / "application-stop.log"
    return log.read_text().splitlines() if log.exists() else []


def _events(host: Host) -> list[str]:
    return [f"{event} {what}" for event, what, _ in host.hook_lines()]


def _deploy(devstack, revision, hosts, group, **options):
    return run_deployment(
        devstack,
        revision,
        hosts,
        rule=ALL_AT_ONCE,
        config_name="CodeDeployDefault.AllAtOnce",
        group=group,
        **options,
    )


def _application_stop(devstack, deployment_id: str, host: Host) -> dict:
    target = records(devstack).target_item(deployment_id, host.host_id)
    return dict(target["lifecycle_events"]["ApplicationStop"])


def test_application_stop_runs_the_previous_revisions_script(devstack, fleet: Fleet, tmp_path):
    # Given two revisions whose ApplicationStop scripts record which revision they belong to
    first = upload_gated_revision(devstack, tmp_path / "r1", "e2e/stop-r1.zip", label="r1")
    second = upload_gated_revision(devstack, tmp_path / "r2", "e2e/stop-r2.zip", label="r2")
    hosts, group = fleet.add(2), DeploymentGroup()
    # When revision 1 is deployed: there is no earlier install, so no ApplicationStop runs
    _, execution = _deploy(devstack, first, hosts, group)
    assert execution["status"] == "SUCCEEDED", execution
    assert [_stops(h) for h in hosts] == [[], []]
    installed = [len(h.hook_lines()) for h in hosts]
    # When revision 2 is deployed to the same hosts by the same group
    two, execution = _deploy(devstack, second, hosts, group)
    # Then revision 1's ApplicationStop ran during deployment 2, and revision 2's did not
    assert execution["status"] == "SUCCEEDED", execution
    assert [_stops(h) for h in hosts] == [[f"r1 {two}"], [f"r1 {two}"]]
    for host, before in zip(hosts, installed, strict=True):
        assert _application_stop(devstack, two, host)["status"] == "Succeeded"
        # And first, before revision 2's own hooks
        assert _events(host)[before : before + 3] == [
            "ApplicationStop start",
            "ApplicationStop end",
            "BeforeInstall start",
        ]


def test_a_broken_previous_stop_script_fails_the_deployment_unless_its_failures_are_ignored(
    devstack, fleet: Fleet, tmp_path
):
    # Given hosts on which a revision with a failing ApplicationStop script was installed
    broken = upload_gated_revision(
        devstack, tmp_path / "broken", "e2e/stop-broken.zip", label="broken", stop_exit=3
    )
    fixed = upload_gated_revision(devstack, tmp_path / "fixed", "e2e/stop-fixed.zip", label="fixed")
    hosts, group = fleet.add(2), DeploymentGroup()
    assert _deploy(devstack, broken, hosts, group)[1]["status"] == "SUCCEEDED"
    installed = [len(h.hook_lines()) for h in hosts]
    # When the fixed revision is deployed
    failed, execution = _deploy(devstack, fixed, hosts, group)
    # Then the old script fails ApplicationStop on every host, and so the deployment
    assert execution["status"] == "FAILED", execution
    assert execution.get("error") == "HEALTH_CONSTRAINTS"
    assert host_statuses(devstack, failed, hosts) == ["Failed", "Failed"]
    for host, before in zip(hosts, installed, strict=True):
        stop = _application_stop(devstack, failed, host)
        assert (stop["status"], stop["diagnostics"]["error_code"]) == ("Failed", "ScriptFailed")
        # And nothing after it ran
        assert _events(host)[before:] == ["ApplicationStop start"]
        assert _stops(host) == [f"broken {failed}"]
    # When it is deployed again with ignoreApplicationStopFailures
    passed, execution = _deploy(
        devstack, fixed, hosts, group, ignore_application_stop_failures=True
    )
    # Then the broken script ran and failed again, yet the deployment went on and succeeded
    assert execution["status"] == "SUCCEEDED", execution
    assert host_statuses(devstack, passed, hosts) == ["Succeeded", "Succeeded"]
    for host in hosts:
        assert _stops(host) == [f"broken {failed}", f"broken {passed}"]
        assert _events(host)[-2:] == ["ValidateService start", "ValidateService end"]
        assert _application_stop(devstack, passed, host)["status"] == "Succeeded"
