"""The benchmarks' cost model: counted requests and measured quantities to USD."""

from __future__ import annotations

import pytest

from bench.cost_model import (
    API_GATEWAY_REST_PER_REQUEST,
    DYNAMODB_PER_READ_REQUEST_UNIT,
    DYNAMODB_PER_WRITE_REQUEST_UNIT,
    LAMBDA_ARM64_PER_GB_SECOND,
    LAMBDA_PER_REQUEST,
    S3_GET_PER_REQUEST,
    S3_PUT_PER_REQUEST,
    SQS_STANDARD_PER_REQUEST,
    STEP_FUNCTIONS_STANDARD_PER_TRANSITION,
    DynamoDbAssumptions,
    RequestUnits,
    Usage,
    cost,
    dynamodb_request_units,
    lambda_gb_seconds,
)

NO_UNITS = RequestUnits(0.0, 0.0)


def test_single_item_writes_and_reads_cost_one_unit_each():
    units = dynamodb_request_units(
        {
            "dynamodb:PutItem": 2,
            "dynamodb:UpdateItem": 3,
            "dynamodb:GetItem": 4,
            "dynamodb:Query": 1,
        }
    )
    assert units == RequestUnits(read=5.0, write=5.0)


def test_a_transaction_costs_two_write_units_per_item():
    units = dynamodb_request_units(
        {"dynamodb:TransactWriteItems": 3}, DynamoDbAssumptions(items_per_transact_write=2)
    )
    assert units.write == 12.0


def test_a_batch_write_costs_a_unit_per_item_it_carries():
    units = dynamodb_request_units(
        {"dynamodb:BatchWriteItem": 2}, DynamoDbAssumptions(items_per_batch_write=10)
    )
    assert units.write == 20.0


def test_requests_of_other_services_add_no_request_units():
    assert dynamodb_request_units({"sqs:SendMessage": 5, "s3:GetObject": 1}) == NO_UNITS


def test_lambda_duration_is_billed_in_whole_milliseconds_at_the_configured_memory():
    assert lambda_gb_seconds(99.2, 1024) == pytest.approx(0.1)
    assert lambda_gb_seconds(1000.0, 512) == pytest.approx(0.5)


def test_each_request_kind_is_priced_by_its_service():
    # Given one request of each priced kind
    usage = Usage(
        requests={
            "execute-api:POST /": 1,
            "sqs:ReceiveMessage": 1,
            "s3:GetObject": 1,
            "s3:PutObject": 1,
        },
        dynamodb_units=NO_UNITS,
    )
    # When it is costed
    items = cost(usage).line_items
    # Then each lands in its service's line item at its price
    assert items["API Gateway requests"] == pytest.approx(API_GATEWAY_REST_PER_REQUEST)
    assert items["SQS requests"] == pytest.approx(SQS_STANDARD_PER_REQUEST)
    assert items["S3 requests"] == pytest.approx(S3_GET_PER_REQUEST + S3_PUT_PER_REQUEST)


def test_free_requests_cost_nothing_and_unknown_ones_are_reported_unpriced():
    usage = Usage(
        requests={"sts:AssumeRole": 3, "stepfunctions:StartExecution": 1, "kinesis:PutRecord": 2},
        dynamodb_units=NO_UNITS,
    )
    costed = cost(usage)
    assert costed.total == 0.0
    assert costed.unpriced == {"kinesis:PutRecord": 2}


def test_measured_quantities_are_priced():
    # Given measured units, invocations, GB-seconds, transitions, log bytes and a trace
    usage = Usage(
        requests={},
        dynamodb_units=RequestUnits(read=8, write=4),
        lambda_invocations=10,
        lambda_gb_seconds=2.0,
        state_transitions=12,
        log_bytes=1024**3,
        xray_traces=1,
    )
    # When it is costed
    costed = cost(usage)
    # Then the total is the sum of the priced quantities
    expected = (
        8 * DYNAMODB_PER_READ_REQUEST_UNIT
        + 4 * DYNAMODB_PER_WRITE_REQUEST_UNIT
        + 10 * LAMBDA_PER_REQUEST
        + 2.0 * LAMBDA_ARM64_PER_GB_SECOND
        + 12 * STEP_FUNCTIONS_STANDARD_PER_TRANSITION
        + 0.50
        + 5.00 / 1e6
    )
    assert costed.total == pytest.approx(expected)


def test_scaled_usage_costs_proportionally():
    usage = Usage(
        requests={"execute-api:POST /": 10},
        dynamodb_units=RequestUnits(read=10, write=10),
        lambda_invocations=10,
        state_transitions=10,
    )
    assert cost(usage.scaled(0.1)).total == pytest.approx(cost(usage).total / 10)
