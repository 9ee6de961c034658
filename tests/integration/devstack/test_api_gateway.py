"""API Gateway from a deployed CDK template: routes, Lambda proxy events and SigV4 (AWS_IAM)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from devstack.state import DevstackState


@pytest.fixture(scope="module")
def deployed(devstack: DevstackState, template_dir: Path) -> dict[str, Any]:
    response = requests.post(
        f"{devstack.aws_endpoint_url}/_devstack/stacks",
        json={"template_dir": str(template_dir), "stack_name": "Sample"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def signed_post(
    url: str,
    body: bytes,
    credentials: Credentials,
    content_type: str = "application/x-amz-json-1.1",
) -> requests.Response:
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": content_type})
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return requests.post(url, data=body, headers=dict(request.headers.items()), timeout=30)


def operator(devstack: DevstackState) -> Credentials:
    return Credentials(devstack.access_key_id, devstack.secret_access_key)


def test_deploying_a_template_serves_its_api_at_the_local_url(
    devstack: DevstackState, deployed: dict[str, Any]
) -> None:
    # Given the sample template deployed
    # When its outputs are read
    api_url = deployed["outputs"]["ApiUrl"]

    # Then the API URL is the gateway's, with the stage and no trailing slash
    api_id = deployed["rest_apis"][0]["id"]
    assert api_url == f"{devstack.aws_endpoint_url}/_api/{api_id}/v1"


def test_deploying_twice_changes_nothing(devstack: DevstackState, template_dir: Path) -> None:
    # Given the sample template deployed once
    first = requests.post(
        f"{devstack.aws_endpoint_url}/_devstack/stacks",
        json={"template_dir": str(template_dir), "stack_name": "Sample"},
        timeout=120,
    ).json()

    # When it is deployed again
    second = requests.post(
        f"{devstack.aws_endpoint_url}/_devstack/stacks",
        json={"template_dir": str(template_dir), "stack_name": "Sample"},
        timeout=120,
    ).json()

    # Then the stack is not created again and nothing is duplicated
    assert second["created"] is False
    assert second["outputs"] == first["outputs"]
    lambda_client = boto3.client(
        "lambda",
        endpoint_url=devstack.aws_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="any",
        aws_secret_access_key="any",
    )
    names = [f["FunctionName"] for f in lambda_client.list_functions()["Functions"]]
    assert sum(1 for name in names if name.startswith("Sample-EchoFunction")) == 1


def test_a_signed_request_reaches_the_function_with_the_caller_identity(
    devstack: DevstackState, deployed: dict[str, Any]
) -> None:
    # Given the operator's credentials
    # When it signs a request to the API root
    response = signed_post(deployed["outputs"]["ApiUrl"] + "/", b"{}", operator(devstack))

    # Then the function received a REST proxy event naming the verified IAM user
    assert response.status_code == 200, response.text
    assert response.headers["X-Echo"] == "yes"
    event = response.json()
    assert event["resource"] == "/"
    assert event["path"] == "/"
    assert event["httpMethod"] == "POST"
    context = event["requestContext"]
    assert context["stage"] == "v1"
    assert context["accountId"] == "123456789012"
    assert context["identity"]["userArn"] == "arn:aws:iam::123456789012:user/rollwright-operator"
    assert context["identity"]["accessKey"] == devstack.access_key_id


def test_a_greedy_path_and_binary_body_reach_the_function(
    devstack: DevstackState, deployed: dict[str, Any]
) -> None:
    # Given a CBOR body, a binary media type of the API
    body = bytes([0xA1, 0x61, 0x61, 0x01])
    url = deployed["outputs"]["ApiUrl"] + "/service/CodeDeploy_20141006/operation/ListApplications"

    # When it is posted, signed, to the greedy path
    response = signed_post(url, body, operator(devstack), content_type="application/cbor")

    # Then the proxy event has the path parameter and the body base64-encoded
    event = response.json()
    assert event["resource"] == "/service/{proxy+}"
    assert event["path"] == "/service/CodeDeploy_20141006/operation/ListApplications"
    assert event["pathParameters"] == {"proxy": "CodeDeploy_20141006/operation/ListApplications"}
    assert event["isBase64Encoded"] is True
    assert event["body"] == "oWFhAQ=="


def test_an_assumed_role_is_identified_by_its_session_arn(
    devstack: DevstackState, deployed: dict[str, Any], aws: Callable[[str], Any]
) -> None:
    # Given credentials of an assumed role
    role_arn = aws("iam").create_role(RoleName="host-role", AssumeRolePolicyDocument="{}")["Role"][
        "Arn"
    ]
    assumed = aws("sts").assume_role(RoleArn=role_arn, RoleSessionName="host-1")["Credentials"]
    credentials = Credentials(
        assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"]
    )

    # When they sign a request
    response = signed_post(deployed["outputs"]["ApiUrl"] + "/", b"{}", credentials)

    # Then the function sees the assumed-role ARN
    identity = response.json()["requestContext"]["identity"]
    assert identity["userArn"] == "arn:aws:sts::123456789012:assumed-role/host-role/host-1"


def test_an_unsigned_request_is_missing_its_token(deployed: dict[str, Any]) -> None:
    # Given no signature
    # When a request is posted
    response = requests.post(deployed["outputs"]["ApiUrl"] + "/", data=b"{}", timeout=10)

    # Then API Gateway's 403 comes back
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_an_unknown_access_key_is_an_invalid_token(deployed: dict[str, Any]) -> None:
    # Given a key moto's IAM never issued
    credentials = Credentials("AKIAUNKNOWNKEY000000", "secret")

    # When it signs a request
    response = signed_post(deployed["outputs"]["ApiUrl"] + "/", b"{}", credentials)

    # Then the token is reported invalid
    assert response.status_code == 403
    assert response.json() == {"message": "The security token included in the request is invalid."}


def test_a_wrong_secret_is_a_signature_mismatch(
    devstack: DevstackState, deployed: dict[str, Any]
) -> None:
    # Given the operator's key with a wrong secret
    credentials = Credentials(devstack.access_key_id, "not-the-secret")

    # When it signs a request
    response = signed_post(deployed["outputs"]["ApiUrl"] + "/", b"{}", credentials)

    # Then the signature does not match
    assert response.status_code == 403
    assert response.json()["message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_a_body_changed_after_signing_is_a_signature_mismatch(
    devstack: DevstackState, deployed: dict[str, Any]
) -> None:
    # Given a request signed for one body
    url = deployed["outputs"]["ApiUrl"] + "/"
    request = AWSRequest(method="POST", url=url, data=b"{}", headers={})
    SigV4Auth(operator(devstack), "execute-api", "us-east-1").add_auth(request)

    # When another body is sent with that signature
    response = requests.post(
        url, data=b'{"x": 1}', headers=dict(request.headers.items()), timeout=10
    )

    # Then the signature does not match
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_a_function_error_is_an_internal_server_error(
    devstack: DevstackState, deployed: dict[str, Any]
) -> None:
    # Given the function raises for paths ending in /fail
    url = deployed["outputs"]["ApiUrl"] + "/service/fail"

    # When it is called
    response = signed_post(url, b"{}", operator(devstack))

    # Then API Gateway answers 502
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
