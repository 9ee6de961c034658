"""Signing CodeDeploy requests for API Gateway: the one change a stock client needs.

API Gateway's IAM authorization verifies SigV4 for the ``execute-api`` service, so a CodeDeploy
request (botocore would sign it for ``codedeploy``) is re-targeted in botocore's ``before-sign``
event. Shared by the boto3 client helper (``rollwright.client``) and the AWS CLI plugin
(``rollwright.awscli_plugin``); it imports nothing, so the CLI's own botocore runs it.
"""

from __future__ import annotations

from typing import Any

SIGNING_NAME = "execute-api"
SIGNING_EVENT = "before-sign.codedeploy"


def sign_for_execute_api(request: Any, **_: Any) -> None:
    # botocore's signer reads the signing name from the request context after ``before-sign``.
    request.context.setdefault("signing", {})["signing_name"] = SIGNING_NAME
