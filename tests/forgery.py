"""Tokens an attacker could make: built by hand, so that no JWT library refuses to make them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a token, read without checking anything."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def forge(claims: dict[str, Any], algorithm: str, key: bytes = b"") -> str:
    """A compact JWS with `claims` under the header `alg: algorithm`.

    HS* tokens are signed with `key`; `none` gets an empty signature; any other algorithm (RS256,
    say) gets random bytes where its signature belongs.
    """
    header = _segment(json.dumps({"alg": algorithm, "typ": "JWT"}).encode())
    body = _segment(json.dumps(claims).encode())
    signed = f"{header}.{body}".encode()
    if algorithm in DIGESTS:
        signature = hmac.new(key, signed, DIGESTS[algorithm]).digest()
    elif algorithm.lower() == "none":
        signature = b""
    else:
        signature = secrets.token_bytes(256)
    return f"{header}.{body}.{_segment(signature)}"
