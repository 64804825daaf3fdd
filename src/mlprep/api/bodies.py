"""Request bodies: the four JSON media types ASP.NET accepts, and nothing else."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import HTTPException

from mlprep.contract.base import WireModel

JSON_MEDIA_TYPES = (
    "application/json-patch+json",
    "application/json",
    "text/json",
    "application/*+json",
)


def accepts_json_body(request: Request) -> None:
    """Refuse (415) a body that is not sent as JSON; ASP.NET's `+json` suffix rule applies."""
    content_type = request.headers.get("content-type", "")
    if not content_type and _has_no_body(request):
        return  # nothing sent at all: validation answers 400, the body is required
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


def accepts_optional_json_body(request: Request) -> None:
    """Like `accepts_json_body`, but a request without a body passes too (every field defaults)."""
    if request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in (
        request.headers
    ):
        return
    accepts_json_body(request)


def _has_no_body(request: Request) -> bool:
    headers = request.headers
    return headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers


def json_request_body(model: type[WireModel], required: bool = True) -> dict[str, Any]:
    """The OpenAPI `requestBody` for `model` under the four media types (as the contract has it)."""
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {
            "required": required,
            "content": {media: {"schema": reference} for media in JSON_MEDIA_TYPES},
        }
    }
