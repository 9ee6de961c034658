"""USD at public AWS prices for what a piece of work used on the devstack.

Prices are us-east-1 list prices, on demand, without the free tier, as published on each
service's pricing page on the date below (``PRICES_AS_OF``); the page is named beside each price.
The devstack counts requests by ``"service:Operation"`` (``devstack.request_counts``); what is
billed by something other than requests (DynamoDB request units, Lambda GB-seconds, Step Functions
state transitions, log bytes, X-Ray traces) the caller measures and passes in ``Usage``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

PRICES_AS_OF = "2026-11-28"
MILLION = 1_000_000

# "Amazon API Gateway pricing", REST APIs, first 333 million requests a month.
API_GATEWAY_REST_PER_REQUEST = 3.50 / MILLION
# "AWS Lambda pricing", Arm: requests, and duration in the first 7.5 billion GB-s a month.
LAMBDA_PER_REQUEST = 0.20 / MILLION
LAMBDA_ARM64_PER_GB_SECOND = 0.0000133334
# "AWS Step Functions pricing", Standard workflows.
STEP_FUNCTIONS_STANDARD_PER_TRANSITION = 0.025 / 1000
# "Amazon DynamoDB pricing for on-demand capacity", Standard table class. These are the prices
# since the 50 % cut of 2024-11-01 (before it: $1.25 and $0.25 per million).
DYNAMODB_PER_WRITE_REQUEST_UNIT = 0.625 / MILLION
DYNAMODB_PER_READ_REQUEST_UNIT = 0.125 / MILLION
# "Amazon SQS pricing", standard queues, after the first 1 million requests (each 64 KB chunk of a
# request is one request; ours are small).
SQS_STANDARD_PER_REQUEST = 0.40 / MILLION
# "Amazon CloudWatch pricing": Logs, Standard log class ingestion (vended logs such as Step
# Functions' start at the same price); API requests; X-Ray (on "AWS X-Ray pricing") traces recorded.
CLOUDWATCH_LOGS_INGESTION_PER_GB = 0.50
CLOUDWATCH_PER_API_REQUEST = 0.01 / 1000
XRAY_PER_TRACE_RECORDED = 5.00 / MILLION
# "Amazon S3 pricing", S3 Standard requests.
S3_GET_PER_REQUEST = 0.0004 / 1000  # GET, SELECT and all other requests
S3_PUT_PER_REQUEST = 0.005 / 1000  # PUT, COPY, POST, LIST
# "Amazon EventBridge pricing", custom events (64 KB chunks); "Amazon SNS pricing", publishes.
EVENTBRIDGE_PER_CUSTOM_EVENT = 1.00 / MILLION
SNS_PER_PUBLISH = 0.50 / MILLION
GB = 1024**3

# Requests no price list charges for: their cost is in other line items or nowhere.
FREE_SERVICES = frozenset(
    {"sts", "iam", "ec2", "autoscaling", "elb", "elbv2", "stepfunctions", "lambda", "logs"}
)
S3_PUT_CLASS_PREFIXES = ("Put", "Copy", "Post", "List", "Create", "Complete", "Upload")
S3_FREE_PREFIXES = ("Delete",)


@dataclass(frozen=True)
class DynamoDbAssumptions:
    """How request counts become request units, where sizes and item counts are not seen.

    The defaults: items of at most 1 KB written, at most 4 KB read strongly consistently (1 unit
    per item either way), a Query reads at most 4 KB, and transactions cost 2 units per item.
    """

    write_units_per_item: float = 1.0
    read_units_per_item: float = 1.0
    read_units_per_query: float = 1.0
    items_per_transact_write: float = 2.0
    items_per_transact_get: float = 2.0
    items_per_batch_write: float = 25.0
    items_per_batch_get: float = 1.0


@dataclass(frozen=True)
class RequestUnits:
    read: float
    write: float


WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
READ_OPERATIONS = frozenset({"GetItem"})
QUERY_OPERATIONS = frozenset({"Query", "Scan"})


def dynamodb_request_units(
    requests: Mapping[str, float], assumptions: DynamoDbAssumptions | None = None
) -> RequestUnits:
    """Read and write request units of the ``dynamodb:*`` requests, under ``assumptions``."""
    rules = assumptions or DynamoDbAssumptions()
    read = write = 0.0
    for key, count in requests.items():
        service, _, operation = key.partition(":")
        if service != "dynamodb":
            continue
        if operation in WRITE_OPERATIONS:
            write += count * rules.write_units_per_item
        elif operation in READ_OPERATIONS:
            read += count * rules.read_units_per_item
        elif operation in QUERY_OPERATIONS:
            read += count * rules.read_units_per_query
        elif operation == "TransactWriteItems":
            write += count * rules.items_per_transact_write * 2 * rules.write_units_per_item
        elif operation == "TransactGetItems":
            read += count * rules.items_per_transact_get * 2 * rules.read_units_per_item
        elif operation == "BatchWriteItem":
            write += count * rules.items_per_batch_write * rules.write_units_per_item
        elif operation == "BatchGetItem":
            read += count * rules.items_per_batch_get * rules.read_units_per_item
    return RequestUnits(read=read, write=write)


@dataclass(frozen=True)
class Usage:
    """What some work used: requests by ``"service:Operation"`` and the measured quantities."""

    requests: Mapping[str, float]
    dynamodb_units: RequestUnits
    lambda_invocations: float = 0
    lambda_gb_seconds: float = 0.0
    state_transitions: float = 0
    log_bytes: float = 0
    xray_traces: float = 0

    def scaled(self, factor: float) -> Usage:
        """The usage times ``factor`` (e.g. 1 / host-updates)."""
        return Usage(
            requests={key: count * factor for key, count in self.requests.items()},
            dynamodb_units=RequestUnits(
                self.dynamodb_units.read * factor, self.dynamodb_units.write * factor
            ),
            lambda_invocations=self.lambda_invocations * factor,
            lambda_gb_seconds=self.lambda_gb_seconds * factor,
            state_transitions=self.state_transitions * factor,
            log_bytes=self.log_bytes * factor,
            xray_traces=self.xray_traces * factor,
        )


@dataclass(frozen=True)
class Cost:
    """USD by line item, and the request kinds no price here covers (so nothing drops silently)."""

    line_items: dict[str, float]
    unpriced: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.line_items.values())


def lambda_gb_seconds(duration_ms: float, memory_mb: int) -> float:
    """One invocation's GB-seconds: duration billed in whole milliseconds."""
    return math.ceil(duration_ms) / 1000 * memory_mb / 1024


