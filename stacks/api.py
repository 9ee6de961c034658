"""The REST API: CodeDeploy's two wire protocols for pipelines, the agent protocol for hosts."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.accepted_findings import accept

STAGE_NAME = "v1"
CBOR_MEDIA_TYPE = "application/cbor"
# A guard against a runaway client, far above what a thousand agents and their pipelines need.
THROTTLING_RATE_LIMIT = 500
THROTTLING_BURST_LIMIT = 1000


class CodeDeployApi(Construct):
    """A REST API with IAM (SigV4) authorization on every method and Lambda proxy integrations.

    ``POST /`` serves JSON 1.1 (``X-Amz-Target``), ``POST /service/{proxy+}`` Smithy RPC v2 CBOR
    (``/service/CodeDeploy_20141006/operation/<Op>``), both to the api function;
    ``POST /agent/{proxy+}`` serves the agent protocol from the agent function.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_function: lambda_.IFunction,
        agent_function: lambda_.IFunction,
        access_log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_log_group = logs.LogGroup(
            self,
            "AccessLogs",
            retention=access_log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.rest_api = apigateway.RestApi(
            self,
            "RestApi",
            description="Rollwright: the CodeDeploy API and the agent protocol",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            binary_media_types=[CBOR_MEDIA_TYPE],
            default_method_options=apigateway.MethodOptions(
                authorization_type=apigateway.AuthorizationType.IAM
            ),
            # Stage logging needs API Gateway's account-level CloudWatch role.
            cloud_watch_role=True,
            deploy_options=apigateway.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigateway.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                throttling_rate_limit=THROTTLING_RATE_LIMIT,
                throttling_burst_limit=THROTTLING_BURST_LIMIT,
            ),
        )
        # The stack names its outputs itself (ApiUrl); drop the one RestApi adds on its own.
        self.rest_api.node.try_remove_child("Endpoint")
        codedeploy = apigateway.LambdaIntegration(api_function, allow_test_invoke=False)
        agent = apigateway.LambdaIntegration(agent_function, allow_test_invoke=False)

        self.rest_api.root.add_method("POST", codedeploy)
        self.rest_api.root.add_resource("service").add_proxy(
            default_integration=codedeploy, any_method=False
        ).add_method("POST")
        self.rest_api.root.add_resource("agent").add_proxy(
            default_integration=agent, any_method=False
        ).add_method("POST")

        self._accept_findings()

    @property
    def url(self) -> str:
        """The stage URL without a trailing slash, as clients take it (``https://…/v1``)."""
        return (
            f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
            f"/{self.rest_api.deployment_stage.stage_name}"
        )

    @property
    def agent_routes_arn(self) -> str:
        """``execute-api:Invoke`` resource of the agent routes only (``v1/POST/agent/*``)."""
        return self.rest_api.arn_for_execute_api("POST", "/agent/*", STAGE_NAME)

    def _accept_findings(self) -> None:
        accept(
            self.rest_api,
            "AwsSolutions-APIG2",
            reason=(
                "The functions validate every request against CodeDeploy's model and answer with "
                "CodeDeploy's exception names, which clients depend on; an API Gateway validator "
                "would answer with its own error shape instead. Bodies are CBOR or JSON 1.1, "
                "which request models cannot describe."
            ),
        )
        accept(
            self.rest_api,
            "AwsSolutions-APIG3",
            reason=(
                "Every method requires SigV4 (IAM), so unsigned traffic is rejected before any "
                "integration runs; a WAF web ACL has a fixed monthly cost, against the goal that "
                "an idle Rollwright costs nothing. Operators can associate one with the stage."
            ),
        )
        accept(
            self.rest_api,
            "AwsSolutions-COG4",
            reason=(
                "The CodeDeploy API contract is SigV4: stock AWS SDK clients and agents sign with "
                "IAM credentials; Cognito user pools do not apply."
            ),
        )
        accept(
            self.rest_api,
            "AwsSolutions-IAM4",
            finding=(
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs"
            ),
            reason=(
                "API Gateway's account-level CloudWatch role (needed for access and execution "
                "logging) uses AmazonAPIGatewayPushToCloudWatchLogs, the policy AWS documents for "
                "exactly this role."
            ),
        )
