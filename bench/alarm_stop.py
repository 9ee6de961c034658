"""CloudWatch alarms stopping deployments on the devstack (issue 7): how long from the alarm's state
change (``SetAlarmState`` returning; the devstack turns it into CloudWatch's EventBridge event, as
AWS does) to the deployment Stopped, to its traffic restored, and to its rollback Succeeded.

- Lambda: a canary baking at 10 % (``LambdaCanary10Percent30Minutes`` at the api function's wait
  scale, an 18-second bake) in a group watching the alarm. Measured: to ``Stopped`` as
  GetDeployment shows it, and to the alias back at 100 % on the original version (GetAlias),
  polling both every 0.05 s.
- In place: four on-premises hosts with real agents in threads (as ``inplace_deployment``),
  ``OneAtATime``, a revision whose ValidateService takes ``HOOK_SECONDS``; the alarm fires while
  the second host runs its hooks. The stop waits for the running host to finish its segment
  (CodeDeploy's behaviour), so the time to Stopped includes what is left of that host's hooks.
  The group rolls back on DEPLOYMENT_STOP_ON_ALARM: measured to the rollback Succeeded (the
  previous revision back on all four hosts, one at a time).
- ECS: ``ECSCanary10Percent15Minutes`` (a 9-second bake at the same wait scale) on
  ``devstack.ecs_world``'s service, in a group watching the alarm. Measured: to ``Stopped``, and to
  the production listener forwarding to the original target group alone (DescribeListeners).

Target: Stopped <= 2 s after the alarm on the devstack (Lambda: nothing to wait for). Medians and
maxima of the runs; the Lambda case's first run meets a cold alarm function and is reported apart.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import lambda_deployment
from bench.context import BenchContext
from bench.ecs_deployment import _original_target_group, _production
from bench.report import ScenarioResult
from devstack.agent_hosts import (
    Host,
    host_identity,
    host_session_arn,
    start_agent,
    stop_agents,
    upload_bundle,
)
from devstack.alarms import put_quiet_alarm
from devstack.ecs_world import build_ecs_world, create_ecs_group, ecs_appspec
from devstack.state import DevstackState

REPEATS = 3
LAMBDA_REPEATS = 5
POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 180.0
ROLE = "arn:aws:iam::123456789012:role/codedeploy"
LAMBDA_GROUP = "bench-lambda-alarmed"
LAMBDA_CANARY = "CodeDeployDefault.LambdaCanary10Percent30Minutes"
ECS_APPLICATION, ECS_GROUP = "bench-ecs-alarm", "bench-ecs-alarmed"
ECS_CANARY = "CodeDeployDefault.ECSCanary10Percent15Minutes"
HOSTS = 4
HOOK_SECONDS = 2.0
# ApplicationStart writes the version; ValidateService takes HOOK_SECONDS; both log their times.
HOOK_SCRIPT = """\
#!/bin/sh
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
if [ "$LIFECYCLE_EVENT" = ApplicationStart ]; then echo {version} > "$root/version"; fi
if [ "$LIFECYCLE_EVENT" = ValidateService ]; then sleep {seconds}; fi
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""


def run(context: BenchContext) -> ScenarioResult:
    devstack = context.devstack()
    result = ScenarioResult(scenario="alarm_stop")
    suffix = f"{int(time.time()) % 100000:05d}"
    _lambda_case(devstack, result, f"bench-lambda-errors-{suffix}")
    _ecs_case(devstack, result, suffix)
    _inplace_case(devstack, result, suffix)
    result.details["targets"] = {"alarm_to_stopped_s": 2.0}
    result.details["method"] = {
        "clock": "from SetAlarmState returning (the devstack emits the EventBridge event then)",
        "poll_seconds": POLL_SECONDS,
        "repeats": {"lambda": LAMBDA_REPEATS, "ecs": REPEATS, "inplace": REPEATS},
        "statistic": "median (and max) of the repeats",
        "inplace_hook_seconds": HOOK_SECONDS,
    }
    return result


# --- Lambda ---------------------------------------------------------------------------------------


