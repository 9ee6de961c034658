"""Application revisions in the state table: the DynamoDB ``RevisionStore``.

Item layout (one item per revision of an application; ids, not names, so a rename keeps them)::

    pk = REVISIONS#<applicationId>       sk = REVISION#<revisionId>
    gsi1pk = REVISIONS#<applicationId>   gsi1sk = <registerTime, epoch ms, 13 digits>#<revisionId>
    revision_id (S), revision_type (S),
    S3:       s3_bucket, s3_key, bundle_type (S), s3_version, etag (S, optional)
    GitHub:   repository, commit_id (S)
    inline:   appspec_sha256 (S), appspec_content (S)
    description (S, optional), register_time (N, epoch ms),
    first_used_time, last_used_time (N, epoch ms, once used), deployment_groups (SS, once used)

``revisionId`` is the SHA-256 of the location's identity (``rollwright.revision_locations``).
Reads: Get/BatchGet are one GetItem/BatchGetItem; a register-time listing page is one Query of the
``gsi1`` partition (in key order, resuming at the token's key, filters as a FilterExpression, more
Queries only when filters skip items); first/last-used listings Query the whole partition. Writes
are single UpdateItems with ``if_not_exists``, so registering and recording a use are atomic per
revision without a read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import throttled, throttled_or_raise
from functions.adapters.item_reads import UNPROCESSED_RETRIES, batch_get_items
from rollwright.revision_listing import DeployedFilter, ListPosition, RevisionFilter
from rollwright.revision_locations import (
    AppSpecText,
    BundleType,
    GitHubLocation,
    RevisionLocation,
    RevisionType,
    S3Location,
    revision_id,
)
from rollwright.revisions import ApplicationRevision

REVISIONS_INDEX = "gsi1"
_BATCH_WRITE_LIMIT = 25
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Everything but appspec_content: listings never show inline content, so they do not carry it.
_LISTED_ATTRIBUTES = (
    "pk",
    "revision_type",
    "s3_bucket",
    "s3_key",
    "bundle_type",
    "s3_version",
    "etag",
    "repository",
    "commit_id",
    "appspec_sha256",
    "description",
    "register_time",
    "first_used_time",
    "last_used_time",
    "deployment_groups",
)


def revisions_partition(application_id: str) -> str:
    return f"REVISIONS#{application_id}"


def revision_key(application_id: str, revision: str) -> dict[str, Any]:
    return {"pk": {"S": revisions_partition(application_id)}, "sk": {"S": f"REVISION#{revision}"}}


def register_time_key(position: ListPosition) -> str:
    return f"{position.sort_value:013d}#{position.revision_id}"


def _milliseconds(moment: datetime) -> str:
    return str(round(moment.timestamp() * 1000))


def _moment(attribute: dict[str, Any] | None) -> datetime | None:
    return None if attribute is None else _EPOCH + timedelta(milliseconds=int(attribute["N"]))


def location_attributes(location: RevisionLocation) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "revision_id": {"S": revision_id(location)},
        "revision_type": {"S": location.revision_type.value},
    }
    if isinstance(location, S3Location):
        attributes |= {
            "s3_bucket": {"S": location.bucket},
            "s3_key": {"S": location.key},
            "bundle_type": {"S": location.bundle_type.value},
        }
        if location.version is not None:
            attributes["s3_version"] = {"S": location.version}
        if location.etag is not None:
            attributes["etag"] = {"S": location.etag}
    elif isinstance(location, GitHubLocation):
        attributes |= {
            "repository": {"S": location.repository},
            "commit_id": {"S": location.commit_id},
        }
    else:
        attributes["appspec_sha256"] = {"S": location.sha256}
        if location.content is not None:
            attributes["appspec_content"] = {"S": location.content}
    return attributes


def location_from_item(item: dict[str, Any]) -> RevisionLocation:
    revision_type = RevisionType(item["revision_type"]["S"])
    if revision_type is RevisionType.S3:
        return S3Location(
            bucket=item["s3_bucket"]["S"],
            key=item["s3_key"]["S"],
            bundle_type=BundleType(item["bundle_type"]["S"]),
            version=item.get("s3_version", {}).get("S"),
            etag=item.get("etag", {}).get("S"),
        )
    if revision_type is RevisionType.GITHUB:
        return GitHubLocation(item["repository"]["S"], item["commit_id"]["S"])
    return AppSpecText(
        revision_type, item["appspec_sha256"]["S"], item.get("appspec_content", {}).get("S")
    )


def revision_from_item(item: dict[str, Any]) -> ApplicationRevision:
    register_time = _moment(item["register_time"])
    assert register_time is not None  # every stored revision has one
    return ApplicationRevision(
        application_id=item["pk"]["S"].removeprefix("REVISIONS#"),
        location=location_from_item(item),
        register_time=register_time,
        description=item.get("description", {}).get("S"),
        first_used_time=_moment(item.get("first_used_time")),
        last_used_time=_moment(item.get("last_used_time")),
        deployment_groups=tuple(sorted(item.get("deployment_groups", {}).get("SS", []))),
    )


class DynamoRevisionStore:
    """``rollwright.revisions.RevisionStore`` over the state table (a DynamoDB client)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def register(
        self,
        application_id: str,
        location: RevisionLocation,
        description: str | None,
        at: datetime,
    ) -> None:
        extra: dict[str, Any] = {}
        if description is not None:
            extra["description"] = {"S": description}
        self._upsert(application_id, location, at, assignments=extra, deployment_group=None)

    def record_use(
        self, application_id: str, location: RevisionLocation, deployment_group: str, at: datetime
    ) -> None:
        self._upsert(
            application_id,
            location,
            at,
            assignments={"last_used_time": {"N": _milliseconds(at)}},
            deployment_group=deployment_group,
        )

    def _upsert(
        self,
        application_id: str,
        location: RevisionLocation,
        at: datetime,
        *,
        assignments: dict[str, Any],
        deployment_group: str | None,
    ) -> None:
        # The location's attributes are rewritten as they are (the same identity); the register
        # time and its index key only on the first write; the first use only on the first use.
        position = ListPosition(int(_milliseconds(at)), revision_id(location))
        values: dict[str, Any] = {
            **location_attributes(location),
            "gsi1pk": {"S": revisions_partition(application_id)},
            **assignments,
        }
        names = {f"#a{i}": name for i, name in enumerate(values)}
        expression_values = {f":a{i}": value for i, value in enumerate(values.values())}
        sets = [f"#a{i} = :a{i}" for i in range(len(values))]
        expression_values[":at"] = {"N": _milliseconds(at)}
        expression_values[":gsk"] = {"S": register_time_key(position)}
        sets += [
            "register_time = if_not_exists(register_time, :at)",
            "gsi1sk = if_not_exists(gsi1sk, :gsk)",
        ]
        update = "SET " + ", ".join(sets)
        if deployment_group is not None:
            sets.append("first_used_time = if_not_exists(first_used_time, :at)")
            expression_values[":group"] = {"SS": [deployment_group]}
            update = "SET " + ", ".join(sets) + " ADD deployment_groups :group"
        try:
            self._client.update_item(
                TableName=self._table,
                Key=revision_key(application_id, position.revision_id),
                UpdateExpression=update,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=expression_values,
            )
        except ClientError as error:
            raise throttled_or_raise(error) from error

    def find(self, application_id: str, revision: str) -> ApplicationRevision | None:
        try:
            item = self._client.get_item(
                TableName=self._table,
                Key=revision_key(application_id, revision),
                ConsistentRead=True,
            ).get("Item")
        except ClientError as error:
            raise throttled_or_raise(error) from error
        return None if item is None else revision_from_item(item)

    def find_many(
        self, application_id: str, revision_ids: Sequence[str]
    ) -> dict[str, ApplicationRevision]:
        keys = [revision_key(application_id, r) for r in revision_ids]
        found = (revision_from_item(i) for i in batch_get_items(self._client, self._table, keys))
        return {revision.revision_id: revision for revision in found}

    def page_by_register_time(
        self,
        application_id: str,
        revision_filter: RevisionFilter,
        *,
        descending: bool,
        after: ListPosition | None,
        limit: int,
    ) -> list[ApplicationRevision]:
        query = self._listing_query(application_id, revision_filter)
        query["ScanIndexForward"] = not descending
        if after is not None:
            query["KeyConditionExpression"] += f" AND gsi1sk {'<' if descending else '>'} :after"
            query["ExpressionAttributeValues"][":after"] = {"S": register_time_key(after)}
        revisions: list[ApplicationRevision] = []
        for item in self._items(query, page_limit=limit):
            revisions.append(revision_from_item(item))
            if len(revisions) == limit:
                break
        return revisions

    def all_matching(
        self, application_id: str, revision_filter: RevisionFilter
    ) -> list[ApplicationRevision]:
        query = self._listing_query(application_id, revision_filter)
        return [revision_from_item(item) for item in self._items(query, page_limit=None)]

    def remove_all(self, application_id: str) -> None:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": revisions_partition(application_id)}},
            "ProjectionExpression": "pk, sk",
        }
        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in self._items(query, None)]
        for start in range(0, len(keys), _BATCH_WRITE_LIMIT):
            chunk = keys[start : start + _BATCH_WRITE_LIMIT]
            self._delete(chunk)

    def _delete(self, keys: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {self._table: [{"DeleteRequest": {"Key": key}} for key in keys]}
        for _ in range(UNPROCESSED_RETRIES):
            try:
                response = self._client.batch_write_item(RequestItems=request)
            except ClientError as error:
                raise throttled_or_raise(error) from error
            request = response.get("UnprocessedItems") or {}
            if not request:
                return
        raise throttled()

    def _listing_query(
        self, application_id: str, revision_filter: RevisionFilter
    ) -> dict[str, Any]:
        names = {f"#p{i}": name for i, name in enumerate(_LISTED_ATTRIBUTES)}
        values: dict[str, Any] = {":partition": {"S": revisions_partition(application_id)}}
        conditions: list[str] = []
        if revision_filter.deployed is DeployedFilter.INCLUDE:
            conditions.append("attribute_exists(first_used_time)")
        elif revision_filter.deployed is DeployedFilter.EXCLUDE:
            conditions.append("attribute_not_exists(first_used_time)")
        if revision_filter.s3_bucket is not None:
            conditions.append("s3_bucket = :bucket")
            values[":bucket"] = {"S": revision_filter.s3_bucket}
        if revision_filter.s3_key_prefix is not None:
            conditions.append("begins_with(s3_key, :prefix)")
            values[":prefix"] = {"S": revision_filter.s3_key_prefix}
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": REVISIONS_INDEX,
            "KeyConditionExpression": "gsi1pk = :partition",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ProjectionExpression": ", ".join(names),
        }
        if conditions:
            query["FilterExpression"] = " AND ".join(conditions)
        return query

    def _items(self, query: dict[str, Any], page_limit: int | None) -> Iterator[dict[str, Any]]:
        while True:
            request = dict(query) if page_limit is None else {**query, "Limit": page_limit}
            try:
                response = self._client.query(**request)
            except ClientError as error:
                raise throttled_or_raise(error) from error
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            query = {**query, "ExclusiveStartKey": response["LastEvaluatedKey"]}
