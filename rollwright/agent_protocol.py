"""The agent protocol, version 1.1 (DESIGN.md §4): host commands in, event reports out.

A *host command* reaches a host on its own SQS queue and carries an ordered segment of lifecycle
events to run in one go. An *event report* goes back to the agent API (``POST /agent/v1/events``)
once when an event starts and once when it ends. A *heartbeat* (``POST /agent/v1/heartbeat``) says
a command is still running. All three are JSON objects with camelCase members; this module reads
them into frozen values and writes them back, refusing anything malformed with
``InvalidAgentMessageError`` (the message says which member and why).

Version 1.1 adds one route, ``POST /agent/v1.1/events``: an *event report batch*
(``{"reports": [<event report>, ...]}``), the reports one host queued while its previous request
was in flight, in the order they happened, each with its own ``at``. It is read whole or refused
whole: one malformed report, or reports of more than one host, and nothing in it counts. Host
commands are unchanged (``protocolVersion`` 1), and a v1 agent's single reports are still taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from rollwright.lifecycle import AGENT_EVENTS, LifecycleErrorCode, LifecycleEvent

PROTOCOL_VERSION = 1
# The most reports one batch may carry: a segment's starts and ends (at most 2 x 9 agent events)
# with room to spare, and a body that stays far below API Gateway's 10 MB (each log tail <= 4 KB).
BATCH_REPORT_LIMIT = 50
LOG_TAIL_LIMIT_BYTES = 4096
MESSAGE_LIMIT_CHARS = 1024


_E = TypeVar("_E", bound=StrEnum)


class InvalidAgentMessageError(ValueError):
    """An agent protocol message that cannot be read; nothing may act on it."""


class BundleType(StrEnum):
    TAR = "tar"
    TGZ = "tgz"
    ZIP = "zip"


class FileExistsBehavior(StrEnum):
    DISALLOW = "DISALLOW"
    OVERWRITE = "OVERWRITE"
    RETAIN = "RETAIN"


class EventOutcome(StrEnum):
    """What an event report says: it started, or how it ended."""

    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"


@dataclass(frozen=True)
class S3Revision:
    bucket: str
    key: str
    bundle_type: BundleType
    version: str | None = None
    etag: str | None = None


@dataclass(frozen=True)
class GitHubRevision:
    repository: str  # "account/repository"
    commit_id: str
    bundle_type: BundleType = BundleType.TGZ


Revision = S3Revision | GitHubRevision


@dataclass(frozen=True)
class HostCommand:
    command_id: str
    deployment_id: str
    deployment_group_id: str
    deployment_group_name: str
    application_name: str
    host_id: str
    lifecycle_events: tuple[LifecycleEvent, ...]
    revision: Revision
    deadline: int  # epoch seconds after which the control plane has given up on the command
    file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW
    ignore_application_stop_failures: bool = False
    deployment_creator: str = "user"
    deployment_type: str = "IN_PLACE"
    appspec_filename: str = "appspec.yml"
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class EventReport:
    command_id: str
    deployment_id: str
    host_id: str
    lifecycle_event: LifecycleEvent
    outcome: EventOutcome
    error_code: LifecycleErrorCode = LifecycleErrorCode.SUCCESS
    script_name: str = ""
    message: str = ""
    log_tail: str = ""
    at: float = 0.0  # epoch seconds, with fractions

    def __post_init__(self) -> None:
        if len(self.log_tail.encode("utf-8")) > LOG_TAIL_LIMIT_BYTES:
            raise InvalidAgentMessageError(f"logTail exceeds {LOG_TAIL_LIMIT_BYTES} bytes")
        if len(self.message) > MESSAGE_LIMIT_CHARS:
            raise InvalidAgentMessageError(f"message exceeds {MESSAGE_LIMIT_CHARS} characters")


@dataclass(frozen=True)
class EventReportBatch:
    """Event reports of one host, oldest first (protocol 1.1)."""

    reports: tuple[EventReport, ...]

    def __post_init__(self) -> None:
        if not self.reports:
            raise InvalidAgentMessageError("event report batch reports is empty")
        if len(self.reports) > BATCH_REPORT_LIMIT:
            raise InvalidAgentMessageError(
                f"event report batch carries {len(self.reports)} reports, more than "
                f"{BATCH_REPORT_LIMIT}"
            )
        hosts = {report.host_id for report in self.reports}
        if len(hosts) > 1:
            raise InvalidAgentMessageError(
                f"event report batch mixes hosts ({', '.join(sorted(hosts))}): a batch is one "
                "host's"
            )

    @property
    def host_id(self) -> str:
        return self.reports[0].host_id


@dataclass(frozen=True)
class Heartbeat:
    command_id: str
    deployment_id: str
    host_id: str
    lifecycle_event: LifecycleEvent | None = None


def log_tail(output: str) -> str:
    """The last ``LOG_TAIL_LIMIT_BYTES`` bytes of ``output``, cut on a character boundary."""
    encoded = output.encode("utf-8")
    if len(encoded) <= LOG_TAIL_LIMIT_BYTES:
        return output
    return encoded[-LOG_TAIL_LIMIT_BYTES:].decode("utf-8", errors="ignore")


# --- reading ----------------------------------------------------------------------------------


def read_host_command(document: Mapping[str, Any]) -> HostCommand:
    fields = _Fields(document, "host command")
    version = fields.integer("protocolVersion")
    if version != PROTOCOL_VERSION:
        raise InvalidAgentMessageError(
            f"host command protocolVersion {version} is not supported (this side speaks "
            f"{PROTOCOL_VERSION})"
        )
    events = fields.string_list("lifecycleEvents")
    if not events:
        raise InvalidAgentMessageError("host command lifecycleEvents is empty")
    lifecycle_events = tuple(_agent_event(name) for name in events)
    return HostCommand(
        protocol_version=version,
        command_id=fields.string("commandId"),
        deployment_id=fields.string("deploymentId"),
        deployment_group_id=fields.string("deploymentGroupId"),
        deployment_group_name=fields.string("deploymentGroupName"),
        application_name=fields.string("applicationName"),
        host_id=fields.string("hostId"),
        lifecycle_events=lifecycle_events,
        revision=_revision(fields.mapping("revision")),
        deadline=fields.integer("deadline"),
        file_exists_behavior=_enum(
            FileExistsBehavior, fields.optional_string("fileExistsBehavior") or "DISALLOW"
        ),
        ignore_application_stop_failures=fields.boolean("ignoreApplicationStopFailures", False),
        deployment_creator=fields.optional_string("deploymentCreator") or "user",
        deployment_type=fields.optional_string("deploymentType") or "IN_PLACE",
        appspec_filename=fields.optional_string("appSpecFilename") or "appspec.yml",
    )


def read_event_report(document: Mapping[str, Any]) -> EventReport:
    fields = _Fields(document, "event report")
    return EventReport(
        command_id=fields.string("commandId"),
        deployment_id=fields.string("deploymentId"),
        host_id=fields.string("hostId"),
        lifecycle_event=_agent_event(fields.string("lifecycleEvent")),
        outcome=_enum(EventOutcome, fields.string("outcome")),
        error_code=_enum(LifecycleErrorCode, fields.optional_string("errorCode") or "Success"),
        script_name=fields.optional_string("scriptName") or "",
        message=fields.optional_string("message") or "",
        log_tail=fields.optional_string("logTail") or "",
        at=fields.number("at"),
    )


def read_event_report_batch(document: Mapping[str, Any]) -> EventReportBatch:
    """A batch, read whole: the first malformed report refuses it, naming its index."""
    fields = _Fields(document, "event report batch")
    reports = fields.mapping_list("reports")
    if len(reports) > BATCH_REPORT_LIMIT:  # refused before reading thousands of them
        raise InvalidAgentMessageError(
            f"event report batch carries {len(reports)} reports, more than {BATCH_REPORT_LIMIT}"
        )
    read: list[EventReport] = []
    for index, report in enumerate(reports):
        try:
            read.append(read_event_report(report))
        except InvalidAgentMessageError as error:
            raise InvalidAgentMessageError(
                f"event report batch reports[{index}]: {error}"
            ) from None
    return EventReportBatch(tuple(read))


def read_heartbeat(document: Mapping[str, Any]) -> Heartbeat:
    fields = _Fields(document, "heartbeat")
    event = fields.optional_string("lifecycleEvent")
    return Heartbeat(
        command_id=fields.string("commandId"),
        deployment_id=fields.string("deploymentId"),
        host_id=fields.string("hostId"),
        lifecycle_event=_agent_event(event) if event else None,
    )


# --- writing ----------------------------------------------------------------------------------


def host_command_document(command: HostCommand) -> dict[str, Any]:
    return {
        "protocolVersion": command.protocol_version,
        "commandId": command.command_id,
        "deploymentId": command.deployment_id,
        "deploymentGroupId": command.deployment_group_id,
        "deploymentGroupName": command.deployment_group_name,
        "applicationName": command.application_name,
        "hostId": command.host_id,
        "lifecycleEvents": [event.value for event in command.lifecycle_events],
        "revision": _revision_document(command.revision),
        "deadline": command.deadline,
        "fileExistsBehavior": command.file_exists_behavior.value,
        "ignoreApplicationStopFailures": command.ignore_application_stop_failures,
        "deploymentCreator": command.deployment_creator,
        "deploymentType": command.deployment_type,
        "appSpecFilename": command.appspec_filename,
    }


def event_report_document(report: EventReport) -> dict[str, Any]:
    return {
        "commandId": report.command_id,
        "deploymentId": report.deployment_id,
        "hostId": report.host_id,
        "lifecycleEvent": report.lifecycle_event.value,
        "outcome": report.outcome.value,
        "errorCode": report.error_code.value,
        "scriptName": report.script_name,
        "message": report.message,
        "logTail": report.log_tail,
        "at": report.at,
    }


def event_report_batch_document(batch: EventReportBatch) -> dict[str, Any]:
    return {"reports": [event_report_document(report) for report in batch.reports]}


def heartbeat_document(heartbeat: Heartbeat) -> dict[str, Any]:
    document: dict[str, Any] = {
        "commandId": heartbeat.command_id,
        "deploymentId": heartbeat.deployment_id,
        "hostId": heartbeat.host_id,
    }
    if heartbeat.lifecycle_event is not None:
        document["lifecycleEvent"] = heartbeat.lifecycle_event.value
    return document


def revision_document(revision: Revision) -> dict[str, Any]:
    """A revision as the host command carries it (also how a deployment item stores it)."""
    return _revision_document(revision)


def read_revision(document: Mapping[str, Any]) -> Revision:
    """The revision of a ``revision_document``, refused with ``InvalidAgentMessageError``."""
    return _revision(document)


def _revision_document(revision: Revision) -> dict[str, Any]:
    if isinstance(revision, S3Revision):
        document: dict[str, Any] = {
            "revisionType": "S3",
            "bucket": revision.bucket,
            "key": revision.key,
            "bundleType": revision.bundle_type.value,
        }
        if revision.version is not None:
            document["version"] = revision.version
        if revision.etag is not None:
            document["eTag"] = revision.etag
        return document
    return {
        "revisionType": "GitHub",
        "repository": revision.repository,
        "commitId": revision.commit_id,
        "bundleType": revision.bundle_type.value,
    }


# --- member readers ---------------------------------------------------------------------------


def _revision(document: Mapping[str, Any]) -> Revision:
    fields = _Fields(document, "revision")
    kind = fields.string("revisionType")
    if kind == "S3":
        return S3Revision(
            bucket=fields.string("bucket"),
            key=fields.string("key"),
            bundle_type=_enum(BundleType, fields.string("bundleType")),
            version=fields.optional_string("version"),
            etag=fields.optional_string("eTag"),
        )
    if kind == "GitHub":
        repository = fields.string("repository")
        if repository.count("/") != 1 or repository.startswith("/") or repository.endswith("/"):
            raise InvalidAgentMessageError(
                f"revision repository {repository!r} is not of the form account/repository"
            )
        return GitHubRevision(
            repository=repository,
            commit_id=fields.string("commitId"),
            bundle_type=_enum(BundleType, fields.optional_string("bundleType") or "tgz"),
        )
    raise InvalidAgentMessageError(f"revision revisionType {kind!r} is not S3 or GitHub")


def _agent_event(name: str) -> LifecycleEvent:
    event = _enum(LifecycleEvent, name)
    if event not in AGENT_EVENTS:
        raise InvalidAgentMessageError(f"lifecycle event {name} is not run by a host agent")
    return event


def _enum(kind: type[_E], value: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidAgentMessageError(
            f"{value!r} is not a {kind.__name__} (one of {allowed})"
        ) from None


class _Fields:
    """Typed access to a message's members, each failure naming the member."""

    def __init__(self, document: Mapping[str, Any], what: str) -> None:
        if not isinstance(document, Mapping):
            raise InvalidAgentMessageError(f"{what} is not a JSON object")
        self._document = document
        self._what = what

    def _fail(self, name: str, expected: str) -> InvalidAgentMessageError:
        return InvalidAgentMessageError(f"{self._what} member {name} must be {expected}")

    def string(self, name: str) -> str:
        value = self._document.get(name)
        if not isinstance(value, str) or not value:
            raise self._fail(name, "a non-empty string")
        return value

    def optional_string(self, name: str) -> str | None:
        value = self._document.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(name, "a string")
        return value

    def integer(self, name: str) -> int:
        value = self._document.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, "an integer")
        return value

    def number(self, name: str) -> float:
        value = self._document.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(name, "a number")
        return float(value)

    def boolean(self, name: str, default: bool) -> bool:
        value = self._document.get(name, default)
        if not isinstance(value, bool):
            raise self._fail(name, "true or false")
        return value

    def string_list(self, name: str) -> list[str]:
        value = self._document.get(name)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(name, "a list of strings")
        return value

    def mapping_list(self, name: str) -> list[Mapping[str, Any]]:
        value = self._document.get(name)
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise self._fail(name, "a list of objects")
        return value

    def mapping(self, name: str) -> Mapping[str, Any]:
        value = self._document.get(name)
        if not isinstance(value, Mapping):
            raise self._fail(name, "an object")
        return value
