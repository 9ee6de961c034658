"""The rules for on-premises instance input, each with CodeDeploy's exception name.

Instance names are at most 64 characters (CodeDeploy allows 100): an instance's host id, which
names its queue and is the role session name its agent works under, is derived from the name
(``rollwright.host_ids``) and may not be longer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rollwright.applications import Tag
from rollwright.errors import (
    BatchLimitExceededException,
    CodeDeployError,
    IamArnRequiredException,
    InstanceLimitExceededException,
    InstanceNameRequiredException,
    InvalidIamSessionArnException,
    InvalidIamUserArnException,
    InvalidInstanceNameException,
    InvalidRegistrationStatusException,
    InvalidTagException,
    InvalidTagFilterException,
    MultipleIamArnsProvidedException,
    TagLimitExceededException,
    TagRequiredException,
)
from rollwright.host_ids import HOST_ID_MAX_LENGTH
from rollwright.model_constraints import optional_enum

INSTANCE_NAME_MAX_LENGTH = HOST_ID_MAX_LENGTH
_INSTANCE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]+")
BATCH_GET_LIMIT = 25
# Ours: the model names the limits but not their values; 25 instances keeps one tagging call
# within a single DynamoDB transaction, 10 tags is CodeDeploy's per-resource tag quota.
TAGGING_INSTANCE_LIMIT = 25
MAX_TAGS_PER_INSTANCE = 10
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256
_IAM_NAME = r"[\w+=,.@-]"
_IAM_USER_ARN = re.compile(
    rf"arn:aws[a-z-]*:iam::\d{{12}}:user/(?:{_IAM_NAME}+/)*{_IAM_NAME}{{1,64}}", re.ASCII
)
_IAM_SESSION_ARN = re.compile(
    rf"arn:aws[a-z-]*:sts::\d{{12}}:assumed-role/{_IAM_NAME}{{1,64}}/{_IAM_NAME}{{2,64}}", re.ASCII
)


class IamArnKind(StrEnum):
    USER = "iamUserArn"
    SESSION = "iamSessionArn"


@dataclass(frozen=True)
class IamIdentity:
    """The one IAM identity an on-premises instance's agent authenticates as."""

    kind: IamArnKind
    arn: str


class RegistrationStatus(StrEnum):
    REGISTERED = "Registered"
    DEREGISTERED = "Deregistered"


class TagFilterType(StrEnum):
    KEY_ONLY = "KEY_ONLY"
    VALUE_ONLY = "VALUE_ONLY"
    KEY_AND_VALUE = "KEY_AND_VALUE"


@dataclass(frozen=True)
class TagFilter:
    type: TagFilterType
    key: str | None = None
    value: str | None = None

    def matches(self, tags: Sequence[Tag]) -> bool:
        if self.type is TagFilterType.KEY_ONLY:
            return any(tag.key == self.key for tag in tags)
        if self.type is TagFilterType.VALUE_ONLY:
            return any(tag.value == self.value for tag in tags)
        return any(tag.key == self.key and tag.value == self.value for tag in tags)


def valid_instance_name(name: str | None) -> str:
    if name is None or name == "":
        raise InstanceNameRequiredException("The on-premises instance name is required.")
    if len(name) > INSTANCE_NAME_MAX_LENGTH:
        raise InvalidInstanceNameException(
            f"The instance name is {len(name)} characters long; the limit is "
            f"{INSTANCE_NAME_MAX_LENGTH}."
        )
    if not _INSTANCE_NAME.fullmatch(name):
        raise InvalidInstanceNameException(
            f"The instance name {name!r} is not valid: use only letters, digits and + = , . @ _ -"
        )
    return name


def valid_instance_names(
    names: Sequence[str | None] | None, *, limit: int, too_many: type[CodeDeployError]
) -> list[str]:
    """The names of a multi-instance request, checked and without repeats, in the order given."""
    if not names:
        raise InstanceNameRequiredException("At least one instance name is required.")
    if len(names) > limit:
        raise too_many(f"At most {limit} instance names can be given, got {len(names)}.")
    return list(dict.fromkeys(valid_instance_name(name) for name in names))


def valid_batch_get_names(names: Sequence[str | None] | None) -> list[str]:
    return valid_instance_names(names, limit=BATCH_GET_LIMIT, too_many=BatchLimitExceededException)


