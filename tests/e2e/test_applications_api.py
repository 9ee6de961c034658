"""The stock CodeDeploy client on the devstack: API Gateway emulation, api function, DynamoDB."""

import uuid
from datetime import UTC, datetime

import pytest
import requests

from functions.adapters.application_records import DynamoApplicationStore
from rollwright.applications import Application, ComputePlatform
from rollwright.client import codedeploy_client
from rollwright.protocols import WireProtocol


@pytest.fixture(scope="module", params=[None, WireProtocol.RPC_V2_CBOR], ids=["default", "cbor"])
def codedeploy(request, devstack):
    return devstack.codedeploy_client(request.param)


def test_an_application_is_created_read_listed_and_deleted(codedeploy, request):
    name = f"e2e-{request.node.callspec.id}"
    # When a pipeline creates an application
    created = codedeploy.create_application(applicationName=name, computePlatform="Lambda")
    # Then it can be read, listed and deleted
    info = codedeploy.get_application(applicationName=name)["application"]
    assert info["applicationId"] == created["applicationId"]
    assert info["computePlatform"] == "Lambda"
    assert name in codedeploy.list_applications()["applications"]
    codedeploy.delete_application(applicationName=name)
    with pytest.raises(codedeploy.exceptions.ApplicationDoesNotExistException):
        codedeploy.get_application(applicationName=name)


def test_a_duplicate_application_is_refused_with_codedeploys_exception(codedeploy, request):
    name = f"e2e-dup-{request.node.callspec.id}"
    codedeploy.create_application(applicationName=name)
    try:
        with pytest.raises(codedeploy.exceptions.ApplicationAlreadyExistsException):
            codedeploy.create_application(applicationName=name)
    finally:
        codedeploy.delete_application(applicationName=name)


def test_list_applications_pages_through_every_application(codedeploy, devstack, request):
    # Given more applications than one page holds, stored as CreateApplication stores them
    # (written by its store directly: 105 API calls would only repeat the create test's)
    store = DynamoApplicationStore(
        devstack.aws_client("dynamodb"), devstack.stack_outputs["TableName"]
    )
    names = [f"e2e-page-{request.node.callspec.id}-{i:03d}" for i in range(105)]
    for name in names:
        store.add(Application(str(uuid.uuid4()), name, ComputePlatform.SERVER, datetime.now(UTC)))
    try:
        # When the stock paginator lists them
        paginator = codedeploy.get_paginator("list_applications")
        pages = list(paginator.paginate())
        listed = [name for page in pages for name in page["applications"]]
        # Then every one appears once, over more than one page
        assert len(pages) >= 2
        assert set(names) <= set(listed)
        assert len(listed) == len(set(listed))
    finally:
        for name in names:
            store.remove(name)


def test_an_unsigned_request_is_refused_by_the_api(devstack):
    response = requests.post(
        devstack.api_url,
        headers={
            "X-Amz-Target": "CodeDeploy_20141006.ListApplications",
            "Content-Type": "application/x-amz-json-1.1",
        },
        data="{}",
        timeout=10,
    )
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_a_request_signed_with_an_unknown_key_is_refused(devstack):
    stranger = codedeploy_client(
        devstack.api_url,
        region_name=devstack.region,
        aws_access_key_id="AKIAUNKNOWNKEY000000",
        aws_secret_access_key="not-a-secret",
    )
    with pytest.raises(stranger.exceptions.ClientError) as refused:
        stranger.list_applications()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
