"""The one way Rollwright builds a Lambda function: runtime, logging, Powertools and code."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    AssetHashType,
    BundlingOptions,
    Duration,
    ILocalBundling,
    RemovalPolicy,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_lambda_powertools.shared import version as powertools_version
from constructs import Construct

from stacks.accepted_findings import accept

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent

# The only packages a function needs at run time; boto3 comes with the runtime, Powertools with its
# layer. Tests, the agent, the devstack and the virtual environment stay out of the asset.
PACKAGED_DIRECTORIES = ("functions", "rollwright")
_LEFT_OUT_OF_ASSET = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".*")

# The official public Powertools for AWS Lambda (Python) v3 layer, published by AWS in every region.
# AWS publishes each release's layer ARN as a public SSM parameter, so the layer follows the version
# pinned in requirements.txt (the one installed here) and CloudFormation resolves it at deploy time.
POWERTOOLS_VERSION = powertools_version.VERSION
POWERTOOLS_LAYER_ARN = (
    "{{resolve:ssm:/aws/service/powertools/python/arm64/python3.12/" + POWERTOOLS_VERSION + "}}"
)

METRICS_NAMESPACE = "Rollwright"
DEFAULT_TIMEOUT = Duration.seconds(30)


@jsii.implements(ILocalBundling)
class CopyPackages:
    """Bundles the Lambda asset on this machine by copying the packaged directories.

    No Docker: the functions are pure Python whose dependencies come from the runtime and the
    Powertools layer, so there is nothing to build or pip-install.
    """

    def try_bundle(self, output_dir: str, *_args: Any, **_options: Any) -> bool:
        for package in PACKAGED_DIRECTORIES:
            shutil.copytree(
                REPOSITORY_ROOT / package,
                Path(output_dir) / package,
                ignore=_LEFT_OUT_OF_ASSET,
                dirs_exist_ok=True,
            )
        return True


def control_plane_code() -> lambda_.Code:
    """The asset shared by every function: ``functions/`` and ``rollwright/`` only.

    Its hash is taken from the bundled output, so any change to either package (and nothing else)
    produces a new asset.
    """
    return lambda_.Code.from_asset(
        str(REPOSITORY_ROOT),
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            # Named because the API requires an image; CopyPackages always succeeds, so it is
            # never pulled.
            image=lambda_.Runtime.PYTHON_3_12.bundling_image,
            local=CopyPackages(),
        ),
    )


class PythonFunction(Construct):
    """A control-plane Lambda function: Python 3.12 on arm64, JSON logs, Powertools.

    The function gets its own role with no managed policy: it may write its own log group and
    whatever the stack grants it, nothing else.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        service_name: str,
        environment: Mapping[str, str],
        timeout: Duration = DEFAULT_TIMEOUT,
        memory_size: int = 256,
        log_level: str = "INFO",
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Rollwright {service_name} function",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=control_plane_code(),
            layers=[
                lambda_.LayerVersion.from_layer_version_arn(
                    self, "PowertoolsLayer", POWERTOOLS_LAYER_ARN
                )
            ],
            environment={
                **environment,
                "POWERTOOLS_SERVICE_NAME": service_name,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": log_level,
            },
            timeout=timeout,
            memory_size=memory_size,
            role=self.role,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=self.log_group,
            dead_letter_queue=dead_letter_queue,
        )
        accept(
            self.function,
            "AwsSolutions-L1",
            reason=(
                "Pinned to python3.12 (supported by Lambda into 2028), the runtime the Powertools "
                "layer ARN above names; moving on changes both here, together."
            ),
        )
