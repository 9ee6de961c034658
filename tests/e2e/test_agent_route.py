"""The agent route on the devstack: a host signs as its own session; the agent function sees it."""

import json

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def _signed_post(url, credentials, region):
    request = AWSRequest(
        method="POST", url=url, data=b"{}", headers={"Content-Type": "application/json"}
    )
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return requests.post(url, data=b"{}", headers=dict(request.headers), timeout=10)


def test_a_host_session_reaches_the_agent_function_as_itself(devstack):
    # Given a host acting as a tagged session of a host role
    session = boto3.session.Session(
        aws_access_key_id=devstack.access_key_id,
        aws_secret_access_key=devstack.secret_access_key,
        region_name=devstack.region,
    )
    iam = session.client("iam", endpoint_url=devstack.aws_endpoint_url)
    role_arn = iam.create_role(
        RoleName="e2e-host-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{devstack.account_id}:root"},
                        "Action": ["sts:AssumeRole", "sts:TagSession"],
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    assumed = session.client("sts", endpoint_url=devstack.aws_endpoint_url).assume_role(
        RoleArn=role_arn,
        RoleSessionName="host-7",
        Tags=[{"Key": "rollwright:host", "Value": "host-7"}],
    )["Credentials"]
    credentials = Credentials(
        assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"]
    )
    # When it calls the agent route
    response = _signed_post(f"{devstack.api_url}/agent/v1/ping", credentials, devstack.region)
    # Then the agent function answers with the host's own session identity
    assert response.status_code == 200, response.text
    assert response.json() == {
        "callerArn": f"arn:aws:sts::{devstack.account_id}:assumed-role/e2e-host-role/host-7"
    }


def test_an_unknown_agent_route_is_not_found(devstack):
    credentials = Credentials(devstack.access_key_id, devstack.secret_access_key)
    response = _signed_post(f"{devstack.api_url}/agent/v1/nothing", credentials, devstack.region)
    assert response.status_code == 404


def test_an_unsigned_agent_call_is_refused(devstack):
    response = requests.post(f"{devstack.api_url}/agent/v1/ping", data=b"{}", timeout=10)
    assert response.status_code == 403
