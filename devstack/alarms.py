"""The CloudWatch alarms that tests, benchmarks and demos watch on the devstack: moto evaluates no
metrics, so the caller moves an alarm itself (``set_alarm_state``), and the devstack sends
CloudWatch's state-change event for it (``alarm_events``)."""

from __future__ import annotations

from typing import Any


def put_quiet_alarm(cloudwatch: Any, name: str, *, namespace: str = "E2E") -> None:
    """An alarm ``name`` on the ``Errors`` metric of ``namespace`` (one error in a minute), in
    OK."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="Errors",
        Namespace=namespace,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="quiet")
