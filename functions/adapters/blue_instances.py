"""Terminating a blue/green deployment's original (blue) instances: the ``BlueInstances`` of
``rollwright.blue_green_rollout``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# TerminateInstances takes at most 1,000 ids per call (CodeDeploy's deployment limit is 1,000).
_PER_CALL = 1000


class Ec2BlueInstances:
    def __init__(self, ec2: Any) -> None:
        self._ec2 = ec2

    def terminate(self, instance_ids: Sequence[str]) -> None:
        """Already terminated instances are fine (EC2 answers them as terminated)."""
        ids = list(instance_ids)
        for start in range(0, len(ids), _PER_CALL):
            self._ec2.terminate_instances(InstanceIds=ids[start : start + _PER_CALL])
