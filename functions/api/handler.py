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
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api.member_types import check_member_types
from functions.composition import codedeploy_services
from rollwright.dispatch import dispatch
from rollwright.errors import CodeDeployError, InternalFailure
from rollwright.operations.shapes import CodeDeployServices
from rollwright.protocols import (
    HttpRequest,
    HttpResponse,
    protocol_of,
    read_call,
    write_error,
    write_result,
)

logger = Logger()
metrics = Metrics()


@cache
def services(function_arn: str) -> CodeDeployServices:
    """The domain services, built once per execution environment."""
    return codedeploy_services(
        function_arn,
        server_state_machine_arn=os.environ["SERVER_STATE_MACHINE_ARN"],
        lambda_state_machine_arn=os.environ.get("LAMBDA_STATE_MACHINE_ARN"),
        ecs_state_machine_arn=os.environ.get("ECS_STATE_MACHINE_ARN"),
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
