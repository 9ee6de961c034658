"""The edge gateway: one port, one process, moto's backends in it, and what moto cannot do alone.

Requests it answers itself: `/_devstack/*` (health, request counts, stack deployment), `/_api/*`
(API Gateway from the deployed template), Lambda Invoke (the local runtime), Auto Scaling's
lifecycle action calls. CloudWatch alarm changes, Auto Scaling launches and event-source-mapping
changes pass through moto and are then acted on. Everything else is
moto's, served in-process by its `DomainDispatcherApplication`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack import cpu_sampler, moto_emulator
from devstack.alarm_events import AlarmStateEvents
from devstack.api_gateway import ApiGatewayEmulator
from devstack.dynamodb_atomicity import DynamoDbRequests
from devstack.dynamodb_stream_source import DynamoDbStreamSources
from devstack.event_delivery import EventTargetDelivery
from devstack.lambda_api import handle_invoke, invoke_target
from devstack.lambda_runtime import LambdaRuntime
from devstack.lifecycle_actions import LifecycleActionEmulator
from devstack.memory_probe import MemoryProbe
from devstack.request_accounting import RequestCounter, identify_operation, signing_scope
from devstack.settings import GatewaySettings
from devstack.sqs_event_source import SqsEventSources
from devstack.template_deployer import TemplateDeployer

StartResponse = Callable[..., Any]
ERROR_STATUS = 400
logger = logging.getLogger("devstack.gateway")


class EdgeGateway:
    """The WSGI application."""

    def __init__(self, settings: GatewaySettings) -> None:
        moto_emulator.configure_moto()
        self.settings = settings
        self.requests = RequestCounter()
        self.runtime = LambdaRuntime(settings)
        self.apis = ApiGatewayEmulator(self.runtime)
        self.alarms = AlarmStateEvents()
        self.lifecycle_actions = LifecycleActionEmulator()
        self.dynamodb = DynamoDbRequests()
        self.event_sources = SqsEventSources(self.runtime, settings)
        self.stream_sources = DynamoDbStreamSources(self.runtime)
        self.deployer = TemplateDeployer(settings, self.apis)
        self.memory = MemoryProbe(moto_emulator.dynamodb_table_sizes)
        self._moto_app = moto_emulator.create_moto_app()
        moto_emulator.install_lambda_targets(EventTargetDelivery(self.runtime).deliver)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        body = request.get_data(cache=True)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if request.path.startswith("/_devstack/"):
            return self._control(request)(environ, start_response)
        if request.path.startswith("/_api/"):
            return self.apis.handle(request, self.requests)(environ, start_response)
        return self._aws(request, body, environ, start_response)

    def close(self) -> None:
        self.event_sources.stop()
        self.stream_sources.stop()
        self.runtime.shutdown()

    def _aws(
        self, request: Request, body: bytes, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        headers = {key.lower(): value for key, value in request.headers.items()}
        query = environ.get("QUERY_STRING", "")
        operation = identify_operation(
            method=request.method, path=request.path, query=query, headers=headers, body=body
        )
        self.requests.count(operation)
        scope = signing_scope(headers.get("authorization", ""), query)
        region = scope[0] if scope else None

        function = invoke_target(request)
        if function is not None:
            return handle_invoke(self.runtime, request, function, region)(environ, start_response)
        if operation.service == "cloudwatch" and operation.operation in self.alarms.operations:
            with self.alarms.watch(region):
                return self._moto(environ, start_response)
        if operation.service == "autoscaling":
            return self._auto_scaling(operation.operation, body, region, environ, start_response)
        with self.dynamodb.one_at_a_time(operation):
            result = self._moto(environ, start_response)
        if operation.operation in self.event_sources.operations:
            self.event_sources.sync()
        if operation.operation in self.stream_sources.operations:
            self.stream_sources.sync()
        return result

    def _auto_scaling(
        self,
        operation: str,
        body: bytes,
        region: str | None,
        environ: dict[str, Any],
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        """Lifecycle actions, which moto lacks (``lifecycle_actions``)."""
        actions = self.lifecycle_actions
        if operation in actions.answered:
            return actions.answer(operation, body, region)(environ, start_response)
        if operation == "PutLifecycleHook":
            actions.remember_hook(body)
        scaled_in = actions.scale_in(operation, body, region)
        if scaled_in is not None:
            return scaled_in(environ, start_response)
        if operation in actions.launching:
            with actions.watch(region):
                return self._moto(environ, start_response)
        return self._moto(environ, start_response)

    def _moto(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # Drain moto's response here so side effects (and the alarm comparison) finish first.
        return list(self._moto_app(environ, start_response))

    def _control(self, request: Request) -> Response:
        routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/_devstack/health"): self._health,
            ("GET", "/_devstack/requests"): lambda _: _json(self.requests.snapshot()),
            ("DELETE", "/_devstack/requests"): self._reset_requests,
            ("GET", "/_devstack/workers"): lambda _: _json({"pids": self.runtime.worker_pids()}),
            ("POST", "/_devstack/stacks"): self._deploy,
            ("GET", "/_devstack/memory"): self._memory,
            ("GET", "/_devstack/profile"): self._profile,
        }
        route = routes.get((request.method, request.path.rstrip("/")))
        if route is None:
            return _json({"message": f"no devstack route {request.method} {request.path}"}, 404)
        return route(request)

    def _health(self, request: Request) -> Response:
        return _json({"status": "ok", "pid": os.getpid(), "port": self.settings.port})

    def _memory(self, request: Request) -> Response:
        top = int(request.args.get("top", "20"))
        trace = int(request.args.get("trace", "0"))
        types = request.args.get("types") == "1"
        collect = request.args.get("collect") == "1"
        return _json(self.memory.report(top=top, types=types, trace=trace, collect=collect))

    def _profile(self, request: Request) -> Response:
        seconds = min(float(request.args.get("seconds", "10")), 300.0)
        return _json(cpu_sampler.profile(seconds, top=int(request.args.get("top", "30"))))

    def _reset_requests(self, request: Request) -> Response:
        self.requests.reset()
        return _json({"status": "reset"})

    def _deploy(self, request: Request) -> Response:
        spec = json.loads(request.get_data() or b"{}")
        try:
            deployed = self.deployer.deploy(Path(spec["template_dir"]), spec.get("stack_name"))
        except Exception as error:
            logger.exception("stack deployment failed")
            return _json({"error": f"{type(error).__name__}: {error}"}, status=500)
        self.event_sources.sync()
        self.stream_sources.sync()
        return _json(deployed.to_json())


class _RequestHandler(MotoRequestHandler):
    """moto's handler, logging only the requests that failed.

    An access-log line per request (a 100-host deployment makes ~20,000 requests) took a fifth of
    the gateway's CPU, measured with ``GET /_devstack/profile``; request counts are in
    ``GET /_devstack/requests``.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if not str(code).isdigit() or int(code) >= ERROR_STATUS:
            super().log_request(code, size)


def _json(document: object, status: int = 200) -> Response:
    return Response(json.dumps(document), status=status, content_type="application/json")


def serve(settings: GatewaySettings) -> None:
    """Run the gateway in the foreground until SIGTERM or SIGINT.

    `settings.point_moto_at_gateway` must have run before this module was imported.
    """
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    gateway = EdgeGateway(settings)
    server = make_server(
        settings.host, settings.port, gateway, threaded=True, request_handler=_RequestHandler
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        gateway.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("devstack gateway on %s (pid %d)", settings.endpoint_url, os.getpid())
    try:
        server.serve_forever()
    finally:
        gateway.close()
