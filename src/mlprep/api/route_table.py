"""The one table of the application's routes, read by path casing, the `Allow` header of a 405
and the lane for polled reads (api/hot_reads.py).

A path can match a literal route and a parameter route at once (`/maintenance/abort` and
`/maintenance/{id}`). As ASP.NET ranks routes, a literal segment outranks a parameter: of the
templates a path matches, in any letter case, those with the most literal segments are the ones
it reaches. `Templates.reached` is that rule, written once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Route, WebSocketRoute

METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
T = TypeVar("T")


@dataclass(frozen=True)
class Template:
    """A path template, split into segments: a literal (case-folded) or None for a parameter."""

    text: str
    segments: tuple[str | None, ...]
    names: tuple[str, ...]  # the parameters' names, in order
    literals: int

    @classmethod
    def parse(cls, text: str) -> Template:
        """The template of `text` (`/maintenance/{id}`)."""
        parts = text.split("/")
        segments = tuple(None if part.startswith("{") else part.casefold() for part in parts)
        names = tuple(part[1:-1].split(":")[0] for part in parts if part.startswith("{"))
        return cls(text, segments, names, sum(part is not None for part in segments))

    def matches(self, folded: list[str]) -> bool:
        """Whether the case-folded segments of a path match (a parameter is never empty)."""
        for part, literal in zip(folded, self.segments, strict=True):
            if (not part) if literal is None else part != literal:
                return False
        return True

    def parameters(self, parts: list[str]) -> dict[str, str]:
        """The path parameters, by name, as sent."""
        values = [
            part for part, literal in zip(parts, self.segments, strict=True) if literal is None
        ]
        return dict(zip(self.names, values, strict=True))

    def canonical(self, parts: list[str]) -> str:
        """The path in the template's casing; its parameters as sent."""
        return "/".join(
            part if literal is None else written
            for part, literal, written in zip(
                parts, self.segments, self.text.split("/"), strict=True
            )
        )


@dataclass
class Templates(Generic[T]):
    """Path templates, each with its values (routes, methods), matched by the ranking rule."""

    _literal: dict[str, list[tuple[Template, T]]] = field(default_factory=dict)
    _patterned: dict[int, list[tuple[Template, T]]] = field(default_factory=dict)

    def add(self, text: str, value: T) -> None:
        """Add a template with a value (a template may be added with several)."""
        template = Template.parse(text)
        if template.literals == len(template.segments):
            self._literal.setdefault(text.casefold(), []).append((template, value))
            return
        candidates = self._patterned.setdefault(len(template.segments), [])
        candidates.append((template, value))
        candidates.sort(key=lambda candidate: -candidate[0].literals)  # stable: first added wins

    def reached(self, path: str) -> tuple[Template, list[T], list[str]] | None:
        """The first of the most literal templates `path` matches, the values of all of them,
        and the path's segments; None if it matches none."""
        folded = path.casefold()
        literal = self._literal.get(folded)
        if literal is not None:
            return literal[0][0], [value for _template, value in literal], path.split("/")
        parts = folded.split("/")
        best: Template | None = None
        values: list[T] = []
        for template, value in self._patterned.get(len(parts), ()):
            if best is not None and template.literals < best.literals:
                break
            if template.matches(parts):
                best = best or template
                values.append(value)
        return None if best is None else (best, values, path.split("/"))


@dataclass(frozen=True, eq=False)
class Operation:
    """One HTTP operation of the API: its path template, methods and route."""

    template: str
    methods: frozenset[str]
    route: APIRoute


class RouteTable:
    """The application's routes: its operations (under the API's prefixes) and every other
    routed path (WebSockets, documents, the console), flat."""

    def __init__(self, routes: Iterable[BaseRoute], operation_prefixes: Iterable[str]) -> None:
        prefixes = tuple(operation_prefixes)
        self._operations: list[Operation] = []
        self._by_template: Templates[Operation] = Templates()
        self._paths: list[str] = []
        self._query_names: set[str] = set()
        for context in iter_route_contexts(list(routes)):  # included routers, flat
            route, path = context.original_route, context.path
            if not isinstance(route, Route | WebSocketRoute) or path is None:
                continue  # a mount: its names are exact
            self._paths.append(path)
            if isinstance(route, APIRoute) and path.startswith(prefixes):
                operation = Operation(path, frozenset(context.methods or ()), route)
                self._operations.append(operation)
                self._by_template.add(path, operation)
                self._query_names.update(_query_names(route.dependant))

    def operations(self) -> list[tuple[str, str]]:
        """Every (method, path template) the table holds."""
        return sorted(
            (method, operation.template)
            for operation in self._operations
            for method in operation.methods
        )

    def all_operations(self) -> list[Operation]:
        """Every operation, in the application's order."""
        return list(self._operations)

    def query_names(self) -> list[str]:
        """Every query parameter name an operation reads."""
        return sorted(self._query_names)

    def templates(self) -> list[str]:
        """Every path template the table holds, once each (operations and other paths)."""
        return sorted(set(self._paths))

    def operation(self, path: str, method: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation of `method` that `path` (in any letter case) reaches, with its path
        parameters; None if the path reaches none of that method."""
        reached = self._by_template.reached(path)
        if reached is None:
            return None
        template, operations, parts = reached
        for operation in operations:
            if method in operation.methods and operation.template == template.text:
                return operation, template.parameters(parts)
        return None

    def allowed_methods(self, path: str) -> list[str]:
        """The methods allowed on `path`: those of its most literal routes."""
        reached = self._by_template.reached(path)
        if reached is None:
            return []
        methods = set().union(*(operation.methods for operation in reached[1]))
        return [method for method in METHOD_ORDER if method in methods]


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters an operation reads, its dependencies' included."""
    names = {str(query.alias) for query in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names