def _lambda_case(devstack: DevstackState, result: ScenarioResult, alarm: str) -> None:
    lambda_client = devstack.aws_client("lambda")
    try:
        lambda_client.get_function(FunctionName=lambda_deployment.FUNCTION)
    except lambda_client.exceptions.ResourceNotFoundException:
        lambda_deployment._prepare(devstack)
    cloudwatch = _alarm(devstack, alarm)
    devstack.codedeploy_client().create_deployment_group(
        applicationName=lambda_deployment.APPLICATION,
        deploymentGroupName=LAMBDA_GROUP,
        serviceRoleArn=ROLE,
        deploymentStyle={
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        alarmConfiguration={"enabled": True, "alarms": [{"name": alarm}]},
    )
    stopped, restored = [], []
    for repeat in range(LAMBDA_REPEATS):
        to_stopped, to_restored = _lambda_run(devstack, cloudwatch, alarm, repeat)
        stopped.append(to_stopped)
        restored.append(to_restored)
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="quiet")
    # The first ALARM meets a cold alarm function (a new alarm is created in OK, so nothing
    # invoked it before): reported apart, the figures are of the warm runs.
    subject = "Lambda canary at 10 %"
    result.add(subject, "alarm to Stopped, cold alarm function (first run)", stopped[0], "s")
    _add(result, subject, "alarm to Stopped", stopped[1:])
    _add(result, subject, "alarm to alias back on the original version", restored[1:])
    result.details.setdefault("runs", {})[f"{subject}: first run (cold)"] = {
        "stopped": stopped[0],
        "restored": restored[0],
    }


def _lambda_run(
    devstack: DevstackState, cloudwatch: Any, alarm: str, repeat: int
) -> tuple[float, float]:
    lambda_client = devstack.aws_client("lambda")
    codedeploy = devstack.codedeploy_client()
    original = _alias(lambda_client)[0]
    deployment_id = lambda_deployment._deploy(
        devstack, LAMBDA_CANARY, {}, group=LAMBDA_GROUP, description=f"alarm bench {repeat}"
    )
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while _alias(lambda_client)[1] == {}:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{deployment_id}: the canary step never came")
        time.sleep(POLL_SECONDS)
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="bench")
    changed = time.time()
    stopped = restored = None
    while stopped is None or restored is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{deployment_id} was not stopped by the alarm")
        if restored is None and _alias(lambda_client) == (original, {}):
            restored = time.time()
        if stopped is None:
            info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
            if info["status"] == "Stopped":
                stopped = time.time()
            elif info["status"] in ("Succeeded", "Failed"):
                raise RuntimeError(f"{deployment_id} ended {info['status']}, not Stopped")
        time.sleep(POLL_SECONDS)
    return stopped - changed, restored - changed


def _alias(lambda_client: Any) -> tuple[str, dict[str, float]]:
    alias = lambda_client.get_alias(
        FunctionName=lambda_deployment.FUNCTION, Name=lambda_deployment.ALIAS
    )
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return str(alias["FunctionVersion"]), dict(weights)


# --- ECS ------------------------------------------------------------------------------------------


def _ecs_case(devstack: DevstackState, result: ScenarioResult, suffix: str) -> None:
    """Runs after the Lambda case, which set the api function's wait scale."""
    world = build_ecs_world(
        devstack.aws_client("ec2"),
        devstack.aws_client("elbv2"),
        devstack.aws_client("ecs"),
        name=f"alarm-{suffix}",
    )
    codedeploy = devstack.codedeploy_client()
    alarm = f"bench-ecs-errors-{suffix}"
    cloudwatch = _alarm(devstack, alarm)
    application = f"{ECS_APPLICATION}-{suffix}"
    create_ecs_group(codedeploy, world, application=application, group=ECS_GROUP, role=ROLE)
    codedeploy.update_deployment_group(
        applicationName=application,
        currentDeploymentGroupName=ECS_GROUP,
        alarmConfiguration={"enabled": True, "alarms": [{"name": alarm}]},
    )
    stopped, restored = [], []
    for repeat in range(REPEATS):
        original = _original_target_group(devstack, world)
        deployment_id = str(
            codedeploy.create_deployment(
                applicationName=application,
                deploymentGroupName=ECS_GROUP,
                deploymentConfigName=ECS_CANARY,
                description=f"alarm bench {repeat}",
                revision=ecs_appspec(world, {}),
            )["deploymentId"]
        )
        deadline = time.monotonic() + TIMEOUT_SECONDS
        # The canary step: production forwards to both target groups.
        while len(_production(devstack, world)) < 2:
            info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
            if time.monotonic() > deadline or info["status"] in ("Succeeded", "Failed", "Stopped"):
                raise RuntimeError(
                    f"{deployment_id}: the canary step never came ({info['status']}: "
                    f"{info.get('errorInformation')})"
                )
            time.sleep(POLL_SECONDS)
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="bench")
        changed = time.time()
        to_stopped = to_restored = None
        while to_stopped is None or to_restored is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{deployment_id} was not stopped by the alarm")
            if to_restored is None and _production(devstack, world) == {original}:
                to_restored = time.time() - changed
            if to_stopped is None:
                status = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"][
                    "status"
                ]
                if status == "Stopped":
                    to_stopped = time.time() - changed
                elif status in ("Succeeded", "Failed"):
                    raise RuntimeError(f"{deployment_id} ended {status}, not Stopped")
            time.sleep(POLL_SECONDS)
        stopped.append(to_stopped)
        restored.append(to_restored)
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="quiet")
    subject = "ECS canary at 10 %"
    _add(result, subject, "alarm to Stopped", stopped)
    _add(result, subject, "alarm to production back on the original target group", restored)


