"""Request bodies: the four JSON media types ASP.NET accepts, and nothing else; and JSON that means
one thing only: no duplicate keys (which would silently win), no NaN or Infinity (not JSON), no
byte-order mark, no empty body sent as JSON."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import HTTPException

from mlprep.contract.base import WireModel
from mlprep.errors import InvalidRequestError

JSON_MEDIA_TYPES = (
    "application/json-patch+json",
    "application/json",
    "text/json",
    "application/*+json",
)


async def accepts_json_body(request: Request) -> None:
    """Refuse (415) a body that is not sent as JSON (ASP.NET's `+json` suffix rule applies), and
    (400) JSON that is ambiguous or no JSON value at all."""
    content_type = request.headers.get("content-type", "")
    if not content_type and _has_no_body(request):
        return  # nothing sent at all: validation answers 400, the body is required
    _ensure_json_media_type(content_type)
    ensure_unambiguous_json(await request.body())


async def accepts_optional_json_body(request: Request) -> None:
    """Like `accepts_json_body`, but a request without a body (and without a content type) passes
    too: every field takes its default."""
    if _has_no_body(request) and not request.headers.get("content-type"):
        return
    await accepts_json_body(request)


def ensure_unambiguous_json(body: bytes) -> None:
    """Raises InvalidRequestError unless `body` is JSON that means one thing only."""
    problem = _ambiguity(body)
    if problem is not None:
        raise InvalidRequestError(f"The body is not acceptable JSON: {problem}", {"$": [problem]})


def json_request_body(model: type[WireModel], required: bool = True) -> dict[str, Any]:
    """The OpenAPI `requestBody` for `model` under the four media types (as the contract has it)."""
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {
            "required": required,
            "content": {media: {"schema": reference} for media in JSON_MEDIA_TYPES},
        }
    }


class _Ambiguous(ValueError):
    pass


def _ambiguity(body: bytes) -> str | None:
    if not body.strip():
        return "it is empty; send a JSON value (an object, e.g. {})."
    if body.startswith(b"\xef\xbb\xbf"):
        return "it starts with a byte-order mark; send UTF-8 without one."
    try:
        json.loads(body, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except _Ambiguous as ambiguous:
        return str(ambiguous)
    except ValueError:
        return None  # malformed JSON: the request's validation says where
    return None


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _value in pairs:
        folded = key.casefold()  # property names match in any letter case
        if folded in seen:
            raise _Ambiguous(f"the property '{key}' is given more than once.")
        seen.add(folded)
    return dict(pairs)


def _refuse_constant(name: str) -> Any:
    raise _Ambiguous(f"{name} is not a JSON number.")


def _ensure_json_media_type(content_type: str) -> None:
    media_type = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    if media_type in ("application/json", "text/json") or (
        kind == "application" and subtype.endswith("+json")
    ):
        return
    shown = f"'{media_type}'" if media_type else "no content type"
    raise HTTPException(
        415,
        f"The body was sent with {shown}; send it as one of: {', '.join(JSON_MEDIA_TYPES)}.",
    )


def _has_no_body(request: Request) -> bool:
    headers = request.headers
    return headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers
