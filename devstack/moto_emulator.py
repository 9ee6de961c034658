"""moto inside the gateway process: its configuration, its WSGI app, access to its backends.

Import this module only after `settings.point_moto_at_gateway`: moto's Step Functions interpreter
builds its boto3 clients from `MOTO_PORT`, so its Lambda calls come back through the gateway.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

from moto.autoscaling.models import autoscaling_backends
from moto.awslambda.models import lambda_backends
from moto.awslambda.utils import get_backend as get_lambda_backend
from moto.awslambda_simple.models import lambda_simple_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.responses import EmptyResult
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.dynamodb.models import dynamodb_backends
from moto.events import models as events_models
from moto.events.models import events_backends
from moto.events.utils import EventTemplateParser
from moto.iam.models import iam_backends
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sqs.models import sqs_backends
from moto.stepfunctions import models as stepfunctions_models
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.stepfunctions.responses import StepFunctionResponse
from moto.sts.models import sts_backends

from devstack.dynamodb_transactions import use_item_level_rollback
from devstack.moto_model_tracking import stop_tracking_model_instances
from devstack.settings import ACCOUNT_ID

LambdaTargetDelivery = Callable[[str, dict[str, Any]], None]
_LAMBDA_TARGET_MARKER = "_devstack_lambda_targets"


def configure_moto() -> None:
    """Real ASL execution for Step Functions; no Docker for Lambda (the gateway runs functions);
    moto's models not kept after the backends drop them (``moto_model_tracking``); transactions
    backed out item by item, not by copying whole tables (``dynamodb_transactions``)."""
    stop_tracking_model_instances()
    use_item_level_rollback()

    # The same code path as POST /moto-api/config.
    moto_api_backend.set_config(
        {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    )
    # With execute_state_machine the API serves the parser backend, but moto's CloudFormation
    # still creates state machines in the plain one; point CloudFormation at the served backend.
    stepfunctions_models.stepfunctions_backends = stepfunctions_parser_backends  # type: ignore[assignment]
    StepFunctionResponse.send_task_failure = _send_task_failure  # type: ignore[method-assign]


def _send_task_failure(self: StepFunctionResponse) -> EmptyResult:
    """SendTaskFailure with its ``cause``: moto's handler passes only the error on, although the
    interpreter takes both (the failed task's ``Cause``, which a Catch's ResultPath keeps). The
    backend served is the interpreter's (``configure_moto``), whatever the handler's type says."""
    backend: Any = self.stepfunction_backend
    backend.send_task_failure(
        self._get_param("taskToken"),
        error=self._get_param("error"),
        cause=self._get_param("cause"),
    )
    return EmptyResult()


def create_moto_app() -> Any:

    return DomainDispatcherApplication(create_backend_app)


def lambda_backend(account_id: str, region: str) -> Any:
    """The backend moto's Lambda API uses (the Docker-free one once `configure_moto` ran)."""
    return get_lambda_backend(account_id, region)


def lambda_backends_with_state() -> Iterator[Any]:
    """Every Lambda backend that has been touched (moto creates them lazily)."""
    for backends in (lambda_backends, lambda_simple_backends):
        for account_id in list(backends.keys()):
            for region in list(backends[account_id].keys()):
                yield backends[account_id][region]


def sqs_queue_by_arn(queue_arn: str) -> Any | None:

    _, _, _, region, account_id, name = queue_arn.split(":", 5)
    return sqs_backends[account_id][region].queues.get(name)


def dynamodb_table_by_stream_arn(stream_arn: str) -> Any | None:
    """The table whose stream ``arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>``
    is, if it still has that stream."""
    _, _, _, region, account_id, resource = stream_arn.split(":", 5)
    name = resource.split("/")[1]
    table = dynamodb_backends[account_id][region].tables.get(name)
    if table is None or table.stream_shard is None:
        return None
    return (
        table
        if table.latest_stream_label and stream_arn.endswith(table.latest_stream_label)
        else None
    )


