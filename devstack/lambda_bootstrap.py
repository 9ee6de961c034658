"""The program inside a warm Lambda worker: import the handler once, then serve invocations.

Runs as `python -I lambda_bootstrap.py <code-dir>`: only the extracted code is on the path (never
the repository). Requests arrive on stdin and results leave on a private copy of stdout, one JSON
object per line; the handler's own stdout and stderr go to the function log. This file imports
nothing from the devstack package.
"""

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

END_OF_INVOCATION = "\x00devstack-end-of-invocation"


class LambdaContext:
    """The attributes and method of the context object the Python runtime passes to handlers."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.aws_request_id = request["request_id"]
        self.invoked_function_arn = request["invoked_function_arn"]
        self.client_context = request.get("client_context")
        self.identity = None
        self.tenant_id = None
        self._deadline_ms = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def error_payload(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    frames = traceback.extract_tb(error.__traceback__)
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(frames),
    }


def load_handler() -> object:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as error:
        raise RuntimeError(
            f"Unable to import module '{module_name}': {error}", "Runtime.ImportModuleError"
        ) from error
    handler = getattr(module, function_name, None)
    if handler is None:
        raise RuntimeError(
            f"Handler '{function_name}' missing on module '{module_name}'",
            "Runtime.HandlerNotFound",
        )
    return handler


def invoke(handler: object, request: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(request)
    try:
        result = handler(json.loads(request["payload"]), context)  # type: ignore[operator]
    except Exception as error:
        payload = error_payload(error)
        payload["requestId"] = context.aws_request_id
        print(f"[ERROR] {payload['errorType']}: {payload['errorMessage']}", file=sys.stderr)
        print("Traceback (most recent call last):", file=sys.stderr)
        print("".join(payload["stackTrace"]), end="", file=sys.stderr)
        return {"error": payload}
    try:
        return {"payload": json.dumps(result)}
    except (TypeError, ValueError) as error:
        message = f"Unable to marshal response: {error}"
        return {"error": {"errorMessage": message, "errorType": "Runtime.MarshalError"}}


def main() -> None:
    code_dir = sys.argv[1]
    sys.path.insert(0, code_dir)
    os.chdir(code_dir)
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    try:
        handler: object = load_handler()
        init_error = None
    except RuntimeError as error:
        message, error_type = error.args
        print(f"[ERROR] {error_type}: {message}", file=sys.stderr)
        handler, init_error = None, {"errorMessage": message, "errorType": error_type}
    for line in sys.stdin:
        request = json.loads(line)
        result = {"error": init_error} if init_error else invoke(handler, request)
        sys.stdout.flush()
        print(END_OF_INVOCATION, file=sys.stderr, flush=True)
        results.write(json.dumps(result) + "\n")
        results.flush()


if __name__ == "__main__":
    main()