def cost(usage: Usage) -> Cost:
    """The USD of ``usage`` by line item."""
    items: dict[str, float] = {}
    unpriced: dict[str, float] = {}

    def add(item: str, usd: float) -> None:
        items[item] = items.get(item, 0.0) + usd

    for key, count in usage.requests.items():
        service, _, operation = key.partition(":")
        if service == "execute-api":
            add("API Gateway requests", count * API_GATEWAY_REST_PER_REQUEST)
        elif service == "sqs":
            add("SQS requests", count * SQS_STANDARD_PER_REQUEST)
        elif service == "s3":
            if operation.startswith(S3_FREE_PREFIXES):
                continue
            price = (
                S3_PUT_PER_REQUEST
                if operation.startswith(S3_PUT_CLASS_PREFIXES)
                else S3_GET_PER_REQUEST
            )
            add("S3 requests", count * price)
        elif service == "events" and operation == "PutEvents":
            add("EventBridge events", count * EVENTBRIDGE_PER_CUSTOM_EVENT)
        elif service == "sns" and operation == "Publish":
            add("SNS publishes", count * SNS_PER_PUBLISH)
        elif service == "cloudwatch":
            add("CloudWatch API requests", count * CLOUDWATCH_PER_API_REQUEST)
        elif service == "dynamodb" or service in FREE_SERVICES:
            continue  # DynamoDB by request units below; the others are free or billed elsewhere
        else:
            unpriced[key] = unpriced.get(key, 0.0) + count
    add(
        "DynamoDB write request units", usage.dynamodb_units.write * DYNAMODB_PER_WRITE_REQUEST_UNIT
    )
    add("DynamoDB read request units", usage.dynamodb_units.read * DYNAMODB_PER_READ_REQUEST_UNIT)
    add("Lambda requests", usage.lambda_invocations * LAMBDA_PER_REQUEST)
    add("Lambda duration (arm64)", usage.lambda_gb_seconds * LAMBDA_ARM64_PER_GB_SECOND)
    add(
        "Step Functions state transitions",
        usage.state_transitions * STEP_FUNCTIONS_STANDARD_PER_TRANSITION,
    )
    add("CloudWatch Logs ingestion", usage.log_bytes / GB * CLOUDWATCH_LOGS_INGESTION_PER_GB)
    add("X-Ray traces", usage.xray_traces * XRAY_PER_TRACE_RECORDED)
    return Cost(line_items=items, unpriced=unpriced)
