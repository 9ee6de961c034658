"""``TransactWriteItems`` without a copy of the whole table per item (moto's rollback).

moto backs a transaction out by deep-copying every table it names, once per item, before it
starts, and putting the copies back if an item fails. The cost grows with the table: on the
devstack, where the state table holds every deployment of the session, a 100-item
``CreateDeployment`` plan took 2-4 s and grew by ~0.4 s per deployment, and every host result (a
two-item transaction) paid the copy too (`docs/decisions.md`). DynamoDB itself touches only the
items named.

This keeps moto's transaction code (conditions, errors, cancellation reasons) and changes what it
copies: the copy of a ``Table`` is the live table itself, and the items the transaction names
(with their stream length) are saved beforehand and restored if it fails, which is what the
whole-table copy restored. The gateway runs DynamoDB requests one at a time
(``dynamodb_atomicity``), so nothing else writes in between.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_PATCHED = "_devstack_item_level_rollback"


def use_item_level_rollback() -> None:
    """Install the patch (idempotent)."""
    if getattr(DynamoDBBackend, _PATCHED, False):
        return
    # moto's models module refers to ``copy`` for its table copies: tables now copy as themselves.
    dynamodb_models.copy = types.SimpleNamespace(deepcopy=_copy_but_tables, copy=copy.copy)  # type: ignore[assignment,attr-defined]
    original: Callable[[DynamoDBBackend, list[dict[str, Any]]], None] = (
        DynamoDBBackend.transact_write_items
    )

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved = _SavedItems.of(self, transact_items)
        try:
            original(self, transact_items)
        except Exception:
            saved.restore()
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    setattr(DynamoDBBackend, _PATCHED, True)


def _copy_but_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


@dataclass
class _SavedItems:
    """The items a transaction names, as they were, and each table's stream length."""

    items: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = field(
        default_factory=list
    )
    stream_lengths: dict[str, tuple[Table, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> _SavedItems:
        saved = cls()
        for entry in transact_items:
            for operation in entry.values():
                name = operation.get("TableName") if isinstance(operation, dict) else None
                if name not in backend.tables:
                    continue  # moto reports it; nothing to save
                table = backend.tables[name]
                try:
                    key = _key_of(table, operation)
                    hash_key, range_key = backend.get_keys_value(table, key)
                except Exception:  # noqa: S112 (a malformed item: moto refuses the request)
                    continue
                before = table.get_item(hash_key, range_key)
                saved.items.append((table, hash_key, range_key, copy.deepcopy(before)))
                if table.stream_shard is not None and name not in saved.stream_lengths:
                    saved.stream_lengths[name] = (table, len(table.stream_shard.items))
        return saved

    def restore(self) -> None:
        for table, hash_key, range_key, before in reversed(self.items):
            if range_key is not None:
                if before is None:
                    table.items.get(hash_key, {}).pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = before
            elif before is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = before  # type: ignore[assignment]
        for table, length in self.stream_lengths.values():
            if table.stream_shard is not None:
                del table.stream_shard.items[length:]


def _key_of(table: Table, operation: dict[str, Any]) -> dict[str, Any]:
    if "Key" in operation:
        return dict(operation["Key"])
    attributes = operation["Item"]
    key = {table.hash_key_attr: attributes[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attributes[table.range_key_attr]
    return key
