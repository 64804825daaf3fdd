"""RFC 7807 problem details, in the shape ASP.NET Core gives them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ProblemDetails(BaseModel):
    """The body of every error response (`application/problem+json`)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    traceId: str | None = None  # noqa: N815 - the wire name
    errors: dict[str, list[str]] | None = None
