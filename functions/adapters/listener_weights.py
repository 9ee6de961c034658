"""Elastic Load Balancing v2 for ECS deployments: target groups by name, and the weights of a
listener's default forward action (``ListenerWeights`` of ``rollwright.ecs_records``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import error_code

_MISSING = {"TargetGroupNotFound", "ListenerNotFound", "ValidationError"}


class ElbListenerWeights:
    def __init__(self, elbv2_client: Any) -> None:
        self._elbv2 = elbv2_client

    def target_group_arns(self, names: tuple[str, ...]) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in names:  # one call each: a missing name fails the whole call
            try:
                groups = self._elbv2.describe_target_groups(Names=[name])["TargetGroups"]
            except ClientError as error:
                if error_code(error) in _MISSING:
                    continue
                raise
            if groups:
                found[name] = str(groups[0]["TargetGroupArn"])
        return found

    def listener_exists(self, listener_arn: str) -> bool:
        try:
            self._elbv2.describe_listeners(ListenerArns=[listener_arn])
        except ClientError as error:
            if error_code(error) in _MISSING:
                return False
            raise
        return True

    def forward(self, listener_arn: str, weights: Mapping[str, int]) -> None:
        self._elbv2.modify_listener(
            ListenerArn=listener_arn,
            DefaultActions=[
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": arn, "Weight": weight}
                            for arn, weight in weights.items()
                        ]
                    },
                }
            ],
        )

    def weights(self, listener_arn: str) -> dict[str, int]:
        (listener,) = self._elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"]
        weights: dict[str, int] = {}
        for action in listener.get("DefaultActions") or ():
            if action.get("Type") != "forward":
                continue
            groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
            if groups:
                weights.update({g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups})
            elif action.get("TargetGroupArn"):
                weights[action["TargetGroupArn"]] = 1
        return weights
