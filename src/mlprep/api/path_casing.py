"""Paths (and query parameter names) that match in any letter case, as ASP.NET binds them.

The instrument's clients write `/NimbusLite/api/v1/Maintenance` as readily as
`/nimbuslite/api/v1/maintenance`; the vendor's server routes both to the same operation. Starlette
matches paths exactly, so this middleware rewrites a request's path to the casing of the route it
matches before routing. Only the literal segments are rewritten: a path parameter keeps its value
exactly as sent (an image name, an id). A literal segment outranks a parameter (api/route_table.py):
`/api/v1/maintenance/ERRORS` is the errors operation, not the procedure `ERRORS`.
Query parameter names are matched the same way (`?Offset=0&Limit=10`); their values are kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from mlprep.api.route_table import Templates


class PathCasing:
    """The canonical casing of every routed path (the route table's templates)."""

    def __init__(self, templates: Iterable[str], query_names: Iterable[str] = ()) -> None:
        self._query = {name.casefold(): name for name in query_names}
        self._templates: Templates[None] = Templates()
        for template in templates:
            self._templates.add(template, None)

    def canonical(self, path: str) -> str:
        """`path` in the casing of the route it matches; unchanged if it matches none."""
        reached = self._templates.reached(path)
        if reached is None:
            return path
        template, _values, parts = reached
        return template.canonical(parts)

    def canonical_query(self, query: bytes) -> bytes:
        """`query` with each known parameter name in its operation's casing."""
        if not query or not self._query:
            return query
        pairs = []
        for pair in query.split(b"&"):
            name, separator, value = pair.partition(b"=")
            known = self._query.get(name.decode("latin-1").casefold())
            pairs.append(known.encode() + separator + value if known else pair)
        return b"&".join(pairs)


class PathCasingMiddleware:
    """Routes a path written in any letter case to its operation (HTTP and WebSocket)."""

    def __init__(self, app: ASGIApp, casing: PathCasing) -> None:
        self.app = app
        self.casing = casing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path, query = scope["path"], scope.get("query_string", b"")
            canonical, canonical_query = (
                self.casing.canonical(path),
                self.casing.canonical_query(query),
            )
            if canonical != path or canonical_query != query:
                # `raw_path` keeps what was sent (percent-encoded): Starlette routes on `path`.
                scope = {**scope, "path": canonical, "query_string": canonical_query}
        await self.app(scope, receive, send)
