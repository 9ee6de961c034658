"""In-place Server deployments to 1, 10 and 100 on-premises hosts with no-op hooks (issue 5).

The hosts are real agents in threads (``devstack.agent_hosts``), each its own tagged session of
the stack's host role polling its own queue, with the agent's production settings (20 s long
polls). Each case makes a deployment group whose tag filter selects its hosts, and the stock
client creates deployments of a revision whose four hooks (BeforeInstall, AfterInstall,
ApplicationStart, ValidateService) only write a timestamp. Per deployment it measures:

- CreateDeployment latency; from CreateDeployment returning to the first hook starting (the hooks'
  own timestamps), to the last host's last lifecycle event ending, to the deployment's
  ``completeTime``, and to the execution seen ended (polling DescribeExecution every 0.1 s);
- per-segment orchestration overhead: (time to Succeeded - hook run time on the critical path) /
  agent segments on the critical path (1 for AllAtOnce, N for OneAtATime);
- one host at a time: the host-to-host handoff, from a host's last event end to the next host's
  first event start (both the agents' own stamps): the report, the claim, the next command and
  its receipt, without the agent's own work inside a segment;
- AWS requests per deployment and per host-update by service, and USD at public prices
  (``bench.cost_model``; what is measured how: ``bench.usage_meter``).

Targets: first hook <= 1 s; overhead <= 0.5 s per host segment; <= $0.0002 per host-update
(CodeDeploy: $0.02 per on-premises host update). Each case runs ``REPEATS`` times; medians.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.cost_model import (
    DynamoDbAssumptions,
    Usage,
    dynamodb_request_units,
)
from bench.deployment_figures import Run, add_case, add_idle_agent_cost
from bench.report import ScenarioResult
from bench.usage_meter import (
    API_ACCESS_LOG_LINE_BYTES,
    ReceiveCounter,
    UsageMeter,
    agent_log_bytes,
    execution_use,
)
from devstack.agent_hosts import (
    Host,
    host_identity,
    host_session_arn,
    start_agent,
    stop_agents,
    upload_bundle,
)
from devstack.state import DevstackState

ROLE = "arn:aws:iam::123456789012:role/codedeploy"
HOOKS = ("BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService")
NO_OP_HOOK = """\
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
echo "$LIFECYCLE_EVENT start $(date +%s.%N)" >> "$root/hooks.log"
echo "$LIFECYCLE_EVENT end $(date +%s.%N)" >> "$root/hooks.log"
"""
# (deployment configuration, hosts): AllAtOnce at three sizes, OneAtATime for per-segment cost.
CASES: tuple[tuple[str, int], ...] = (
    ("CodeDeployDefault.AllAtOnce", 1),
    ("CodeDeployDefault.AllAtOnce", 10),
    ("CodeDeployDefault.AllAtOnce", 100),
    ("CodeDeployDefault.OneAtATime", 10),
)
REPEATS = 3
RUN_TIMEOUT_SECONDS = 600.0
POLL_SECONDS = 0.1
# The agents' production settings: a 20 s long poll, a heartbeat a minute.
AGENT_SETTINGS: dict[str, Any] = {
    "poll_wait_seconds": 20,
    "heartbeat_interval_seconds": 60,
    "error_backoff_cap_seconds": 5.0,
    "shutdown_grace_seconds": 30.0,
    "report_retry_seconds": 600.0,
}
# Requests the benchmark itself makes inside the window (waiting for the end).
OWN_OPERATIONS = ("stepfunctions:DescribeExecution",)


def run(context: BenchContext) -> ScenarioResult:
    devstack = context.devstack()
    codedeploy = context.codedeploy()
    result = ScenarioResult(scenario="inplace_deployment")
    largest = max(hosts for _, hosts in CASES)
    suffix = f"{int(time.time()) % 100000:05d}"
    receives = ReceiveCounter()
    with tempfile.TemporaryDirectory(prefix="rollwright-inplace-bench-") as scratch:
        hosts = [
            Host(host_id=f"bench-{suffix}-{number:03d}", root=Path(scratch) / f"host-{number:03d}")
            for number in range(largest)
        ]
        revision = _revision(devstack, Path(scratch) / "bundle", f"bench/{suffix}/noop.zip")
        application = f"bench-inplace-{suffix}"
        codedeploy.create_application(applicationName=application, computePlatform="Server")
        _register(devstack, codedeploy, hosts)
        try:
            started = time.monotonic()
            for host in hosts:
                identity = host_identity(devstack, host.host_id)
                receives.watch(identity.session)
                start_agent(devstack, host, identity=identity, **AGENT_SETTINGS)
            result.add("fleet", f"{largest} agents started", time.monotonic() - started, "s")
            meter = UsageMeter(devstack, receives)
            for config, count in CASES:
                group = f"{config.rsplit('.', 1)[-1]}-{count}"
                codedeploy.create_deployment_group(
                    applicationName=application,
                    deploymentGroupName=group,
                    serviceRoleArn=ROLE,
                    deploymentConfigName=config,
                    onPremisesInstanceTagFilters=[{"Key": f"bench-n{count}", "Type": "KEY_ONLY"}],
                )
                # The first deployment to new hosts creates their queues, which their agents
                # find on their next retry (the error backoff): measured apart, as a warm-up.
                first, *runs = [
                    _deploy(
                        devstack,
                        codedeploy,
                        meter,
                        application=application,
                        group=group,
                        revision=revision,
                        hosts=hosts,
                        count=count,
                    )
                    for _ in range(1 + REPEATS)
                ]
                segments = count if config.endswith("OneAtATime") else 1
                subject = f"{group} ({count} hosts)"
                result.add(
                    subject, "first deployment: to first hook start", first.first_hook_s, "s"
                )
                result.add(subject, "first deployment: to Succeeded", first.complete_s, "s")
                add_case(result, subject, runs, count, segments)
            _add_idle_cost(result, receives, hosts)
        finally:
            stop_agents(hosts)
            for host in hosts:
                codedeploy.deregister_on_premises_instance(instanceName=host.host_id)
            codedeploy.delete_application(applicationName=application)
    result.details["targets"] = {
        "first_hook_s": 1.0,
        "overhead_per_segment_s": 0.5,
        "usd_per_host_update": 0.0002,
        "codedeploy_usd_per_on_premises_host_update": 0.02,
    }
    result.details["method"] = {
        "agents": "real agents in threads of the benchmark process, own identity and queue",
        "agent_settings": AGENT_SETTINGS,
        "repeats": REPEATS,
        "statistic": "median of the repeats",
        "lambda_duration": "measured by the devstack's local runtime on this machine",
        "dynamodb_units": "estimated from request counts (bench.cost_model.DynamoDbAssumptions)",
        "log_bytes": "Lambda runtime log lines, Step Functions history as ALL logging, "
        f"{API_ACCESS_LOG_LINE_BYTES} B per API access-log line, agent hook output",
        "excluded_requests": [*OWN_OPERATIONS, "idle (empty) sqs:ReceiveMessage"],
    }
    return result


def _revision(devstack: DevstackState, directory: Path, key: str) -> dict[str, Any]:
    """The no-op revision in the artifacts bucket, as CreateDeployment names it."""
    (directory / "scripts").mkdir(parents=True)
    appspec = ["version: 0.0", "os: linux", "hooks:"]
    for event in HOOKS:
        appspec += [f"  {event}:", f"    - location: scripts/{event}.sh"]
        script = directory / "scripts" / f"{event}.sh"
        script.write_text("#!/bin/sh\n" + NO_OP_HOOK)
        script.chmod(0o755)
    (directory / "appspec.yml").write_text("\n".join(appspec) + "\n")
    revision = upload_bundle(devstack, directory, key)
    location = {"bucket": revision.bucket, "key": revision.key, "bundleType": "zip"}
    if revision.etag:
        location["eTag"] = revision.etag
    if revision.version:
        location["version"] = revision.version
    return {"revisionType": "S3", "s3Location": location}


def _register(devstack: DevstackState, codedeploy: Any, hosts: Sequence[Host]) -> None:
    """Register every host; host i carries tag key ``bench-n<size>`` for each size above i."""
    for host in hosts:
        codedeploy.register_on_premises_instance(
            instanceName=host.host_id, iamSessionArn=host_session_arn(devstack, host.host_id)
        )
    for size in sorted({count for _, count in CASES}):
        names = [host.host_id for host in hosts[:size]]
        for start in range(0, len(names), 10):
            codedeploy.add_tags_to_on_premises_instances(
                tags=[{"Key": f"bench-n{size}", "Value": ""}],
                instanceNames=names[start : start + 10],
            )


def _deploy(
    devstack: DevstackState,
    codedeploy: Any,
    meter: UsageMeter,
    *,
    application: str,
    group: str,
    revision: dict[str, Any],
    hosts: Sequence[Host],
    count: int,
) -> Run:
    for host in hosts[:count]:
        (host.root / "hooks.log").unlink(missing_ok=True)
    stepfunctions = devstack.aws_client("stepfunctions")
    machine = devstack.stack_outputs["ServerStateMachineArn"]
    meter.start()
    asked = time.time()
    deployment_id = codedeploy.create_deployment(
        applicationName=application,
        deploymentGroupName=group,
        revision=revision,
        # A distinct request each time: an identical one is taken as a retry of the last.
        description=f"bench {asked}",
    )["deploymentId"]
    created = time.time()
    execution_arn = machine.replace(":stateMachine:", ":execution:") + ":" + deployment_id
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while True:
        try:
            status = stepfunctions.describe_execution(executionArn=execution_arn)["status"]
        except stepfunctions.exceptions.ExecutionDoesNotExist:
            status = "RUNNING"
        if status != "RUNNING":
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{deployment_id} still running after {RUN_TIMEOUT_SECONDS}s")
        time.sleep(POLL_SECONDS)
    seen_ended = time.time()
    window = meter.read(own_operations=OWN_OPERATIONS)
    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    if info["status"] != "Succeeded":
        raise RuntimeError(
            f"{deployment_id} ended {info['status']}: {info.get('errorInformation')}"
        )
    spans = _lifecycle_spans(codedeploy, deployment_id)
    last_event_end = max(end for _, end in spans)
    hook_lines = [line for host in hosts[:count] for line in host.hook_lines()]
    first_hook = min(at for _, what, at in hook_lines if what == "start")
    critical_hooks = _critical_hook_seconds(hosts[:count], one_at_a_time="OneAtATime" in group)
    segments = count if "OneAtATime" in group else 1
    complete = info["completeTime"].timestamp()
    execution = execution_use(stepfunctions, execution_arn)
    log_bytes = (
        window.lambdas.log_bytes
        + execution.log_bytes
        + _api_requests(window.requests) * API_ACCESS_LOG_LINE_BYTES
        + agent_log_bytes(
            devstack.aws_client("logs"), devstack.stack_outputs["AgentLogGroupName"], deployment_id
        )
    )
    batch_writes = window.requests.get("dynamodb:BatchWriteItem", 0)
    assumptions = DynamoDbAssumptions(
        # CreateDeployment writes a target and a position item per host (plus the rest) in
        # batches of up to 25.
        items_per_batch_write=(2 * count / batch_writes) if batch_writes else 25.0,
    )
    usage = Usage(
        requests=window.requests,
        dynamodb_units=dynamodb_request_units(window.requests, assumptions),
        lambda_invocations=sum(window.lambdas.invocations.values()),
        lambda_gb_seconds=window.lambdas.gb_seconds,
        state_transitions=execution.state_transitions,
        log_bytes=log_bytes,
        xray_traces=1,  # the state machines trace; one trace per execution
    )
    return Run(
        create_ms=(created - asked) * 1000,
        first_hook_s=first_hook - created,
        last_event_end_s=last_event_end - created,
        complete_s=complete - created,
        seen_ended_s=seen_ended - created,
        overhead_per_segment_s=(complete - created - critical_hooks) / segments,
        overhead_to_last_event_per_segment_s=(last_event_end - created - critical_hooks) / segments,
        hook_seconds_on_critical_path=critical_hooks,
        handoff_s=_handoff_seconds(spans) if "OneAtATime" in group else None,
        requests=window.requests,
        usage=usage,
        lambda_invocations=dict(window.lambdas.invocations),
        idle_receives=window.idle_receives,
        window_s=seen_ended - asked,
        timeline=_timeline(execution.history, created),
    )


def _timeline(history: list[dict[str, Any]], created: float) -> list[tuple[str, float]]:
    """When each state was entered, in seconds after CreateDeployment returned."""
    return [
        (event["stateEnteredEventDetails"]["name"], event["timestamp"].timestamp() - created)
        for event in history
        if event["type"].endswith("StateEntered")
    ]


def _api_requests(requests: Counter[str]) -> int:
    return sum(count for key, count in requests.items() if key.startswith("execute-api:"))


def _lifecycle_spans(codedeploy: Any, deployment_id: str) -> list[tuple[float, float]]:
    """Each host's first event start and last event end, as its agent stamped them."""
    target_ids: list[str] = []
    request: dict[str, Any] = {"deploymentId": deployment_id}
    while True:
        page = codedeploy.list_deployment_targets(**request)
        target_ids += page["targetIds"]
        if not page.get("nextToken"):
            break
        request["nextToken"] = page["nextToken"]
    spans = []
    for start in range(0, len(target_ids), 25):
        targets = codedeploy.batch_get_deployment_targets(
            deploymentId=deployment_id, targetIds=target_ids[start : start + 25]
        )["deploymentTargets"]
        for target in targets:
            events = target["instanceTarget"]["lifecycleEvents"]
            starts = [e["startTime"].timestamp() for e in events if _is_time(e.get("startTime"))]
            ends = [e["endTime"].timestamp() for e in events if _is_time(e.get("endTime"))]
            if starts and ends:
                spans.append((min(starts), max(ends)))
    return spans


