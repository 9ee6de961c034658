"""The figures of the in-place deployment benchmark: one measured deployment (``Run``), the
medians of a case's runs, and an idle agent's cost."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.cost_model import RequestUnits, Usage, cost
from bench.report import ScenarioResult

SECONDS_PER_MONTH = 30 * 24 * 3600


@dataclass(frozen=True)
class Run:
    """One measured deployment."""

    create_ms: float
    first_hook_s: float
    last_event_end_s: float
    complete_s: float
    seen_ended_s: float
    overhead_per_segment_s: float
    overhead_to_last_event_per_segment_s: float
    hook_seconds_on_critical_path: float
    requests: Counter[str]
    usage: Usage
    lambda_invocations: dict[str, int]
    idle_receives: int
    window_s: float
    timeline: list[tuple[str, float]]
    # One host at a time: last event end of a host → first event start of the next (median).
    handoff_s: float | None = None


def add_case(
    result: ScenarioResult, subject: str, runs: list[Run], count: int, segments: int
) -> None:
    def median(values: Sequence[float]) -> float:
        return statistics.median(values)

    result.add(subject, "CreateDeployment latency", median([r.create_ms for r in runs]), "ms")
    result.add(subject, "to first hook start", median([r.first_hook_s for r in runs]), "s")
    result.add(
        subject, "to last lifecycle event end", median([r.last_event_end_s for r in runs]), "s"
    )
    result.add(subject, "to Succeeded (completeTime)", median([r.complete_s for r in runs]), "s")
    result.add(subject, "to Succeeded (polled)", median([r.seen_ended_s for r in runs]), "s")
    result.add(
        subject,
        "hook run time, critical path",
        median([r.hook_seconds_on_critical_path for r in runs]),
        "s",
    )
    result.add(
        subject,
        f"overhead per segment ({segments} on the critical path)",
        median([r.overhead_per_segment_s for r in runs]),
        "s",
    )
    result.add(
        subject,
        "overhead per segment, to last event end",
        median([r.overhead_to_last_event_per_segment_s for r in runs]),
        "s",
    )
    handoffs = [r.handoff_s for r in runs if r.handoff_s is not None]
    if handoffs:
        result.add(
            subject,
            "host-to-host handoff (last event end to next first event start)",
            median(handoffs),
            "s",
        )
    per_run_costs = [cost(r.usage) for r in runs]
    totals = [c.total for c in per_run_costs]
    # In millionths of a dollar: the table prints three decimals.
    result.add(subject, "cost per deployment", median(totals) * 1e6, "µUSD")
    result.add(subject, "cost per host-update", median(totals) / count * 1e6, "µUSD")
    typical = runs[totals.index(sorted(totals)[len(totals) // 2])]
    typical_cost = per_run_costs[runs.index(typical)]
    by_service: Counter[str] = Counter()
    for key, number in typical.requests.items():
        by_service[key.partition(":")[0]] += number
    for service, number in sorted(by_service.items()):
        result.add(subject, f"requests {service} per host-update", number / count, "requests")
    result.add(
        subject,
        "Step Functions transitions per deployment",
        typical.usage.state_transitions,
        "transitions",
    )
    result.add(
        subject, "Lambda GB-s per host-update", typical.usage.lambda_gb_seconds / count, "GB-s"
    )
    result.details[subject] = {
        "hosts": count,
        "segments_on_critical_path": segments,
        "runs": [
            {
                "create_ms": r.create_ms,
                "first_hook_s": r.first_hook_s,
                "last_event_end_s": r.last_event_end_s,
                "complete_s": r.complete_s,
                "seen_ended_s": r.seen_ended_s,
                "hook_seconds_on_critical_path": r.hook_seconds_on_critical_path,
                "overhead_per_segment_s": r.overhead_per_segment_s,
                "handoff_s": r.handoff_s,
                "usd": c.total,
                "window_s": r.window_s,
                "idle_receives_excluded": r.idle_receives,
            }
            for r, c in zip(runs, per_run_costs, strict=True)
        ],
        "median_run": {
            "states_entered_s_after_create": typical.timeline,
            "aws_requests": dict(typical.requests),
            "lambda_invocations": typical.lambda_invocations,
            "lambda_gb_seconds": typical.usage.lambda_gb_seconds,
            "dynamodb_units": {
                "read": typical.usage.dynamodb_units.read,
                "write": typical.usage.dynamodb_units.write,
            },
            "state_transitions": typical.usage.state_transitions,
            "log_bytes": typical.usage.log_bytes,
            "usd_by_line_item": typical_cost.line_items,
            "unpriced_requests": typical_cost.unpriced,
        },
    }


def add_idle_agent_cost(result: ScenarioResult, polls_per_host_second: float) -> None:
    """An idle agent's long polls: a per-host cost over time, not per deployment."""
    polls_per_month = polls_per_host_second * SECONDS_PER_MONTH
    usd = cost(
        Usage(requests={"sqs:ReceiveMessage": polls_per_month}, dynamodb_units=RequestUnits(0, 0))
    ).total
    result.add("idle agent", "SQS long polls per host-month", polls_per_month, "requests")
    result.add("idle agent", "USD per host-month", usd, "USD")
