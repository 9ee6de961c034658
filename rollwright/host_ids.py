"""Host ids: the one per-host name that IAM, SQS and CloudWatch Logs all accept.

A host acts as a role session tagged ``rollwright:host=<host id>`` (see ``stacks/host_access.py``),
and that id names its command queue (``<prefix><host id>``) and its log streams
(``<host id>/<deployment id>``). SQS queue names allow only ``[A-Za-z0-9_-]`` (80 characters in
all) and role session names at most 64 characters, so a host id is at most 64 of those characters.
An EC2 host's id is its instance id; an on-premises host's id is its registered instance name
mapped by ``host_id_for_instance_name``, which both the agent and the control plane use.
"""

from __future__ import annotations

import re

HOST_ID_MAX_LENGTH = 64
_HOST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_OUTSIDE_HOST_ID_ALPHABET = re.compile(r"[^A-Za-z0-9_-]")


class InvalidHostIdError(ValueError):
    """A name that cannot become a host id."""


def host_id_for_instance_name(instance_name: str) -> str:
    """The host id of an on-premises instance: each character outside ``[A-Za-z0-9_-]`` becomes
    ``-`` (CodeDeploy instance names may also hold ``.``, ``@``, ``+``, ``=`` and ``,``).

    Names are never shortened: two long names cut to one id would share a queue, so a name
    longer than 64 characters is refused instead.
    """
    if not instance_name:
        raise InvalidHostIdError("an instance name must not be empty")
    if len(instance_name) > HOST_ID_MAX_LENGTH:
        raise InvalidHostIdError(
            f"instance name {instance_name!r} is longer than {HOST_ID_MAX_LENGTH} characters, "
            "the longest role session name a host id must fit in"
        )
    return _OUTSIDE_HOST_ID_ALPHABET.sub("-", instance_name)


def require_host_id(host_id: str) -> str:
    """``host_id`` itself, if it is a valid host id."""
    if not _HOST_ID.fullmatch(host_id):
        raise InvalidHostIdError(
            f"host id {host_id!r} must be 1 to {HOST_ID_MAX_LENGTH} characters of [A-Za-z0-9_-]"
        )
    return host_id


def host_queue_name(queue_prefix: str, host_id: str) -> str:
    """The name of a host's command queue."""
    return f"{queue_prefix}{require_host_id(host_id)}"


def host_log_stream(host_id: str, deployment_id: str) -> str:
    """The log stream of one deployment's hook output on one host (the IAM scope is
    ``<host id>/*``)."""
    return f"{require_host_id(host_id)}/{deployment_id}"


_ASSUMED_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:sts::\d{12}:assumed-role/[\w+=,.@/-]+/([^/]+)")


def host_id_of_caller(caller_arn: str | None) -> str | None:
    """The host id a caller acts as: the session name of an assumed-role ARN
    (``arn:aws:sts::<account>:assumed-role/<role>/<session>``), which the host role's trust
    policy pins to the session's ``rollwright:host`` tag; None for any other caller."""
    match = _ASSUMED_ROLE_ARN.fullmatch(caller_arn or "")
    if match is None or not _HOST_ID.fullmatch(match.group(1)):
        return None
    return match.group(1)