def dynamodb_table_sizes() -> dict[str, dict[str, int]]:
    """Per table moto holds: its items and the stream records it keeps."""
    sizes = {}
    for account_id in list(dynamodb_backends.keys()):
        for region in list(dynamodb_backends[account_id].keys()):
            for name, table in list(dynamodb_backends[account_id][region].tables.items()):
                shard = table.stream_shard
                sizes[name] = {
                    "items": sum(1 for _ in table.all_items()),
                    "stream_records": len(shard.items) if shard is not None else 0,
                }
    return sizes


def cloudwatch_alarms(account_id: str, region: str) -> dict[str, Any]:

    return dict(cloudwatch_backends[account_id][region].alarms)


def autoscaling_backend(account_id: str, region: str) -> Any:

    return autoscaling_backends[account_id][region]


def events_backend(account_id: str, region: str) -> Any:

    return events_backends[account_id][region]


def secret_for_access_key(access_key_id: str) -> tuple[Any, str] | None:
    """The (access key, account id) that moto's IAM knows for an access key id, if any."""

    for account_id in list(iam_backends.keys()):
        for partition in list(iam_backends[account_id].keys()):
            key = iam_backends[account_id][partition].access_keys.get(access_key_id)
            if key is not None:
                return key, account_id
    return None


def principal_arn(access_key_id: str, account_id: str) -> tuple[str, str | None]:
    """(ARN, session token) of the principal behind a key: an IAM user or an assumed role."""

    for partition in list(sts_backends[account_id].keys()):
        role = sts_backends[account_id][partition].get_assumed_role_from_access_key(access_key_id)
        if role is not None:
            return str(role.arn), str(role.session_token)
    for partition in list(iam_backends[account_id].keys()):
        user = iam_backends[account_id][partition].get_user_from_access_key_id(access_key_id)
        if user is not None:
            return str(user.arn), None
    return f"arn:aws:iam::{account_id}:root", None


def assume_role_for_function(role_arn: str, session_name: str, region: str) -> dict[str, str]:
    """Temporary credentials for a function's execution role, as Lambda hands them to a sandbox."""

    role = sts_backends[ACCOUNT_ID]["aws"].assume_role(
        region_name=region,
        role_session_name=session_name[:64],
        role_arn=role_arn,
        policy="",
        duration=43200,
        external_id="",
    )
    return {
        "AWS_ACCESS_KEY_ID": role.access_key_id,
        "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
        "AWS_SESSION_TOKEN": role.session_token,
    }


def install_lambda_targets(deliver: LambdaTargetDelivery) -> None:
    """Teach moto's EventBridge rules to deliver to Lambda targets (moto raises on them).

    moto already matches patterns and applies input transformers; the rule's non-Lambda targets
    still go through moto, the Lambda ones are handed to `deliver(function_arn, event)`.
    """

    rule_class: Any = events_models.Rule
    if getattr(rule_class, _LAMBDA_TARGET_MARKER, False):
        return
    moto_send_to_targets = rule_class.send_to_targets

    def send_to_targets(
        rule: Any, original_event: dict[str, Any], transform_input: bool = True
    ) -> None:
        lambda_targets = [t for t in rule.targets if ":lambda:" in t["Arn"]]
        other_targets = [t for t in rule.targets if ":lambda:" not in t["Arn"]]
        if other_targets:
            moto_rule = copy.copy(rule)
            moto_rule.targets = other_targets
            moto_send_to_targets(moto_rule, original_event, transform_input)
        if not lambda_targets or rule.state != "ENABLED":
            return
        if not rule.event_pattern.matches_event(original_event):
            return
        for target in lambda_targets:
            deliver(target["Arn"], _target_input(target, original_event))

    rule_class.send_to_targets = send_to_targets
    setattr(rule_class, _LAMBDA_TARGET_MARKER, True)


def _target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    delivered = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(delivered.get("time"), int | float):
        delivered["time"] = iso_8601_datetime_without_milliseconds(
            utcfromtimestamp(delivered["time"])
        )
    if "Input" in target:
        return json.loads(target["Input"])
    transformer = target.get("InputTransformer")
    if transformer:
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=delivered,  # type: ignore[arg-type]
        )
    return delivered
