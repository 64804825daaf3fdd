"""Both faces offer the same public methods with the same signatures; the async face's are
awaitable (but `events`, an async context manager), and the multi-step flows are the shared ones."""

from __future__ import annotations

import ast
import inspect
import sys
from typing import Any

from mlprep.client import AsyncPrepClient, PrepClient

# Where the faces differ by design: how they wait, and what they hand back to wait on.
SYNC_TO_ASYNC = {
    "EventSubscription": "AsyncEventSubscription",
    "PrepClient": "AsyncPrepClient",
    "httpx.BaseTransport | None": "httpx.AsyncBaseTransport | None",
    "Callable[[float], None]": "Callable[[float], Awaitable[None]]",
}
WAITS = {"sleep"}  # time.sleep in one, asyncio.sleep in the other
NOT_AWAITED = {"events"}
CONTEXT = {"__enter__": "__aenter__", "__exit__": "__aexit__"}


def public_methods(face: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(face, inspect.isfunction)
        if not name.startswith("_")
    }


def as_async(annotation: Any) -> Any:
    return SYNC_TO_ASYNC.get(annotation, annotation)


def comparable(parameter: inspect.Parameter, annotation: Any) -> inspect.Parameter:
    default = "(a way to wait)" if parameter.name in WAITS else parameter.default
    return parameter.replace(annotation=annotation, default=default)


def test_both_faces_offer_the_same_public_methods() -> None:
    assert sorted(public_methods(PrepClient)) == sorted(public_methods(AsyncPrepClient))


def test_each_method_takes_the_same_parameters_and_answers_the_same_type() -> None:
    pairs = [(name, name) for name in public_methods(PrepClient)]
    pairs += [("__init__", "__init__"), *CONTEXT.items()]
    for sync_name, async_name in pairs:
        ours = inspect.signature(getattr(PrepClient, sync_name))
        theirs = inspect.signature(getattr(AsyncPrepClient, async_name))
        expected = [comparable(p, as_async(p.annotation)) for p in ours.parameters.values()]
        offered = [comparable(p, p.annotation) for p in theirs.parameters.values()]
        assert offered == expected, sync_name
        assert theirs.return_annotation == as_async(ours.return_annotation), sync_name


def test_the_async_face_awaits_where_the_sync_face_blocks() -> None:
    for name in public_methods(AsyncPrepClient):
        method = getattr(AsyncPrepClient, name)
        assert inspect.iscoroutinefunction(method) is (name not in NOT_AWAITED), name
        assert not inspect.iscoroutinefunction(getattr(PrepClient, name)), name
    for async_name in CONTEXT.values():
        assert inspect.iscoroutinefunction(getattr(AsyncPrepClient, async_name))


def test_neither_face_holds_a_flow_of_its_own() -> None:
    # A face drives the shared flows (client/flows.py, client/run_flow.py): no retry loop, no
    # exception handling, no token renewal and no following of a run is written in a face.
    for face in (PrepClient, AsyncPrepClient):
        tree = ast.parse(inspect.getsource(sys.modules[face.__module__]))
        loops = [node for node in ast.walk(tree) if isinstance(node, ast.While | ast.Try)]
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert loops == [], face.__name__
        assert not names & {"retry_delay", "view_to_answer", "RETRYABLE"}, face.__name__
