"""Which methods a path allows, for the `Allow` header of a 405 answer.

Each method is a route of its own here, and a path can match a literal route and a parameter
route at once (`/maintenance/abort` and `/maintenance/{id}`). As ASP.NET ranks routes, a literal
segment outranks a parameter, so the methods of the most literal routes on a path are the ones
allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import compile_path

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class _Entry:
    template: str
    pattern: re.Pattern[str]
    parameters: int
    methods: frozenset[str]


class RouteTable:
    """The HTTP routes of the app, flat, with their methods."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._query_names: set[str] = set()

    def add(self, prefix: str, router: APIRouter) -> None:
        """Add the routes of `router`, mounted under `prefix`."""
        for route in router.routes:
            if isinstance(route, APIRoute):
                template = prefix + route.path
                pattern, _format, convertors = compile_path(template)
                methods = frozenset(route.methods or ())
                self._entries.append(_Entry(template, pattern, len(convertors), methods))
                self._query_names.update(_query_names(route.dependant))

    def add_all(self, mounts: Iterable[tuple[str, APIRouter]]) -> None:
        """Add several routers, each under its prefix."""
        for prefix, router in mounts:
            self.add(prefix, router)

    def operations(self) -> list[tuple[str, str]]:
        """Every (method, path template) the table holds."""
        return sorted(
            (method, entry.template) for entry in self._entries for method in entry.methods
        )

    def query_names(self) -> list[str]:
        """Every query parameter name an operation reads."""
        return sorted(self._query_names)

    def templates(self) -> list[str]:
        """Every path template the table holds, once each."""
        return sorted({entry.template for entry in self._entries})

    def allowed_methods(self, path: str) -> list[str]:
        """The methods allowed on `path`: those of its most literal routes."""
        matching = [entry for entry in self._entries if entry.pattern.match(path)]
        if not matching:
            return []
        fewest = min(entry.parameters for entry in matching)
        methods = set().union(*(e.methods for e in matching if e.parameters == fewest))
        return [method for method in METHOD_ORDER if method in methods]


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters an operation reads, its dependencies' included."""
    names = {str(query.alias) for query in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names