# --- in place -------------------------------------------------------------------------------------


def _inplace_case(devstack: DevstackState, result: ScenarioResult, suffix: str) -> None:
    codedeploy = devstack.codedeploy_client()
    alarm = f"bench-inplace-errors-{suffix}"
    cloudwatch = _alarm(devstack, alarm)
    application = f"bench-alarm-{suffix}"
    codedeploy.create_application(applicationName=application, computePlatform="Server")
    with tempfile.TemporaryDirectory(prefix="rollwright-alarm-bench-") as scratch:
        hosts = [
            Host(host_id=f"alarm-{suffix}-{n}", root=Path(scratch) / f"host-{n}")
            for n in range(HOSTS)
        ]
        for host in hosts:
            codedeploy.register_on_premises_instance(
                instanceName=host.host_id,
                iamSessionArn=host_session_arn(devstack, host.host_id),
            )
        codedeploy.add_tags_to_on_premises_instances(
            tags=[{"Key": "bench-alarm", "Value": suffix}],
            instanceNames=[host.host_id for host in hosts],
        )
        try:
            for host in hosts:
                start_agent(devstack, host, identity=host_identity(devstack, host.host_id))
            codedeploy.create_deployment_group(
                applicationName=application,
                deploymentGroupName="web",
                serviceRoleArn=ROLE,
                deploymentConfigName="CodeDeployDefault.OneAtATime",
                onPremisesInstanceTagFilters=[
                    {"Key": "bench-alarm", "Value": suffix, "Type": "KEY_AND_VALUE"}
                ],
                alarmConfiguration={"enabled": True, "alarms": [{"name": alarm}]},
                autoRollbackConfiguration={
                    "enabled": True,
                    "events": ["DEPLOYMENT_STOP_ON_ALARM"],
                },
            )
            revisions = {
                version: _revision(devstack, Path(scratch) / version, suffix, version)
                for version in ("v1", "v2")
            }
            first = _inplace_deploy(codedeploy, application, revisions["v1"], "v1")
            _until_ended(codedeploy, first, "Succeeded")
            runs = []
            for repeat in range(REPEATS):
                runs.append(
                    _inplace_run(
                        codedeploy,
                        cloudwatch,
                        alarm=alarm,
                        application=application,
                        revisions=revisions,
                        hosts=hosts,
                        repeat=repeat,
                    )
                )
        finally:
            stop_agents(hosts)
            for host in hosts:
                codedeploy.deregister_on_premises_instance(instanceName=host.host_id)
    subject = f"in place, {HOSTS} hosts OneAtATime"
    _add(
        result,
        subject,
        "alarm to Stopped (incl. the running host's hooks)",
        [r.stopped for r in runs],
    )
    _add(result, subject, "running host's last hook end to Stopped", [r.after_hooks for r in runs])
    _add(result, subject, "alarm to rollback Succeeded", [r.rolled_back for r in runs])


@dataclass(frozen=True)
class InplaceRun:
    stopped: float  # alarm to Stopped
    after_hooks: float  # the running host's last hook end (or the alarm, if later) to Stopped
    rolled_back: float  # alarm to the rollback Succeeded


