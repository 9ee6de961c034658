"""Lambda's Invoke operation over HTTP, answered by the local runtime instead of moto (Docker)."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from moto.awslambda.exceptions import UnknownFunctionException
from werkzeug.wrappers import Request, Response

from devstack.lambda_runtime import FunctionNotRunnableError, LambdaRuntime, encode_log_tail
from devstack.settings import REGION

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations/?$")


def invoke_target(request: Request) -> str | None:
    """The function name or ARN when the request is an Invoke call, else None."""
    if request.method != "POST":
        return None
    match = INVOKE_PATH.match(request.path)
    return unquote(match.group("function")) if match else None


def handle_invoke(
    runtime: LambdaRuntime, request: Request, function: str, region: str | None
) -> Response:
    """Answer Invoke (RequestResponse, Event or DryRun) from the local runtime."""
    region = region or REGION
    qualifier = request.args.get("Qualifier")
    invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
    payload = request.get_data()
    try:
        if invocation_type == "DryRun":
            runtime.dry_run(function, qualifier=qualifier, region=region)
            return Response(status=204)
        if invocation_type == "Event":
            runtime.invoke_event(function, payload, region=region)
            return Response(status=202)
        result = runtime.invoke(
            function,
            payload,
            qualifier=qualifier,
            region=region,
            client_context=request.headers.get("X-Amz-Client-Context"),
        )
    except FunctionNotRunnableError as error:
        return _error(400, "InvalidParameterValueException", str(error))
    except UnknownFunctionException as error:
        return _error(404, "ResourceNotFoundException", error.message)
    response = Response(result.payload, status=200, content_type="application/json")
    response.headers["X-Amz-Executed-Version"] = result.executed_version
    if result.function_error:
        response.headers["X-Amz-Function-Error"] = result.function_error
    if request.headers.get("X-Amz-Log-Type") == "Tail":
        response.headers["X-Amz-Log-Result"] = encode_log_tail(result)
    return response


def _error(status: int, error_type: str, message: str) -> Response:
    response = Response(
        json.dumps({"Type": "User", "Message": message}),
        status=status,
        content_type="application/json",
    )
    response.headers["x-amzn-ErrorType"] = error_type
    return response
