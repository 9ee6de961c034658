"""The CodeDeploy API: API Gateway (REST, Lambda proxy) → one CodeDeploy operation.

``POST /`` carries AWS JSON 1.1 (``X-Amz-Target``); ``POST /service/CodeDeploy_20141006/operation/
<Op>`` carries Smithy RPC v2 CBOR, which arrives base64-encoded (``application/cbor`` is a binary
media type of the API) and leaves base64-encoded. Every answer, errors included, is in the
protocol of the request.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import secrets
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.adapters.application_records import DynamoApplicationStore
from functions.adapters.application_tag_records import DynamoApplicationTagStore
from functions.adapters.deployment_config_records import DynamoDeploymentConfigStore
from functions.adapters.deployment_group_records import DynamoDeploymentGroupStore
from functions.adapters.deployment_store import DynamoDeploymentStore
from functions.adapters.fleet_instances import Ec2Fleet
from functions.adapters.on_premises_instance_records import DynamoOnPremisesInstanceStore
from functions.adapters.revision_records import DynamoRevisionStore
from functions.adapters.workflow_starts import StepFunctionsWorkflows
from functions.api.deployment_stops import deployment_stops
from functions.api.member_types import check_member_types
from rollwright.account_region import AccountRegion
from rollwright.applications import Applications
from rollwright.deployment_configs import DeploymentConfigs
from rollwright.deployment_groups import DeploymentGroups
from rollwright.deployment_requests import new_deployment_id
from rollwright.deployments import Deployments
from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError, InternalFailure
from rollwright.on_premises_instances import OnPremisesInstances
from rollwright.operations.shapes import CodeDeployServices
from rollwright.predefined_deployment_configs import PREDEFINED_DEPLOYMENT_CONFIGS
from rollwright.protocols import (
    HttpRequest,
    HttpResponse,
    protocol_of,
    read_call,
    write_error,
    write_result,
)
from rollwright.resource_tags import ResourceTags
from rollwright.revisions import ApplicationRevisions

logger = Logger()
metrics = Metrics()


@cache
def services(function_arn: str) -> CodeDeployServices:
    """The domain services on the state table, built once per execution environment; the
    function's own ARN names the region and account of the ARNs they hand out."""
    dynamodb, table = boto3.client("dynamodb"), os.environ["TABLE_NAME"]
    applications = Applications(
        DynamoApplicationStore(dynamodb, table),
        clock=lambda: datetime.now(UTC),
        new_id=lambda: str(uuid.uuid4()),
    )
    deployment_configs = DeploymentConfigs(
        DynamoDeploymentConfigStore(dynamodb, table),
        PREDEFINED_DEPLOYMENT_CONFIGS,
        clock=lambda: datetime.now(UTC),
        new_id=lambda: str(uuid.uuid4()),
    )
    deployment_groups = DeploymentGroups(
        DynamoDeploymentGroupStore(dynamodb, table),
        applications,
        deployment_configs,
        new_id=lambda: str(uuid.uuid4()),
    )
    revisions = ApplicationRevisions(
        DynamoRevisionStore(dynamodb, table), applications, clock=lambda: datetime.now(UTC)
    )
    on_premises_instances = OnPremisesInstances(
        DynamoOnPremisesInstanceStore(dynamodb, table),
        account_region=AccountRegion.of_function(function_arn),
        clock=lambda: datetime.now(UTC),
    )
    deployments = Deployments(
        DynamoDeploymentStore(boto3.resource("dynamodb").Table(table)),
        applications=applications,
        groups=deployment_groups,
        configs=deployment_configs,
        revisions=revisions,
        on_premises=on_premises_instances,
        fleet=Ec2Fleet(boto3.client("ec2"), boto3.client("autoscaling")),
        workflows=StepFunctionsWorkflows(
            boto3.client("stepfunctions"),
            server_state_machine_arn=os.environ["SERVER_STATE_MACHINE_ARN"],
        ),
        clock=lambda: datetime.now(UTC),
        new_id=lambda: new_deployment_id(secrets.choice),
        account_region=AccountRegion.of_function(function_arn),
    )
    return CodeDeployServices(
        applications=applications,
        deployment_configs=deployment_configs,
        deployment_groups=deployment_groups,
        resource_tags=ResourceTags(
            AccountRegion.of_function(function_arn),
            DynamoApplicationTagStore(dynamodb, table),
            deployment_groups,
        ),
        revisions=revisions,
        on_premises_instances=on_premises_instances,
        deployments=deployments,
        deployment_stops=deployment_stops(),
    )


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=APIGatewayProxyEvent)
def handler(event: APIGatewayProxyEvent, context: LambdaContext) -> dict[str, Any]:
    request = http_request(event)
    protocol = protocol_of(request)
    context_fields = event.get("requestContext") or {}
    caller = (context_fields.get("identity") or {}).get("userArn")
    logger.append_keys(caller=caller, protocol=protocol.value)
    try:
        call = read_call(protocol, request)
        check_member_types(call.operation, call.params)
        logger.append_keys(operation=call.operation)
        metrics.add_dimension(name="operation", value=call.operation)
        served = dataclasses.replace(services(context.invoked_function_arn), caller=caller)
        response = write_result(protocol, dispatch(call.operation, call.params, served))
    except CodeDeployError as error:
        logger.info("CodeDeploy error", extra={"error": error.name, "error_message": error.message})
        metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)
        response = write_error(protocol, error)
    except Exception:
        logger.exception("Unexpected failure")
        metrics.add_metric(name="Faults", unit=MetricUnit.Count, value=1)
        response = write_error(protocol, InternalFailure("The request could not be processed."))
    else:
        logger.info("CodeDeploy request served")
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    return proxy_response(response, request_id=context_fields.get("requestId"))


def http_request(event: APIGatewayProxyEvent) -> HttpRequest:
    body = event.body or ""
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    return HttpRequest(path=event.get("path") or "/", headers=headers, body=raw)


def proxy_response(response: HttpResponse, *, request_id: str | None) -> dict[str, Any]:
    headers = dict(response.headers)
    if request_id:
        headers["x-amzn-RequestId"] = request_id
    if response.binary:
        body, encoded = base64.b64encode(response.body).decode("ascii"), True
    else:
        body, encoded = response.body.decode("utf-8"), False
    return {
        "statusCode": response.status,
        "headers": headers,
        "body": body,
        "isBase64Encoded": encoded,
    }
