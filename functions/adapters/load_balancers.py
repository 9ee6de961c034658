"""Classic load balancers and ELBv2 target groups: the ``LoadBalancers`` of ``traffic_control``.

Instances are registered by id alone (a target group's own port). Target groups are named in the
deployment group and looked up by name (DescribeTargetGroups, up to 20 names a call); their ARNs
and deregistration delays are kept for the life of the Lambda environment. Every change is
idempotent: an instance already out (or in) is left as it is, so a retried or doubled step is
harmless. A missing load balancer or target group, or a refused change, is a
``LoadBalancerError`` naming it.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from rollwright.traffic_control import (
    DEFAULT_DEREGISTRATION_DELAY_SECONDS,
    LoadBalancerError,
    TrafficState,
    TrafficTargets,
)

_NAMES_PER_CALL = 20
# A target group's ``unused`` target is registered nowhere; ``draining`` is on its way out.
_OUT_STATES = {"unused"}
_LEAVING_STATES = {"draining"}
_NOT_REGISTERED = {"InvalidTarget", "InvalidInstance"}


class ElasticLoadBalancers:
    def __init__(self, elb: Any, elbv2: Any) -> None:
        self._elb = elb
        self._elbv2 = elbv2
        self._arns: dict[str, str] = {}
        self._delays: dict[str, int] = {}

    def deregister(self, instance_id: str, targets: TrafficTargets) -> int:
        instance = [{"InstanceId": instance_id}]
        for name in targets.elb_names:
            self._call(
                f"classic load balancer {name}",
                self._elb.deregister_instances_from_load_balancer,
                LoadBalancerName=name,
                Instances=instance,
            )
        delay = 0
        for name, arn in self._target_groups(targets).items():
            registered = [
                {"Id": description["Target"]["Id"], "Port": description["Target"]["Port"]}
                for description in self._health(name, arn)
                if description["Target"]["Id"] == instance_id
                and description["TargetHealth"]["State"] not in _OUT_STATES
            ]
            if registered:
                self._call(
                    f"target group {name}",
                    self._elbv2.deregister_targets,
                    TargetGroupArn=arn,
                    Targets=registered,
                    tolerate=_NOT_REGISTERED,
                )
            delay = max(delay, self._deregistration_delay(name, arn))
        return delay

    def register(self, instance_id: str, targets: TrafficTargets) -> None:
        for name in targets.elb_names:
            self._call(
                f"classic load balancer {name}",
                self._elb.register_instances_with_load_balancer,
                LoadBalancerName=name,
                Instances=[{"InstanceId": instance_id}],
            )
        for name, arn in self._target_groups(targets).items():
            self._call(
                f"target group {name}",
                self._elbv2.register_targets,
                TargetGroupArn=arn,
                Targets=[{"Id": instance_id}],
            )

    def state(self, instance_id: str, targets: TrafficTargets) -> TrafficState:
        places: list[str] = []  # "in", "out" or "leaving", one per load balancer / target group
        if targets.elb_names:
            described = self._call(
                "classic load balancers " + ", ".join(targets.elb_names),
                self._elb.describe_load_balancers,
                LoadBalancerNames=list(targets.elb_names),
            )
            for balancer in described["LoadBalancerDescriptions"]:
                ids = {instance["InstanceId"] for instance in balancer.get("Instances", [])}
                places.append("in" if instance_id in ids else "out")
        for name, arn in self._target_groups(targets).items():
            states = {
                description["TargetHealth"]["State"]
                for description in self._health(name, arn)
                if description["Target"]["Id"] == instance_id
            } - _OUT_STATES
            if not states:
                places.append("out")
            elif states & _LEAVING_STATES:
                places.append("leaving")
            else:
                places.append("in")
        if all(place == "in" for place in places):
            return TrafficState.REGISTERED
        if all(place == "out" for place in places):
            return TrafficState.DEREGISTERED
        return TrafficState.CHANGING

    # --- target groups ----------------------------------------------------------------------------

    def _target_groups(self, targets: TrafficTargets) -> dict[str, str]:
        """The target groups' ARNs by name, in the deployment group's order."""
        missing = [name for name in targets.target_group_names if name not in self._arns]
        for start in range(0, len(missing), _NAMES_PER_CALL):
            names = missing[start : start + _NAMES_PER_CALL]
            described = self._call(
                "target groups " + ", ".join(names),
                self._elbv2.describe_target_groups,
                Names=names,
            )
            for group in described["TargetGroups"]:
                self._arns[group["TargetGroupName"]] = group["TargetGroupArn"]
        return {name: self._arns[name] for name in targets.target_group_names}

    def _health(self, name: str, arn: str) -> list[dict[str, Any]]:
        described = self._call(
            f"target group {name}", self._elbv2.describe_target_health, TargetGroupArn=arn
        )
        descriptions: list[dict[str, Any]] = described["TargetHealthDescriptions"]
        return descriptions

    def _deregistration_delay(self, name: str, arn: str) -> int:
        if name not in self._delays:
            described = self._call(
                f"target group {name}",
                self._elbv2.describe_target_group_attributes,
                TargetGroupArn=arn,
            )
            values = {a["Key"]: a["Value"] for a in described["Attributes"]}
            self._delays[name] = int(
                values.get(
                    "deregistration_delay.timeout_seconds", DEFAULT_DEREGISTRATION_DELAY_SECONDS
                )
            )
        return self._delays[name]

    @staticmethod
    def _call(
        what: str, operation: Any, *, tolerate: set[str] | None = None, **arguments: Any
    ) -> Any:
        try:
            return operation(**arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if tolerate and code in tolerate:
                return {}
            message = error.response.get("Error", {}).get("Message", "")
            raise LoadBalancerError(
                f"Elastic Load Balancing refused {what}: {code} {message}"
            ) from error
