"""The agent's reporter signs as a host session well enough for the devstack's API Gateway."""

import json

import boto3

from agent.identity import assume_host_role
from agent.reporter import AgentApiReporter


def test_the_devstack_agent_route_accepts_the_signature_of_a_host_session(devstack):
    # Given a host role on the devstack and the agent acting as a tagged session of it
    session = boto3.session.Session(
        aws_access_key_id=devstack.access_key_id,
        aws_secret_access_key=devstack.secret_access_key,
        region_name=devstack.region,
    )
    role_arn = session.client("iam", endpoint_url=devstack.aws_endpoint_url).create_role(
        RoleName="agent-reporter-host-role",
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
    identity = assume_host_role(
        session,
        host_role_arn=role_arn,
        host_id="i-0devstack",
        region=devstack.region,
        endpoint_url=devstack.aws_endpoint_url,
    )
    reporter = AgentApiReporter(
        api_url=devstack.api_url,
        credentials=identity.session.get_credentials(),
        region=devstack.region,
    )
    # When the reporter's signing posts to the ping route, API Gateway's IAM check lets it in
    assert reporter.send("/agent/v1/ping", b"{}") is None
