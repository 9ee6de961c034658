"""A devstack gateway on a free port with a temporary state directory, shared by this package."""

from __future__ import annotations

import io
import json
import socket
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack import launcher
from devstack.state import DevstackState

FunctionFactory = Callable[..., str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def zip_source(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, source)
    return buffer.getvalue()


def wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="session")
def devstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevstackState]:
    state_dir = tmp_path_factory.mktemp("devstack")
    state = launcher.start(state_dir, free_port(), template_dir=None)
    yield state
    launcher.stop(state_dir)


@pytest.fixture(scope="session")
def aws(devstack: DevstackState) -> Callable[[str], Any]:
    return devstack.aws_client


@pytest.fixture(scope="session")
def execution_role(aws: Callable[[str], Any]) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = aws("iam").create_role(
        RoleName="test-lambda", AssumeRolePolicyDocument=json.dumps(trust)
    )
    return str(role["Role"]["Arn"])


@pytest.fixture(scope="session")
def create_function(aws: Callable[[str], Any], execution_role: str) -> FunctionFactory:
    """Create a Python function from source through the Lambda API; returns its name."""
    counter = iter(range(1_000_000))

    def create(source: str, *, timeout: int = 3, environment: dict[str, str] | None = None) -> str:
        name = f"test-function-{next(counter)}"
        aws("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=execution_role,
            Handler="app.handler",
            Code={"ZipFile": zip_source({"app.py": source})},
            Timeout=timeout,
            Environment={"Variables": environment or {}},
        )
        return name

    return create


@pytest.fixture(scope="session")
def recorder_source() -> str:
    """A function that keeps every event it receives in an SQS queue named by RECORD_QUEUE."""
    return (
        "import json, os, boto3\n"
        "def handler(event, context):\n"
        "    sqs = boto3.client('sqs')\n"
        "    url = sqs.get_queue_url(QueueName=os.environ['RECORD_QUEUE'])['QueueUrl']\n"
        "    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))\n"
        "    return {'recorded': True}\n"
    )


@pytest.fixture(scope="session")
def recorded_events(aws: Callable[[str], Any]) -> Callable[[str], list[dict[str, Any]]]:
    """Read back what a recorder function kept (waiting until something arrives)."""

    def read(queue_name: str) -> list[dict[str, Any]]:
        sqs = aws("sqs")
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]

        def receive() -> list[dict[str, Any]]:
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            return [json.loads(message["Body"]) for message in messages]

        return list(wait_for(receive))

    return read


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small cdk.out in CDK's shape: an IAM-authorized REST API on a Lambda function asset."""
    directory = tmp_path_factory.mktemp("cdk.out")
    asset = directory / "asset.echo"
    asset.mkdir()
    (asset / "index.py").write_text(ECHO_HANDLER)
    (directory / "manifest.json").write_text(json.dumps(MANIFEST))
    (directory / "Sample.assets.json").write_text(json.dumps(ASSETS))
    (directory / "Sample.template.json").write_text(json.dumps(SAMPLE_TEMPLATE))
    return directory


ECHO_HANDLER = """
import base64, json
def handler(event, context):
    if event["path"].endswith("/fail"):
        raise RuntimeError("boom")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Echo": "yes"},
        "body": json.dumps(event),
    }
"""
MANIFEST = {
    "version": "48.0.0",
    "artifacts": {
        "Sample.assets": {
            "type": "cdk:asset-manifest",
            "properties": {"file": "Sample.assets.json"},
        },
        "Sample": {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": "Sample.template.json"},
            "dependencies": ["Sample.assets"],
            "displayName": "Sample",
        },
    },
}
ASSETS = {
    "version": "48.0.0",
    "files": {
        "echo": {
            "source": {"path": "asset.echo", "packaging": "zip"},
            "destinations": {
                "current_account-current_region": {
                    "bucketName": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}",
                    "objectKey": "echo.zip",
                }
            },
        }
    },
}
_FUNCTION_ARN = {"Fn::GetAtt": ["EchoFunction", "Arn"]}
_INTEGRATION = {
    "Type": "AWS_PROXY",
    "IntegrationHttpMethod": "POST",
    "Uri": {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":apigateway:",
                {"Ref": "AWS::Region"},
                ":lambda:path/2015-03-31/functions/",
                _FUNCTION_ARN,
                "/invocations",
            ],
        ]
    },
}
SAMPLE_TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/cdk-bootstrap/hnb659fds/version",
        }
    },
    "Resources": {
        "EchoRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
        "EchoFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {
                    "S3Bucket": {
                        "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
                    },
                    "S3Key": "echo.zip",
                },
                "Handler": "index.handler",
                "Runtime": "python3.12",
                "Role": {"Fn::GetAtt": ["EchoRole", "Arn"]},
                "Layers": ["arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertools:1"],
            },
            "DependsOn": ["EchoRole"],
        },
        "Api": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {"Name": "sample", "BinaryMediaTypes": ["application/cbor"]},
        },
        "ApiService": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "service",
                "RestApiId": {"Ref": "Api"},
            },
        },
        "ApiServiceProxy": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "ParentId": {"Ref": "ApiService"},
                "PathPart": "{proxy+}",
                "RestApiId": {"Ref": "Api"},
            },
        },
        "ApiRootPost": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "HttpMethod": "POST",
                "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "RestApiId": {"Ref": "Api"},
                "AuthorizationType": "AWS_IAM",
                "Integration": _INTEGRATION,
            },
        },
        "ApiServiceProxyPost": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "HttpMethod": "POST",
                "ResourceId": {"Ref": "ApiServiceProxy"},
                "RestApiId": {"Ref": "Api"},
                "AuthorizationType": "AWS_IAM",
                "Integration": _INTEGRATION,
            },
        },
        "ApiDeployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": {"Ref": "Api"}},
            "DependsOn": ["ApiRootPost", "ApiServiceProxyPost"],
        },
        "ApiStage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "DeploymentId": {"Ref": "ApiDeployment"},
                "StageName": "v1",
            },
        },
        "EchoPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": _FUNCTION_ARN,
                "Principal": "apigateway.amazonaws.com",
            },
        },
    },
    "Outputs": {
        "ApiUrl": {
            "Value": {
                "Fn::Join": [
                    "",
                    [
                        "https://",
                        {"Ref": "Api"},
                        ".execute-api.",
                        {"Ref": "AWS::Region"},
                        ".",
                        {"Ref": "AWS::URLSuffix"},
                        "/",
                        {"Ref": "ApiStage"},
                        "/",
                    ],
                ]
            }
        },
        "FunctionName": {"Value": {"Ref": "EchoFunction"}},
    },
}
