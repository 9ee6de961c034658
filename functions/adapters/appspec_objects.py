"""AppSpec files in S3 (bundle type YAML or JSON): the ``AppSpecObjects`` of
``rollwright.lambda_deployments``."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.adapters.dynamodb_errors import error_code
from rollwright.errors import InvalidRevisionException
from rollwright.lambda_appspec import LAMBDA_APPSPEC_SIZE_LIMIT_BYTES
from rollwright.revision_locations import S3Location, describe


class S3AppSpecObjects:
    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def read(self, location: S3Location) -> bytes:
        request: dict[str, Any] = {"Bucket": location.bucket, "Key": location.key}
        if location.version is not None:
            request["VersionId"] = location.version
        if location.etag is not None:
            request["IfMatch"] = location.etag
        try:
            found = self._s3.get_object(**request)
        except ClientError as error:
            raise InvalidRevisionException(
                f"The AppSpec {describe(location)} cannot be read: {error_code(error)}."
            ) from None
        if int(found.get("ContentLength", 0)) > LAMBDA_APPSPEC_SIZE_LIMIT_BYTES:
            raise InvalidRevisionException(
                f"The AppSpec {describe(location)} is larger than "
                f"{LAMBDA_APPSPEC_SIZE_LIMIT_BYTES} bytes."
            )
        body: bytes = found["Body"].read(LAMBDA_APPSPEC_SIZE_LIMIT_BYTES + 1)
        return body