def valid_tagging_names(names: Sequence[str | None] | None) -> list[str]:
    return valid_instance_names(
        names, limit=TAGGING_INSTANCE_LIMIT, too_many=InstanceLimitExceededException
    )


def valid_iam_identity(*, user_arn: str | None, session_arn: str | None) -> IamIdentity:
    if user_arn and session_arn:
        raise MultipleIamArnsProvidedException("Give either iamSessionArn or iamUserArn, not both.")
    if user_arn:
        if not _IAM_USER_ARN.fullmatch(user_arn):
            raise InvalidIamUserArnException(
                f"{user_arn!r} is not an IAM user ARN (arn:aws:iam::<account>:user/<name>)."
            )
        return IamIdentity(IamArnKind.USER, user_arn)
    if session_arn:
        if not _IAM_SESSION_ARN.fullmatch(session_arn):
            raise InvalidIamSessionArnException(
                f"{session_arn!r} is not an IAM session ARN "
                "(arn:aws:sts::<account>:assumed-role/<role>/<session>)."
            )
        return IamIdentity(IamArnKind.SESSION, session_arn)
    raise IamArnRequiredException("Either iamSessionArn or iamUserArn is required.")


def valid_tags(
    tags: Sequence[tuple[str | None, str | None]] | None, *, values_required: bool
) -> tuple[Tag, ...]:
    """Tags to add (``values_required``) or to remove (a missing value removes any value)."""
    if not tags:
        raise TagRequiredException("At least one tag is required.")
    if len(tags) > MAX_TAGS_PER_INSTANCE:
        raise TagLimitExceededException(
            f"At most {MAX_TAGS_PER_INSTANCE} tags can be given, got {len(tags)}."
        )
    checked: list[Tag] = []
    for key, value in tags:
        if not key or len(key) > TAG_KEY_MAX_LENGTH:
            raise InvalidTagException(f"A tag key must be 1 to {TAG_KEY_MAX_LENGTH} characters.")
        if key.lower().startswith("aws:"):
            raise InvalidTagException(f"The tag key {key!r} uses the reserved prefix 'aws:'.")
        if value is None and values_required:
            raise InvalidTagException(
                f"The tag {key!r} has no value; keys and values are both required."
            )
        if value is not None and len(value) > TAG_VALUE_MAX_LENGTH:
            raise InvalidTagException(
                f"The value of tag {key!r} is longer than {TAG_VALUE_MAX_LENGTH} characters."
            )
        if any(tag.key == key for tag in checked) and values_required:
            raise InvalidTagException(f"The tag key {key!r} is given more than once.")
        checked.append(Tag(key, "" if value is None else value))
    return tuple(checked)


def valid_registration_status(value: str | None) -> RegistrationStatus | None:
    if value is None:
        return None
    try:
        return RegistrationStatus(value)
    except ValueError:
        raise InvalidRegistrationStatusException(
            f"The registration status {value!r} is not valid: use Registered or Deregistered."
        ) from None


def valid_tag_filter_type(kind: str | None) -> TagFilterType | None:
    """A tag filter's Type, the model's enum; the model leaves it optional."""
    return optional_enum(TagFilterType, kind, InvalidTagFilterException, "tag filter type")


def valid_tag_filters(
    filters: Sequence[tuple[str | None, str | None, TagFilterType | None]],
) -> tuple[TagFilter, ...]:
    """(Key, Value, Type) triples whose Type is read (``valid_tag_filter_type``); a filter has a
    Type and names what its type compares, and nothing else."""
    checked: list[TagFilter] = []
    for key, value, filter_type in filters:
        if filter_type is None:
            raise InvalidTagFilterException(
                "A tag filter needs a Type: KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE."
            )
        needs_key = filter_type is not TagFilterType.VALUE_ONLY
        needs_value = filter_type is not TagFilterType.KEY_ONLY
        if needs_key and not key:
            raise InvalidTagFilterException(f"A {filter_type} tag filter needs a Key.")
        if needs_value and value is None:
            raise InvalidTagFilterException(f"A {filter_type} tag filter needs a Value.")
        checked.append(
            TagFilter(filter_type, key if needs_key else None, value if needs_value else None)
        )
    return tuple(checked)
