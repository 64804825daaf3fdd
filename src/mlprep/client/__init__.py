"""The mlprep client: `PrepClient` (blocking) and `AsyncPrepClient` (asyncio), typed over the wire
models of `mlprep.contract`, with no dependency on the server.

    from mlprep.client import PrepClient

    with PrepClient("http://127.0.0.1:8080", user_name="admin", password="...") as prep:
        for procedure in prep.procedures():
            print(procedure.name, procedure.status)

Each name is imported from its module when first asked for: the `mlprep` command imports the
errors and answers at start, and the HTTP and WebSocket stacks only when it talks to a server
(`mlprep serve` never does).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlprep.client.asynchronous import AsyncPrepClient
    from mlprep.client.errors import (
        BadRequest,
        ClientError,
        Conflict,
        LockedOut,
        NotFound,
        PayloadTooLarge,
        PermissionDenied,
        ProblemError,
        ServerError,
        ServerUnreachable,
        ServiceBusy,
        Unauthenticated,
        UnexpectedResponse,
        UnsupportedMediaType,
    )
    from mlprep.client.events import (
        RECONNECTED,
        AsyncEventSubscription,
        EventSubscription,
        InstrumentEvent,
    )
    from mlprep.client.runs import Answer, ViewPrompt
    from mlprep.client.sync import PrepClient

_MODULES = {
    "mlprep.client.asynchronous": ["AsyncPrepClient"],
    "mlprep.client.errors": [
        "BadRequest",
        "ClientError",
        "Conflict",
        "LockedOut",
        "NotFound",
        "PayloadTooLarge",
        "PermissionDenied",
        "ProblemError",
        "ServerError",
        "ServerUnreachable",
        "ServiceBusy",
        "Unauthenticated",
        "UnexpectedResponse",
        "UnsupportedMediaType",
    ],
    "mlprep.client.events": [
        "RECONNECTED",
        "AsyncEventSubscription",
        "EventSubscription",
        "InstrumentEvent",
    ],
    "mlprep.client.runs": ["Answer", "ViewPrompt"],
    "mlprep.client.sync": ["PrepClient"],
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

# Written out, as type checkers read it; tests/client/test_names.py keeps it equal to _MODULES.
__all__ = [
    "RECONNECTED",
    "Answer",
    "AsyncEventSubscription",
    "AsyncPrepClient",
    "BadRequest",
    "ClientError",
    "Conflict",
    "EventSubscription",
    "InstrumentEvent",
    "LockedOut",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "PrepClient",
    "ProblemError",
    "ServerError",
    "ServerUnreachable",
    "ServiceBusy",
    "Unauthenticated",
    "UnexpectedResponse",
    "UnsupportedMediaType",
    "ViewPrompt",
]


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # asked once
    return value
