"""The stock boto3 ``codedeploy`` client, pointed at a Rollwright API.

The only changes to the stock client: the endpoint is the API Gateway URL, and requests are signed
for ``execute-api`` (API Gateway's IAM authorization) instead of ``codedeploy``. Optionally the wire
protocol can be pinned to one of the two the CodeDeploy model lists; by default botocore chooses
(botocore 1.44.8 chooses ``json`` over ``smithy-rpc-v2-cbor``).

This is the one module of the ``rollwright`` package that imports boto3.
"""

from __future__ import annotations

import re
from typing import Any

import boto3
import botocore.session

from rollwright.execute_api_signing import SIGNING_EVENT, SIGNING_NAME, sign_for_execute_api
from rollwright.protocols import WireProtocol

__all__ = ["SIGNING_NAME", "codedeploy_client"]
_REGION_IN_API_URL = re.compile(r"\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com")


def codedeploy_client(
    api_url: str, *, protocol: WireProtocol | None = None, **session_kwargs: Any
) -> Any:
    """A botocore CodeDeploy client for ``api_url`` (e.g. the stack output ``ApiUrl``).

    ``session_kwargs`` go to ``boto3.session.Session`` (profile_name, region_name, credentials).
    Without a region, the region in an ``execute-api`` URL is used.
    """
    if protocol is not None:
        core = session_kwargs.pop("botocore_session", None) or botocore.session.get_session()
        loader = core.get_component("data_loader")
        core.register_component("data_loader", _ProtocolPinningLoader(loader, protocol))
        session_kwargs["botocore_session"] = core
    session = boto3.session.Session(**session_kwargs)
    region = session.region_name or _region_in(api_url)
    client = session.client("codedeploy", endpoint_url=api_url, region_name=region)
    client.meta.events.register(SIGNING_EVENT, sign_for_execute_api)
    return client


def _region_in(api_url: str) -> str | None:
    match = _REGION_IN_API_URL.search(api_url)
    return match["region"] if match else None


class _ProtocolPinningLoader:
    """Hands out botocore's own CodeDeploy model with its ``protocols`` list narrowed to one.

    The model is copied in memory (shallowly, never mutating the loader's cache); nothing of it
    is stored in this repository.
    """

    def __init__(self, inner: Any, protocol: WireProtocol) -> None:
        self._inner = inner
        self._protocol = protocol

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        model = self._inner.load_service_model(service_name, type_name, api_version)
        if service_name != "codedeploy" or type_name != "service-2":
            return model
        metadata = {
            **model["metadata"],
            "protocol": self._protocol.value,
            "protocols": [self._protocol.value],
        }
        return {**model, "metadata": metadata}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
