"""Opaque ``nextToken`` values: a small JSON document naming a position, base64url-encoded.

A token names the last item a page listed (a key, never an offset), so items added or removed
between pages neither repeat nor shift the listing. What the document holds is each listing's
business; anything that does not decode to a JSON object is ``InvalidNextTokenException``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from rollwright.errors import InvalidNextTokenException

MAX_TOKEN_LENGTH = 4096


def encode_token(document: Mapping[str, str | int]) -> str:
    text = json.dumps(dict(document), separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def decode_token(token: str) -> dict[str, Any]:
    if len(token) > MAX_TOKEN_LENGTH:
        raise invalid_next_token()
    try:
        document = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (UnicodeError, ValueError, binascii.Error):
        raise invalid_next_token() from None
    if not isinstance(document, dict):
        raise invalid_next_token()
    return document


def invalid_next_token() -> InvalidNextTokenException:
    return InvalidNextTokenException("The next token is not valid.")