def _is_time(value: Any) -> bool:
    return isinstance(value, datetime)


def _handoff_seconds(spans: Sequence[tuple[float, float]]) -> float | None:
    """One host at a time: the median time from a host's last event end to the next host's first
    event start (its last report, the claim, the next command, the agent receiving it)."""
    ordered = sorted(spans)
    gaps = [after[0] - before[1] for before, after in pairwise(ordered)]
    return statistics.median(gaps) if gaps else None


def _critical_hook_seconds(hosts: Sequence[Host], *, one_at_a_time: bool) -> float:
    """Hook run time on the critical path: every host's in turn, or the slowest host's."""
    per_host = []
    for host in hosts:
        started: dict[str, float] = {}
        total = 0.0
        for event, what, at in host.hook_lines():
            if what == "start":
                started[event] = at
            elif event in started:
                total += at - started.pop(event)
        per_host.append(total)
    return sum(per_host) if one_at_a_time else max(per_host)


def _add_idle_cost(result: ScenarioResult, receives: ReceiveCounter, hosts: Sequence[Host]) -> None:
    """An idle agent's long polls: a per-host cost over time, not per deployment."""
    receives.reset()
    started = time.monotonic()
    time.sleep(AGENT_SETTINGS["poll_wait_seconds"] * 2)
    add_idle_agent_cost(result, receives.empty / len(hosts) / (time.monotonic() - started))
