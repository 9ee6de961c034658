"""The AWS CLI plugin signs CodeDeploy requests for execute-api, as the client helper does."""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSRequest
from botocore.hooks import HierarchicalEmitter

from rollwright.awscli_plugin import awscli_initialize


def test_a_codedeploy_request_is_signed_for_execute_api_once_the_plugin_is_loaded() -> None:
    # Given the CLI's session emitter with the plugin initialized
    emitter = HierarchicalEmitter()
    awscli_initialize(emitter)
    request = AWSRequest(method="POST", url="https://api.example/v1")
    request.context = {"signing": {"signing_name": "codedeploy"}}
    # When botocore emits before-sign for a CodeDeploy operation
    emitter.emit("before-sign.codedeploy.ListApplications", request=request)
    # Then the request is signed for API Gateway
    assert request.context["signing"]["signing_name"] == "execute-api"


def test_other_services_are_left_alone() -> None:
    emitter = HierarchicalEmitter()
    awscli_initialize(emitter)
    request: Any = AWSRequest(method="GET", url="https://s3.example/")
    request.context = {"signing": {"signing_name": "s3"}}
    emitter.emit("before-sign.s3.ListBuckets", request=request)
    assert request.context["signing"]["signing_name"] == "s3"
