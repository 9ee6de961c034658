"""What ``ListApplicationRevisions`` lists, in which order, and where a page resumes.

Every order is a key: (the sort time in epoch milliseconds, the revision id), a never-used revision
sorting as 0 for first/last used time. A ``nextToken`` names the key of the last revision listed,
so a page resumes strictly after it: revisions registered or used between pages neither repeat nor
shift the ones not touched (a revision whose sort time changes between pages moves, as it must).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rollwright.errors import (
    BucketNameFilterRequiredException,
    InvalidBucketNameFilterException,
    InvalidDeployedStateFilterException,
    InvalidKeyPrefixFilterException,
    InvalidSortByException,
    InvalidSortOrderException,
)
from rollwright.next_tokens import decode_token, encode_token, invalid_next_token
from rollwright.revision_locations import (
    S3_KEY_MAX_LENGTH,
    RevisionLocation,
    S3Location,
    valid_s3_bucket,
)

_REVISION_ID = re.compile(r"[0-9a-f]{64}")


class SortBy(StrEnum):
    REGISTER_TIME = "registerTime"
    FIRST_USED_TIME = "firstUsedTime"
    LAST_USED_TIME = "lastUsedTime"


class SortOrder(StrEnum):
    ASCENDING = "ascending"
    DESCENDING = "descending"


class DeployedFilter(StrEnum):
    INCLUDE = "include"
    EXCLUDE = "exclude"
    IGNORE = "ignore"


@dataclass(frozen=True)
class RevisionFilter:
    s3_bucket: str | None = None
    s3_key_prefix: str | None = None
    deployed: DeployedFilter = DeployedFilter.IGNORE

    def matches(self, location: RevisionLocation, *, used: bool) -> bool:
        if self.deployed is DeployedFilter.INCLUDE and not used:
            return False
        if self.deployed is DeployedFilter.EXCLUDE and used:
            return False
        if self.s3_bucket is None:
            return True
        if not isinstance(location, S3Location) or location.bucket != self.s3_bucket:
            return False
        return self.s3_key_prefix is None or location.key.startswith(self.s3_key_prefix)


@dataclass(frozen=True)
class RevisionQuery:
    """``sort_by`` None is CodeDeploy's "arbitrary order": served in register-time order."""

    sort_by: SortBy | None = None
    sort_order: SortOrder = SortOrder.ASCENDING
    revision_filter: RevisionFilter = RevisionFilter()

    @property
    def ordered_by(self) -> SortBy:
        return self.sort_by or SortBy.REGISTER_TIME

    @property
    def descending(self) -> bool:
        return self.sort_order is SortOrder.DESCENDING


@dataclass(frozen=True, order=True)
class ListPosition:
    """A revision's place in one order: its sort time (epoch ms, 0 if never) and its id."""

    sort_value: int
    revision_id: str


def epoch_milliseconds(moment: datetime | None) -> int:
    return 0 if moment is None else round(moment.timestamp() * 1000)


def valid_list_query(
    *,
    sort_by: str | None,
    sort_order: str | None,
    s3_bucket: str | None,
    s3_key_prefix: str | None,
    deployed: str | None,
) -> RevisionQuery:
    # The model's enums first, then CodeDeploy's rules on the S3 filters.
    checked_sort_by = _valid_sort_by(sort_by)
    checked_sort_order = _valid_sort_order(sort_order)
    checked_deployed = _valid_deployed_filter(deployed)
    return RevisionQuery(
        sort_by=checked_sort_by,
        sort_order=checked_sort_order,
        revision_filter=RevisionFilter(
            s3_bucket=_valid_bucket_filter(s3_bucket, s3_key_prefix),
            s3_key_prefix=_valid_key_prefix_filter(s3_key_prefix),
            deployed=checked_deployed,
        ),
    )


def _valid_sort_by(value: str | None) -> SortBy | None:
    if value is None:
        return None
    try:
        return SortBy(value)
    except ValueError:
        raise InvalidSortByException(
            f"The sort column {value!r} is not valid: use registerTime, firstUsedTime or "
            "lastUsedTime."
        ) from None


def _valid_sort_order(value: str | None) -> SortOrder:
    if value is None:
        return SortOrder.ASCENDING
    try:
        return SortOrder(value)
    except ValueError:
        raise InvalidSortOrderException(
            f"The sort order {value!r} is not valid: use ascending or descending."
        ) from None


def _valid_bucket_filter(bucket: str | None, key_prefix: str | None) -> str | None:
    if bucket is None:
        if key_prefix is not None:
            raise BucketNameFilterRequiredException(
                "An S3 key prefix filter needs an S3 bucket filter (s3Bucket)."
            )
        return None
    if not valid_s3_bucket(bucket):
        raise InvalidBucketNameFilterException(
            f"The S3 bucket filter {bucket!r} is not a valid bucket name."
        )
    return bucket


def _valid_key_prefix_filter(prefix: str | None) -> str | None:
    if prefix is not None and not 1 <= len(prefix) <= S3_KEY_MAX_LENGTH:
        raise InvalidKeyPrefixFilterException(
            f"The S3 key prefix filter must be 1 to {S3_KEY_MAX_LENGTH} characters long."
        )
    return prefix


def _valid_deployed_filter(value: str | None) -> DeployedFilter:
    if value is None:
        return DeployedFilter.IGNORE
    try:
        return DeployedFilter(value)
    except ValueError:
        raise InvalidDeployedStateFilterException(
            f"The deployed filter {value!r} is not valid: use include, exclude or ignore."
        ) from None


def encode_position(query: RevisionQuery, position: ListPosition) -> str:
    return encode_token(
        {
            "sortBy": query.ordered_by.value,
            "sortOrder": query.sort_order.value,
            "value": position.sort_value,
            "revisionId": position.revision_id,
        }
    )


def decode_position(query: RevisionQuery, token: str) -> ListPosition:
    """The position a token names; a token of another order is refused, since its position means
    nothing there."""
    document = decode_token(token)
    value, revision = document.get("value"), document.get("revisionId")
    if (
        document.get("sortBy") != query.ordered_by.value
        or document.get("sortOrder") != query.sort_order.value
        or not isinstance(value, int)
        or isinstance(value, bool)
        or value < 0
        or not isinstance(revision, str)
        or not _REVISION_ID.fullmatch(revision)
    ):
        raise invalid_next_token()
    return ListPosition(value, revision)


def after_position(
    positions: Iterable[ListPosition], after: ListPosition | None, *, descending: bool
) -> list[ListPosition]:
    """``positions`` in the query's order, only those strictly after ``after``."""
    ordered = sorted(positions, reverse=descending)
    if after is None:
        return ordered
    if descending:
        return [position for position in ordered if position < after]
    return [position for position in ordered if position > after]
