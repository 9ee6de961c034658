"""The partition, region and account the control plane runs in, for the ARNs it hands out.

The domain reads no environment: the api function learns these from its own ARN (the Lambda
context's ``invoked_function_arn``) and passes them in as this value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FUNCTION_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:.+"
)


@dataclass(frozen=True)
class AccountRegion:
    partition: str
    region: str
    account_id: str

    @classmethod
    def of_function(cls, function_arn: str) -> AccountRegion:
        match = _FUNCTION_ARN.fullmatch(function_arn)
        if match is None:
            raise ValueError(f"{function_arn!r} is not a Lambda function ARN")
        return cls(match["partition"], match["region"], match["account"])

    def codedeploy_arn(self, resource: str) -> str:
        return f"arn:{self.partition}:codedeploy:{self.region}:{self.account_id}:{resource}"