def _inplace_run(
    codedeploy: Any,
    cloudwatch: Any,
    *,
    alarm: str,
    application: str,
    revisions: dict[str, dict[str, Any]],
    hosts: Sequence[Host],
    repeat: int,
) -> InplaceRun:
    for host in hosts:
        (host.root / "hooks.log").unlink(missing_ok=True)
    deployment_id = _inplace_deploy(codedeploy, application, revisions["v2"], f"v2 #{repeat}")
    # The alarm fires once the second host runs its hooks.
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while sum(bool(host.hook_lines()) for host in hosts) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{deployment_id}: the second host never started")
        time.sleep(POLL_SECONDS)
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="bench")
    changed = time.time()
    info = _until_ended(codedeploy, deployment_id, "Stopped")
    stopped = time.time()
    # The running host's last hook ended here: from then on the stop is orchestration only.
    last_hook_end = max(at for host in hosts for _, what, at in host.hook_lines() if what == "end")
    rollback_id = _rollback_of(codedeploy, deployment_id, info)
    _until_ended(codedeploy, rollback_id, "Succeeded")
    rolled_back = time.time()
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="quiet")
    versions = {(host.root / "version").read_text().strip() for host in hosts}
    if versions != {"v1"}:
        raise RuntimeError(f"the rollback left {versions} on the hosts")
    return InplaceRun(
        stopped - changed, stopped - max(last_hook_end, changed), rolled_back - changed
    )


def _rollback_of(codedeploy: Any, deployment_id: str, info: dict[str, Any]) -> str:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while "rollbackDeploymentId" not in (info.get("rollbackInfo") or {}):
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{deployment_id} was not rolled back: {info.get('rollbackInfo')}, "
                f"{info.get('errorInformation')}"
            )
        time.sleep(POLL_SECONDS)
        info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    return str(info["rollbackInfo"]["rollbackDeploymentId"])


def _inplace_deploy(
    codedeploy: Any, application: str, revision: dict[str, Any], description: str
) -> str:
    return str(
        codedeploy.create_deployment(
            applicationName=application,
            deploymentGroupName="web",
            revision=revision,
            description=description,
        )["deploymentId"]
    )


def _until_ended(codedeploy: Any, deployment_id: str, expected: str) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        info: dict[str, Any] = codedeploy.get_deployment(deploymentId=deployment_id)[
            "deploymentInfo"
        ]
        if info["status"] in ("Succeeded", "Failed", "Stopped"):
            if info["status"] != expected:
                raise RuntimeError(
                    f"{deployment_id} ended {info['status']}: {info.get('errorInformation')}"
                )
            return info
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{deployment_id} did not end within {TIMEOUT_SECONDS} s")


def _revision(
    devstack: DevstackState, directory: Path, suffix: str, version: str
) -> dict[str, Any]:
    scripts = directory / "scripts"
    scripts.mkdir(parents=True)
    events = ("ApplicationStart", "ValidateService")
    appspec = ["version: 0.0", "os: linux", "hooks:"]
    for event in events:
        appspec += [f"  {event}:", f"    - location: scripts/{event}.sh"]
        script = scripts / f"{event}.sh"
        script.write_text(HOOK_SCRIPT.format(version=version, seconds=HOOK_SECONDS))
        script.chmod(0o755)
    (directory / "appspec.yml").write_text("\n".join(appspec) + "\n")
    uploaded = upload_bundle(devstack, directory, f"bench/alarm-{suffix}/{version}.zip")
    location: dict[str, Any] = {
        "bucket": uploaded.bucket,
        "key": uploaded.key,
        "bundleType": "zip",
    }
    if uploaded.etag:
        location["eTag"] = uploaded.etag
    if uploaded.version:
        location["version"] = uploaded.version
    return {"revisionType": "S3", "s3Location": location}


# --- shared ---------------------------------------------------------------------------------------


def _alarm(devstack: DevstackState, name: str) -> Any:
    cloudwatch = devstack.aws_client("cloudwatch")
    put_quiet_alarm(cloudwatch, name, namespace="Bench")
    return cloudwatch


def _add(result: ScenarioResult, subject: str, measure: str, values: list[float]) -> None:
    result.add(subject, f"{measure} (median)", statistics.median(values), "s")
    result.add(subject, f"{measure} (max)", max(values), "s")
    result.details.setdefault("runs", {})[f"{subject}: {measure}"] = values
