"""The mlprep client: `PrepClient` (blocking) and `AsyncPrepClient` (asyncio), typed over the wire
models of `mlprep.contract`, with no dependency on the server.

    from mlprep.client import PrepClient

    with PrepClient("http://127.0.0.1:8080", user_name="admin", password="...") as prep:
        for procedure in prep.procedures():
            print(procedure.name, procedure.status)
"""

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
