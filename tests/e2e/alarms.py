"""The CloudWatch alarm the e2e tests watch: moto evaluates no metrics, so a test moves the alarm
itself (``set_alarm_state``), and the devstack sends CloudWatch's state-change event for it."""

from __future__ import annotations

from typing import Any


def put_quiet_alarm(cloudwatch: Any, name: str) -> None:
    """An alarm ``name`` on the E2E ``Errors`` metric (one error in a minute), in OK."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="Errors",
        Namespace="E2E",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="quiet")
