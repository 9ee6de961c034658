"""Tags on application items: the DynamoDB ``ApplicationTagStore``.

The application item (layout in ``application_records``) keeps its tags in ``tags`` (L of M
{key, value}); TagResource and UntagResource rewrite that list with one UpdateItem conditional on
the application id and on ``tags_version`` (N, absent until the first tag change), so two
concurrent tag changes cannot overwrite each other and a deleted or re-created application is not
touched.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.application_records import application_key
from functions.adapters.dynamodb_errors import error_code, throttled_or_raise
from rollwright.applications import Tag
from rollwright.resource_tags import ApplicationTags, ApplicationTagsChanged


class DynamoApplicationTagStore:
    """``rollwright.resource_tags.ApplicationTagStore`` over the state table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def tags_of(self, application_name: str) -> ApplicationTags | None:
        try:
            item = self._client.get_item(
                TableName=self._table,
                Key=application_key(application_name),
                ProjectionExpression="application_id, tags, tags_version",
                ConsistentRead=True,
            ).get("Item")
        except ClientError as error:
            raise throttled_or_raise(error) from error
        if item is None:
            return None
        return ApplicationTags(
            application_id=item["application_id"]["S"],
            tags=tuple(Tag(t["M"]["key"]["S"], t["M"]["value"]["S"]) for t in item["tags"]["L"]),
            version=int(item.get("tags_version", {}).get("N", "0")),
        )

    def replace_tags(
        self, application_name: str, current: ApplicationTags, tags: tuple[Tag, ...]
    ) -> None:
        version_condition = (
            "attribute_not_exists(tags_version)" if current.version == 0 else "tags_version = :v"
        )
        values: dict[str, Any] = {
            ":id": {"S": current.application_id},
            ":tags": {"L": [{"M": {"key": {"S": t.key}, "value": {"S": t.value}}} for t in tags]},
            ":next": {"N": str(current.version + 1)},
        }
        if current.version:
            values[":v"] = {"N": str(current.version)}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=application_key(application_name),
                UpdateExpression="SET tags = :tags, tags_version = :next",
                ConditionExpression=f"application_id = :id AND {version_condition}",
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise ApplicationTagsChanged() from None
            raise throttled_or_raise(error) from error
