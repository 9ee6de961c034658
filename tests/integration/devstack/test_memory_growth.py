"""The gateway's memory does not grow with every write: moto's models live only as long as a
backend refers to them (``devstack.moto_model_tracking``); ``GET /_devstack/memory`` shows it."""

from __future__ import annotations

import json
import tracemalloc
import urllib.request
from typing import Any

from devstack.memory_probe import MemoryProbe
from devstack.state import DevstackState

WRITES = 300
KEYS = 5


def _memory(devstack: DevstackState, query: str) -> dict[str, Any]:
    url = f"{devstack.aws_endpoint_url}/_devstack/memory?{query}"
    with urllib.request.urlopen(url, timeout=120) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


def _live(document: dict[str, Any], type_name: str) -> int:
    return next((t["count"] for t in document["types"] if t["type"] == type_name), 0)


def test_repeated_writes_to_a_streamed_table_leave_no_item_or_table_copies_behind(aws, devstack):
    # Given a table with a stream of old and new images
    dynamodb = aws("dynamodb")
    dynamodb.create_table(
        TableName="memory-growth",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    before = _memory(devstack, "types=1&collect=1&top=100000")
    # When the same few items are written many times, half of them in transactions
    for number in range(WRITES):
        item = {"pk": {"S": f"key-{number % KEYS}"}, "n": {"N": str(number)}}
        if number % 2:
            dynamodb.put_item(TableName="memory-growth", Item=item)
        else:
            dynamodb.transact_write_items(
                TransactItems=[{"Put": {"TableName": "memory-growth", "Item": item}}]
            )
    after = _memory(devstack, "types=1&collect=1&top=100000")
    # Then the gateway holds the live items and no copy per write or per transaction
    assert after["dynamodb_tables"]["memory-growth"]["items"] == KEYS
    assert _live(after, "Item") - _live(before, "Item") < WRITES // 10
    assert _live(after, "Table") - _live(before, "Table") <= 1


def test_the_memory_report_lists_growth_by_traceback_once_tracing_started():
    # Given a probe that started tracing allocations
    probe = MemoryProbe()
    first = probe.report(trace=5)
    try:
        # When a few megabytes are allocated before the next report
        kept = [bytes(1024) for _ in range(4096)]
        second = probe.report(top=5)
    finally:
        tracemalloc.stop()
    # Then the first report has the RSS and no growth yet, the second names this allocation
    assert first["rss_bytes"] > 0
    assert first["growth"] == []
    biggest = second["growth"][0]
    assert biggest["size_diff"] >= 4 * 1024 * 1024
    assert any(__file__ in frame for frame in biggest["traceback"])
    assert len(kept) == 4096
