"""Error responses declared per route, so the OpenAPI document lists them."""

from __future__ import annotations

from typing import Any

from mlprep.contract.problem import ProblemDetails

PROBLEM_SCHEMA_REF = {"$ref": "#/components/schemas/ProblemDetails"}

_DESCRIPTIONS = {
    400: "The request is malformed or a value is not allowed",
    401: "No token, or the token is malformed, expired, revoked or wrongly signed",
    403: "The user lacks the permission that the operation needs",
    404: "No such resource",
    409: "The instrument's state does not allow the operation now",
    413: "The request body is larger than 1 MiB",
    415: "The body is not sent as JSON",
    429: "Too many failed attempts; the account is locked for a while (Retry-After header)",
    503: "Too many logins are being checked; try again after the Retry-After header's seconds",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry for these error statuses, each a problem+json body."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA_REF}},
        }
        for status in statuses
    }


def problem_schema() -> dict[str, Any]:
    """The ProblemDetails schema, for the OpenAPI document's components."""
    return ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")


# The largest `offset` a page request takes (a 32-bit signed integer, as ASP.NET's `int`).
MAX_OFFSET = 2**31 - 1
