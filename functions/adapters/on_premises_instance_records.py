"""On-premises instances in the state table: the DynamoDB ``OnPremisesInstanceStore``.

Item layout::

    instance     pk = ONPREM#<instanceName>   sk = INSTANCE
                 gsi1pk = ON_PREMISES_INSTANCES   gsi1sk = <instanceName>   (listing, name order)
                 instance_name, iam_arn_kind (iamUserArn|iamSessionArn), iam_arn, instance_arn,
                 host_id (S), register_time, deregister_time (N, epoch ms), version (N),
                 tags (L of M {key, value}), tag_terms (SS: k:<key>, v:<value>, kv:<[key, value]>)
    ARN claim    pk = IAMARN#<iam arn>        sk = ON_PREMISES_INSTANCE   instance_name
    host claim   pk = HOST#<host id>          sk = ON_PREMISES_INSTANCE   instance_name

Registering puts all three in one transaction, each on ``attribute_not_exists(pk)``, so a name, an
IAM ARN and a host id (the queue's name) each belong to at most one instance under any
concurrency. Deregistering releases the ARN claim in the same transaction as it marks the
instance; the host claim stays with the name. ``tag_terms`` lets a tag filter be a
FilterExpression (``contains``); its entries are prefixed because a set may not hold "".
Reads are one GetItem / BatchGetItem; a listing page is one Query (more only when filters skip).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import (
    cancellation_reasons,
    error_code,
    throttled,
    throttled_or_raise,
)
from functions.adapters.item_reads import batch_get_items, query_attribute
from rollwright.applications import Tag
from rollwright.errors import (
    IamSessionArnAlreadyRegisteredException,
    IamUserArnAlreadyRegisteredException,
    InstanceNameAlreadyRegisteredException,
)
from rollwright.on_premises_instances import InstanceQuery, OnPremisesInstance
from rollwright.on_premises_rules import (
    IamArnKind,
    IamIdentity,
    RegistrationStatus,
    TagFilter,
    TagFilterType,
)

INSTANCES_INDEX = "gsi1"
INSTANCES_PARTITION = "ON_PREMISES_INSTANCES"
INSTANCE_SORT_KEY = "INSTANCE"
CLAIM_SORT_KEY = "ON_PREMISES_INSTANCE"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FAILED = "ConditionalCheckFailed"


def instance_key(name: str) -> dict[str, Any]:
    return {"pk": {"S": f"ONPREM#{name}"}, "sk": {"S": INSTANCE_SORT_KEY}}


def arn_claim_key(arn: str) -> dict[str, Any]:
    return {"pk": {"S": f"IAMARN#{arn}"}, "sk": {"S": CLAIM_SORT_KEY}}


def host_claim_key(host_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"HOST#{host_id}"}, "sk": {"S": CLAIM_SORT_KEY}}


def tag_term(tag_filter: TagFilter) -> str:
    if tag_filter.type is TagFilterType.KEY_ONLY:
        return f"k:{tag_filter.key}"
    if tag_filter.type is TagFilterType.VALUE_ONLY:
        return f"v:{tag_filter.value}"
    return "kv:" + json.dumps([tag_filter.key, tag_filter.value], ensure_ascii=False)


def tag_terms(tags: Sequence[Tag]) -> list[str]:
    terms: set[str] = set()
    for tag in tags:
        terms.add(tag_term(TagFilter(TagFilterType.KEY_ONLY, key=tag.key)))
        terms.add(tag_term(TagFilter(TagFilterType.VALUE_ONLY, value=tag.value)))
        terms.add(tag_term(TagFilter(TagFilterType.KEY_AND_VALUE, tag.key, tag.value)))
    return sorted(terms)


def _milliseconds(moment: datetime) -> dict[str, str]:
    return {"N": str(round(moment.timestamp() * 1000))}


def _moment(attribute: dict[str, Any] | None) -> datetime | None:
    return None if attribute is None else _EPOCH + timedelta(milliseconds=int(attribute["N"]))


def _tag_list(tags: Sequence[Tag]) -> dict[str, Any]:
    return {"L": [{"M": {"key": {"S": t.key}, "value": {"S": t.value}}} for t in tags]}


def instance_item(instance: OnPremisesInstance) -> dict[str, Any]:
    item: dict[str, Any] = {
        **instance_key(instance.name),
        "gsi1pk": {"S": INSTANCES_PARTITION},
        "gsi1sk": {"S": instance.name},
        "instance_name": {"S": instance.name},
        "iam_arn_kind": {"S": instance.identity.kind.value},
        "iam_arn": {"S": instance.identity.arn},
        "instance_arn": {"S": instance.instance_arn},
        "host_id": {"S": instance.host_id},
        "register_time": _milliseconds(instance.register_time),
        "version": {"N": str(instance.version)},
        "tags": _tag_list(instance.tags),
    }
    if instance.deregister_time is not None:
        item["deregister_time"] = _milliseconds(instance.deregister_time)
    if instance.tags:
        item["tag_terms"] = {"SS": tag_terms(instance.tags)}
    return item


def instance_from_item(item: dict[str, Any]) -> OnPremisesInstance:
    register_time = _moment(item["register_time"])
    assert register_time is not None  # every stored instance has one
    return OnPremisesInstance(
        name=item["instance_name"]["S"],
        identity=IamIdentity(IamArnKind(item["iam_arn_kind"]["S"]), item["iam_arn"]["S"]),
        instance_arn=item["instance_arn"]["S"],
        host_id=item["host_id"]["S"],
        register_time=register_time,
        deregister_time=_moment(item.get("deregister_time")),
        tags=tuple(Tag(t["M"]["key"]["S"], t["M"]["value"]["S"]) for t in item["tags"]["L"]),
        version=int(item["version"]["N"]),
    )


class DynamoOnPremisesInstanceStore:
    """``rollwright.on_premises_instances.OnPremisesInstanceStore`` over the state table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, instance: OnPremisesInstance) -> None:
        claim = {"instance_name": {"S": instance.name}}
        items = [
            instance_item(instance),
            {**arn_claim_key(instance.identity.arn), **claim},
            {**host_claim_key(instance.host_id), **claim},
        ]
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                    for item in items
                ]
            )
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise throttled_or_raise(error) from error
            raise _registration_conflict(instance, cancellation_reasons(error)) from None

    def find(self, name: str) -> OnPremisesInstance | None:
        try:
            item = self._client.get_item(
                TableName=self._table, Key=instance_key(name), ConsistentRead=True
            ).get("Item")
        except ClientError as error:
            raise throttled_or_raise(error) from error
        return None if item is None else instance_from_item(item)

    def find_many(self, names: Sequence[str]) -> dict[str, OnPremisesInstance]:
        keys = [instance_key(name) for name in names]
        found = (instance_from_item(i) for i in batch_get_items(self._client, self._table, keys))
        return {instance.name: instance for instance in found}

    def deregister(self, instance: OnPremisesInstance, at: datetime) -> bool:
        return self._transact(
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": instance_key(instance.name),
                        "UpdateExpression": "SET deregister_time = :at, version = :next, "
                        "tags = :none REMOVE tag_terms",
                        "ConditionExpression": "version = :read "
                        "AND attribute_not_exists(deregister_time)",
                        "ExpressionAttributeValues": {
                            ":at": _milliseconds(at),
                            ":next": {"N": str(instance.version + 1)},
                            ":read": {"N": str(instance.version)},
                            ":none": {"L": []},
                        },
                    }
                },
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": arn_claim_key(instance.identity.arn),
                        "ConditionExpression": "attribute_not_exists(pk) OR instance_name = :name",
                        "ExpressionAttributeValues": {":name": {"S": instance.name}},
                    }
                },
            ]
        )

    def replace_tags(self, instances: Sequence[OnPremisesInstance]) -> bool:
        updates = []
        for instance in instances:
            values: dict[str, Any] = {
                ":tags": _tag_list(instance.tags),
                ":next": {"N": str(instance.version + 1)},
                ":read": {"N": str(instance.version)},
            }
            update = "SET tags = :tags, version = :next"
            if instance.tags:
                update += ", tag_terms = :terms"
                values[":terms"] = {"SS": tag_terms(instance.tags)}
            else:
                update += " REMOVE tag_terms"
            updates.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": instance_key(instance.name),
                        "UpdateExpression": update,
                        "ConditionExpression": "version = :read "
                        "AND attribute_not_exists(deregister_time)",
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        return self._transact(updates)

    def names_after(self, after: str | None, query: InstanceQuery, limit: int) -> list[str]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": INSTANCES_INDEX,
            "KeyConditionExpression": "gsi1pk = :partition",
            "ExpressionAttributeValues": {":partition": {"S": INSTANCES_PARTITION}},
            "ProjectionExpression": "gsi1sk",
        }
        if after is not None:
            request["KeyConditionExpression"] += " AND gsi1sk > :after"
            request["ExpressionAttributeValues"][":after"] = {"S": after}
        conditions = []
        if query.registration_status is RegistrationStatus.REGISTERED:
            conditions.append("attribute_not_exists(deregister_time)")
        elif query.registration_status is RegistrationStatus.DEREGISTERED:
            conditions.append("attribute_exists(deregister_time)")
        if query.tag_filters:
            terms = []
            for i, tag_filter in enumerate(query.tag_filters):
                request["ExpressionAttributeValues"][f":t{i}"] = {"S": tag_term(tag_filter)}
                terms.append(f"contains(tag_terms, :t{i})")
            conditions.append("(" + " OR ".join(terms) + ")")
        if conditions:
            request["FilterExpression"] = " AND ".join(conditions)
        return query_attribute(self._client, request, "gsi1sk", limit)

    def _transact(self, items: list[dict[str, Any]]) -> bool:
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise throttled_or_raise(error) from error
            if _FAILED in cancellation_reasons(error):
                return False
            raise throttled() from error
        return True


def _registration_conflict(
    instance: OnPremisesInstance, reasons: list[str]
) -> (
    InstanceNameAlreadyRegisteredException
    | IamUserArnAlreadyRegisteredException
    | (IamSessionArnAlreadyRegisteredException)
):
    name_taken, arn_taken, host_taken = ([*reasons, "", "", ""][i] == _FAILED for i in range(3))
    if name_taken:
        return InstanceNameAlreadyRegisteredException(
            f"The on-premises instance name {instance.name} is already registered."
        )
    if arn_taken:
        if instance.identity.kind is IamArnKind.USER:
            return IamUserArnAlreadyRegisteredException(
                f"The IAM user ARN {instance.identity.arn} is already registered with an "
                "on-premises instance."
            )
        return IamSessionArnAlreadyRegisteredException(
            f"The IAM session ARN {instance.identity.arn} is already registered with an "
            "on-premises instance."
        )
    if host_taken:
        return InstanceNameAlreadyRegisteredException(
            f"The on-premises instance name {instance.name} maps to host id {instance.host_id}, "
            "which another registered instance already uses; choose another name."
        )
    raise throttled()
