"""SigV4 verification of API Gateway requests against moto's IAM and STS credentials.

The signature is recomputed from the request exactly as received (raw path, raw query, the headers
the client listed as signed) and compared with the client's, as API Gateway does for `AWS_IAM`.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from devstack import moto_emulator

SERVICE = "execute-api"
MAX_CLOCK_SKEW = timedelta(minutes=5)
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<access_key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<signed>[^,]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]+)$"
)


@dataclass(frozen=True)
class VerifiedCaller:
    access_key_id: str
    account_id: str
    user_arn: str


class AuthenticationError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


MISSING_TOKEN = ("MissingAuthenticationTokenException", "Missing Authentication Token")
INVALID_TOKEN = (
    "UnrecognizedClientException",
    "The security token included in the request is invalid.",
)
SIGNATURE_MISMATCH = (
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.",
)


@dataclass(frozen=True)
class ReceivedRequest:
    """A request as it arrived: the raw path and query are what the client signed."""

    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]
    body: bytes


class _ReceivedSigV4(SigV4Auth):  # type: ignore[misc]
    """botocore's canonical request, over exactly the headers the client said it signed."""

    def __init__(self, credentials: Credentials, region: str, signed_headers: list[str]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed_headers = signed_headers

    def headers_to_sign(self, request: AWSRequest) -> object:
        header_map = HTTPHeaders()
        for name in self._signed_headers:
            value = request.headers.get(name)
            if value is not None:
                header_map[name] = value
        return header_map


def verify(request: ReceivedRequest, now: datetime | None = None) -> VerifiedCaller:
    headers = {name.lower(): value for name, value in request.headers.items()}
    authorization = headers.get("authorization")
    if not authorization:
        raise AuthenticationError(*MISSING_TOKEN)
    match = _AUTHORIZATION.match(authorization.strip())
    if not match:
        raise AuthenticationError(
            "IncompleteSignatureException",
            f"Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
            f"parameters. Authorization={authorization}",
        )
    access_key_id = match.group("access_key")
    known = moto_emulator.secret_for_access_key(access_key_id)
    if known is None:
        raise AuthenticationError(*INVALID_TOKEN)
    key, account_id = known
    if getattr(key, "status", "Active") != "Active":
        raise AuthenticationError(*INVALID_TOKEN)
    user_arn, session_token = moto_emulator.principal_arn(access_key_id, account_id)
    if session_token is not None and headers.get("x-amz-security-token") != session_token:
        raise AuthenticationError(*INVALID_TOKEN)
    amz_date = headers.get("x-amz-date", "")
    _check_clock(amz_date, now or datetime.now(UTC))
    canonical, string_to_sign, expected = _expected_signature(
        request, headers, match, key.secret_access_key, amz_date
    )
    if not hmac.compare_digest(expected, match.group("signature")):
        error_type, message = SIGNATURE_MISMATCH
        raise AuthenticationError(
            error_type,
            f"{message}\n\nThe Canonical String for this request should have been\n"
            f"'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n",
        )
    return VerifiedCaller(access_key_id=access_key_id, account_id=account_id, user_arn=user_arn)


def _check_clock(amz_date: str, now: datetime) -> None:
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise AuthenticationError(
            "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'."
        ) from error
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        raise AuthenticationError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - MAX_CLOCK_SKEW):%Y%m%dT%H%M%SZ} ({now:%Y%m%dT%H%M%SZ} - 5 min.)",
        )


def _expected_signature(
    request: ReceivedRequest,
    headers: dict[str, str],
    match: re.Match[str],
    secret: str,
    amz_date: str,
) -> tuple[str, str, str]:
    host = headers.get("host", "localhost")
    url = f"http://{host}{request.raw_path}"
    if request.raw_query:
        url += f"?{request.raw_query}"
    aws_request = AWSRequest(
        method=request.method, url=url, headers=dict(headers), data=request.body
    )
    aws_request.context["timestamp"] = amz_date
    signer = _ReceivedSigV4(
        Credentials(match.group("access_key"), secret),
        match.group("region"),
        match.group("signed").split(";"),
    )
    canonical = signer.canonical_request(aws_request)
    string_to_sign = signer.string_to_sign(aws_request, canonical)
    return canonical, string_to_sign, signer.signature(string_to_sign, aws_request)
